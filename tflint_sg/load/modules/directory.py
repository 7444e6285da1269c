"""Read a Terraform source directory (the root module and the modules it calls) into a `Config`.

The same `Config` as a plan gives: resource instances with the addresses Terraform gives them,
values evaluated from the configuration, and `Ref`s where apply decides. It also records where
each instance and module call is declared, so that findings point at `.tf` lines.
"""

from __future__ import annotations

import os

from msgspec.structs import replace

from tflint_sg.config import CHECKED_TYPES, NETWORK_TYPES, Config, Ref, Resource, canonical_type
from tflint_sg.errors import InputError
from tflint_sg.load.modules import sources as hcl_sources
from tflint_sg.load.modules.carriers import group_variables
from tflint_sg.load.modules.references import check_call_arguments, check_references
from tflint_sg.load.modules.module import (INSTANCE_BUDGET, MAX_MODULE_DEPTH, Environment, InstanceBudget, ModuleDef,
                                          ModuleInstance, Span)
from tflint_sg.addresses import parse_resource_address, strip_keys
from tflint_sg.load.hcl.syntax import GetAttr, Literal, Name
from tflint_sg.load.hcl.parse import parse_file, parse_files
from tflint_sg.load.hcl.syntax import Block
from tflint_sg.paths import real_path

MAY_NOT_EXIST_TYPES = frozenset({
    "aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule",
})


def load_directory(directory: str, var_files: list[str] = (), var_args: list[str] = (),
                   root_values: dict | None = None, variables_in_order: list[tuple[str, str]] | None = None,
                   ignore_modules: set[str] = frozenset(), cut_short: str = "the rest is not analyzed",
                   budget: InstanceBudget | None = None, planned=None) -> Config:
    """`root_values` replaces the tfvars files and options: a plan records the values it used.
    `variables_in_order` gives --var-file and --var in command-line order (else files first).
    `cut_short` ends the warning given when the instance budget runs out; `budget` is the
    run's (else this directory has one of its own). What is parsed goes to the parse cache when
    the caller flushes it (load() does). `planned`: the instances and data source readings of
    a plan made from this directory, which win over what evaluation makes of them."""
    root = os.path.normpath(directory)
    files = hcl_sources.module_files(root)
    if not files:
        raise InputError(directory, "no Terraform files (*.tf, *.tf.json) in this directory")
    if root_values is None and variables_in_order is not None:
        values, notes = hcl_sources.ordered_variable_values(root, variables_in_order)
    elif root_values is None:
        values, notes = hcl_sources.root_variable_values(root, list(var_files), list(var_args))
    else:
        values, notes = dict(root_values), []
    definitions: dict[str, ModuleDef] = {}

    def load_module(module_dir: str) -> ModuleDef:
        module_dir = os.path.normpath(module_dir)
        if module_dir not in definitions:
            blocks = [block for path in hcl_sources.module_files(module_dir) for block in parse_file(path)]
            overrides: list[Block] = []
            for path in hcl_sources.override_files(module_dir):
                override = parse_file(path)
                overrides.extend(override)
                blocks = merge_override(blocks, override)
            definitions[module_dir] = ModuleDef(module_dir, blocks, overrides)
        return definitions[module_dir]

    def resolve_source(caller_dir: str, key: str, source: str, version: str | None):
        if source in ignore_modules:
            return None, f"module {key} ({source}) is ignored by the settings (ignore_module)"
        return hcl_sources.resolve_module_source(root, caller_dir, key, source, version)

    _parse_ahead(root, ignore_modules)
    env = Environment(root, values, load_module, resolve_source, budget, planned)
    config = Config(source=directory)
    config.notes.extend(notes)

    pending = [ModuleInstance(env, load_module(root), "", "")]
    visited: list[ModuleInstance] = []
    while pending:
        instance = pending.pop()
        visited.append(instance)
        for resource in instance.resource_instances():
            resource_type = canonical_type(resource.type)
            block = resource.block
            config.spans[resource.address] = Span.of(block)
            if resource.may_not_exist and resource_type not in MAY_NOT_EXIST_TYPES:
                # Its count or for_each is unknown. Only a rule can be kept: an extra rule can
                # only silence findings, an extra target or load balancer could make one.
                if resource_type in CHECKED_TYPES:
                    declared = resource.address[:resource.address.rindex("[")] if resource.address.endswith("]") \
                        else resource.address
                    config.not_expanded.setdefault(
                        declared, "its count or for_each (or its module's) is unknown until apply, so it is not analyzed")
                continue
            if resource_type in NETWORK_TYPES:
                config.resources[resource.address] = Resource(
                    resource.address, resource_type, resource.values(), instance.path, resource.declared())
        pending.extend(instance.child_instances())
    checked: set[str] = set()
    for instance in visited:
        # Terraform checks a module's references once, whatever its instances: so does this.
        definition = instance.definition
        if definition.directory not in checked:
            checked.add(definition.directory)
            check_references(definition.blocks, definition.overrides, strip_keys(instance.path) or "the root module",
                             hcl_sources.display_path)
    check_call_arguments(visited, hcl_sources.display_path)
    config.group_uses = set()
    walked: set[tuple[str, str]] = set()
    for instance in visited:
        # Every instance of one module call has the same expressions: walk them once.
        key = (instance.definition.directory, strip_keys(instance.path))
        if key in walked:
            continue
        walked.add(key)
        uses, strings = _group_uses(instance)
        config.group_uses |= uses
        config.strings_used |= strings
    config.call_spans.update(env.call_spans)
    config.group_variables = group_variables(visited)
    for instance in visited:
        for named, output in _id_outputs(instance):
            config.id_outputs.setdefault(named, []).append((instance.path, output))
    config.files = sorted(path for directory in definitions for path in
                          hcl_sources.module_files(directory) + hcl_sources.override_files(directory))
    config.notes.extend(env.notes)
    if env.budget_ran_out_at is not None:
        # Always shown: an analysis cut short must not read as a clean run.
        config.warnings.append(f"{env.budget_ran_out_at}: stopped expanding count/for_each after "
                               f"{INSTANCE_BUDGET:,} instances in this run; {cut_short}")
        config.expansion_cut_at = env.budget_ran_out_at
    config.resources = dict(sorted(config.resources.items()))
    return config


