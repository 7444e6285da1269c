"""Which variable of an installed module carries a resource's security groups.

A module `terraform init` installed is not the repository's to edit: a fix for a group or an
endpoint inside it is written at the module's call instead, as a new security group passed in
the variable the endpoint's groups come from (`security_group_ids = [...]`). This finds that
variable, by reading the module as written (the variables the groups argument refers to,
through locals and dynamic blocks) and checking the values: every group the variable holds
now must be among the resource's groups.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from tflint_sg.config import GROUP_ARGUMENTS, Ref
from tflint_sg.load.expressions.evaluate import evaluate
from tflint_sg.load.hcl.syntax import Block
from tflint_sg.load.modules.module import ModuleInstance, ResourceInstance
from tflint_sg.load.modules.references import expression_references

# How modules name a variable that is a list of security group ids.
_GROUP_LIST = re.compile(r"(^|_)(security_groups|security_group_ids|sg_ids)$")
# Where an Auto Scaling group names its launch template.
_TEMPLATE_PATHS = ("launch_template.id", "launch_template.name",
                   "mixed_instances_policy.launch_template.launch_template_specification.launch_template_id",
                   "mixed_instances_policy.launch_template.launch_template_specification.launch_template_name")


def group_variables(instances: list[ModuleInstance]) -> dict[str, tuple[str, bool]]:
    """Resource instance address -> (variable, whether its default is empty), for the
    resources of installed modules whose groups one variable of the module carries."""
    found: dict[str, tuple[str, bool]] = {}
    for instance in instances:
        if not instance.path or ".terraform" not in Path(instance.definition.directory).parts:
            continue
        resources = instance.resource_instances()
        by_block = {id(resource.block): resource for resource in resources}
        for resource in resources:
            carrier = _carrier(instance, resource, by_block)
            if carrier is not None:
                found[resource.address] = carrier
    return found


def _carrier(instance: ModuleInstance, resource: ResourceInstance, by_block: dict) -> tuple[str, bool] | None:
    resource_type = resource.block.labels[0]
    block, holder = resource.block, resource
    if resource_type in ("aws_autoscaling_group", "aws_eks_node_group"):
        # Its instances' groups are the launch template's.
        templates = {name for root, name in _references(instance.definition, block, _TEMPLATE_PATHS)
                     if root == "aws_launch_template"}
        template = instance.definition.resources.get(("aws_launch_template", next(iter(templates)))) \
            if len(templates) == 1 else None
        if template is None or id(template) not in by_block:
            return None
        block, holder, resource_type = template, by_block[id(template)], "aws_launch_template"
    paths = GROUP_ARGUMENTS.get(resource_type)
    if paths is None:
        return None
    definition = instance.definition
    variables = {name for root, name in _references(definition, block, paths)
                 if root == "var" and _GROUP_LIST.search(name) and name in definition.variables}
    if len(variables) != 1:
        return None
    (name,) = variables
    value = instance.variable(name)
    if not isinstance(value, list):
        return None
    groups = [group for path in paths for group in _values_at(holder.values(), path.split("."))]
    if not all(isinstance(item, Ref) and item in groups for item in value):
        return None
    default = definition.variables[name].attributes.get("default")
    given = evaluate(default.expr, instance.scope) if default is not None else None
    return name, given is None or given == []


def _references(definition, block: Block, paths) -> set[tuple[str, str]]:
    """(root, first name) of what the expressions at `paths` in `block` refer to, through
    locals: ("var", "security_groups"), ("aws_launch_template", "this")."""
    stack = [expr for path in paths for expr in _expressions_at(block, path.split("."))]
    found: set[tuple[str, str]] = set()
    seen_locals: set[str] = set()
    while stack:
        for root, names in expression_references(stack.pop(), frozenset()):
            if not names:
                continue
            if root == "local":
                if names[0] not in seen_locals:
                    seen_locals.add(names[0])
                    attribute = definition.locals.get(names[0])
                    if attribute is not None:
                        stack.append(attribute.expr)
            else:
                found.add((root, names[0]))
    return found


def _expressions_at(block: Block, names: list[str]) -> list:
    """The expressions written at a dotted path, with the for_each of any dynamic block on the
    way (what its iterator reads)."""
    name, rest = names[0], names[1:]
    if not rest:
        attribute = block.attributes.get(name)
        return [attribute.expr] if attribute is not None else []
    found = []
    for nested in block.blocks:
        if nested.type == name:
            found += _expressions_at(nested, rest)
        elif nested.type == "dynamic" and nested.labels[:1] == (name,):
            content = next((inner for inner in nested.blocks if inner.type == "content"), None)
            inner = _expressions_at(content, rest) if content is not None else []
            for_each = nested.attributes.get("for_each")
            if inner:
                found += inner + ([for_each.expr] if for_each is not None else [])
    return found


def _values_at(values: Any, names: list[str]) -> Iterator[Any]:
    """The values at a dotted path of a resource's values, lists flattened."""
    if isinstance(values, list):
        for item in values:
            yield from _values_at(item, names)
        return
    if not names:
        yield values
        return
    if isinstance(values, dict) and names[0] in values:
        yield from _values_at(values[names[0]], names[1:])