def _parse_ahead(root: str, ignore_modules: set[str]) -> None:
    """Parses the root module and the local modules it calls, one level of calls at a time, so
    that many files are parsed together (over several cores) before evaluation asks for each.
    Only literal local sources are followed here, and nothing here fails a run: evaluation
    still resolves every call and reports every file it cannot read."""
    seen = {real_path(root)}
    level = [root]
    for _ in range(MAX_MODULE_DEPTH + 1):
        if not level:
            break
        files = [path for directory in level for path in hcl_sources.module_files(directory)]
        parse_files(files + [path for directory in level for path in hcl_sources.override_files(directory)])
        calls = []
        for path in files:
            try:
                sources = hcl_sources.local_module_sources(parse_file(path))
            except Exception:
                continue  # reported if evaluation reaches the file
            for source in sources:
                if source in ignore_modules:
                    continue
                directory = os.path.normpath(os.path.join(os.path.dirname(path), source))
                resolved = real_path(directory)
                if resolved not in seen and hcl_sources.is_module_directory(root, directory):
                    seen.add(resolved)
                    calls.append(directory)
        level = calls


def merge_override(blocks: list[Block], overrides: list[Block]) -> list[Block]:
    """Terraform's override files: each block replaces, attribute by attribute, the block with
    the same type and labels; a nested block type it sets replaces all of that type; locals
    replace by name."""
    merged = list(blocks)
    for override in overrides:
        if override.type == "locals":
            names = set(override.attributes)
            merged = [_without_locals(block, names) if block.type == "locals" else block for block in merged]
            merged.append(override)
            continue
        for index, block in enumerate(merged):
            if block.type == override.type and block.labels == override.labels:
                merged[index] = _overridden(block, override)
                break
    return merged


def _overridden(block: Block, override: Block) -> Block:
    replaced_types = {_nested_type(nested) for nested in override.blocks}
    kept = [nested for nested in block.blocks if _nested_type(nested) not in replaced_types]
    # The merged block names the first file; an attribute from the override file keeps no
    # position there (line 0), so nothing points at a line of the wrong file.
    moved = {name: replace(attribute, line=0, end_line=0, column=None, end_column=None)
             for name, attribute in override.attributes.items()}
    return replace(block, attributes={**block.attributes, **moved}, blocks=kept + override.blocks)


def _nested_type(block: Block) -> str:
    return block.labels[0] if block.type == "dynamic" and block.labels else block.type


def _without_locals(block: Block, names: set[str]) -> Block:
    return replace(block, attributes={k: v for k, v in block.attributes.items() if k not in names})


_GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
_RULE_TYPES = ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


def _group_uses(instance: ModuleInstance) -> set[tuple[str, str]]:
    """Groups that anything but a rule mentions in one module: resources, module calls, outputs
    and locals (a local may carry a group anywhere)."""
    definition = instance.definition
    expressions = []
    for (resource_type, _name), block in definition.resources.items():
        if resource_type not in _RULE_TYPES and resource_type not in _GROUP_TYPES:
            expressions.extend(_block_expressions(block))
    for block in list(definition.calls.values()) + list(definition.outputs.values()):
        expressions.extend(_block_expressions(block))
    expressions.extend(attribute.expr for attribute in definition.locals.values())
    for block in definition.data.values():
        expressions.extend(_block_expressions(block))
    path = strip_keys(instance.path)
    names, strings = set(), set()
    for expr in expressions:
        found, literals = _group_names(expr)
        names |= found
        strings |= literals
    return {(path, name) for name in names}, strings


# What a fix may need to name from the module that calls the one that declares it.
_NAMED_BY_OUTPUTS = _GROUP_TYPES + ("aws_vpc",)


def _id_outputs(instance: ModuleInstance) -> list[tuple[tuple[str, str], str]]:
    """((address, attribute), output name) for each output of a module instance whose value is
    the id of a security group or VPC, or a VPC's `default_security_group_id`
    (`module.alb.security_group_id`): how its caller names that resource. Only outputs that
    mention such a resource or a module are evaluated."""
    if not instance.path:
        return []
    found = []
    for name, block in sorted(instance.definition.outputs.items()):
        value = block.attributes.get("value")
        if value is None or not _mentions(value.expr, _NAMED_BY_OUTPUTS + ("module",)):
            continue
        result = instance.output(name)
        if not isinstance(result, Ref):
            continue
        resource_type = parse_resource_address(result.address).resource.split(".")[0]
        if result.attribute == "id" and resource_type in _NAMED_BY_OUTPUTS or (
                result.attribute == "default_security_group_id" and resource_type == "aws_vpc"):
            found.append(((result.address, result.attribute), name))
    return found


def _mentions(expr, names: tuple[str, ...]) -> bool:
    return any(type(node) is Name and node.name in names for node in _nodes(expr))


def _block_expressions(block: Block) -> list:
    found = [attribute.expr for attribute in block.attributes.values()]
    for nested in block.blocks:
        found.extend(_block_expressions(nested))
    return found


def _group_names(expr) -> tuple[set[str], set[str]]:
    """The groups an expression refers to, and the literal strings in it (a name attaches too)."""
    names: set[str] = set()
    strings: set[str] = set()
    for node in _nodes(expr):
        kind = type(node)
        if kind is GetAttr and type(node.target) is Name and node.target.name in _GROUP_TYPES:
            names.add(f"{node.target.name}.{node.name}")
        elif kind is Literal and type(node.value) is str:
            strings.add(node.value)
    return names, strings


def _nodes(expr):
    """Every node of an expression's syntax tree."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        kind = type(node)
        fields = _AST_FIELDS.get(kind)
        if fields is None:
            fields = _AST_FIELDS[kind] = getattr(kind, "__struct_fields__", ())
        for field_name in fields:
            stack.append(getattr(node, field_name))
        if kind is tuple or kind is list:
            stack.extend(node)


_AST_FIELDS: dict[type, tuple[str, ...]] = {}  # an AST node class -> its fields, to walk into
