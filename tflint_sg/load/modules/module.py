"""Evaluate a Terraform configuration's modules the way `terraform plan` expands them.

A `ModuleInstance` is one instance of a module (the root, `module.app`, `module.sg["api"]`);
its variables, locals, outputs, resources and child modules are computed on demand and
memoized, so only what the network model needs is ever evaluated. Resource attributes that
only apply knows (ids, ARNs) become `Ref(address, attribute)`, as in a plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from tflint_sg.addresses import format_key, join
from tflint_sg.config import BuiltString, LeftToOthers, Ref, Unknown
from tflint_sg.load.expressions.evaluate import evaluate
from tflint_sg.load.expressions.files import ConfigFiles
from tflint_sg.load.expressions.library_files import render_template
from tflint_sg.load.expressions.values import (Lazy, Missing, ReferenceCycle, Scope, TfSet, as_number, to_string,
                                               unknown_in)
from tflint_sg.load.hcl.syntax import GetAttr, Index, Name
from tflint_sg.load.expressions.types import convert
from tflint_sg.load.hcl.syntax import Block

MAX_MODULE_DEPTH = 32
_MAX_INSTANCES = 10_000  # a larger count is hostile or a mistake: treated as unknown
# The instances one run expands, across all module nesting: resource instances, module
# instances and the blocks `dynamic` makes. Nesting multiplies counts (a module with
# count = 1000 around a resource with count = 1000 is a million instances: 36 s and 3 GB), so
# the run stops expanding here. The largest real-looking repositories (the benchmark's 160
# stacks) expand about 5,000 instances; each instance costs about 5 KB and 50 us through the
# whole run, most in --format json and graph, which print them all: 25,000 instances take
# about 2 s and 160 MB there, so even instances twice as heavy stay under 300 MB.
INSTANCE_BUDGET = 25_000
_NOT_GIVEN = object()
# Bound with an instance whose count or for_each is unknown: it may not exist at all.
_MAYBE = "__may_not_exist__"


@dataclass(frozen=True)
class Span:
    file: str
    start_line: int
    end_line: int
    # The block itself, for locating the attributes and nested blocks inside it.
    block: Block | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, block: Block) -> Span:
        return cls(block.file, block.start_line, block.end_line, block)


class ModuleDef:
    """The blocks of one module directory, parsed once however often it is called."""

    def __init__(self, directory: str, blocks: list[Block], overrides: list[Block] = ()):
        """`blocks`: with override files merged in; `overrides`: the override files' own blocks."""
        self.directory = directory
        self.blocks = blocks
        self.overrides = overrides
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Any] = {}
        self.outputs: dict[str, Block] = {}
        self.resources: dict[tuple[str, str], Block] = {}
        self.data: dict[tuple[str, str], Block] = {}
        self.calls: dict[str, Block] = {}
        for block in blocks:
            labels = block.labels
            if block.type == "variable" and labels:
                self.variables[labels[0]] = block
            elif block.type == "locals":
                self.locals.update(block.attributes)
            elif block.type == "output" and labels:
                self.outputs[labels[0]] = block
            elif block.type == "resource" and len(labels) == 2:
                self.resources[(labels[0], labels[1])] = block
            elif block.type == "data" and len(labels) == 2:
                self.data[(labels[0], labels[1])] = block
            elif block.type == "module" and labels:
                self.calls[labels[0]] = block
        self.resource_types = {resource_type for resource_type, _ in self.resources}


class Memo:
    """Memoized evaluation with a guard against reference cycles."""

    _IN_PROGRESS = object()

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        value = self._values.get(key)
        if value is Memo._IN_PROGRESS:
            return ReferenceCycle(f"a reference cycle through {key}")
        if key in self._values:
            return value
        self._values[key] = Memo._IN_PROGRESS
        try:
            value = compute()
        except RecursionError:
            value = Unknown(f"references nested too deeply at {key}")
        self._values[key] = value
        return value


class InstanceBudget:
    """The resource, module and dynamic-block instances a run may still expand, across all its
    inputs and every level of module nesting."""

    def __init__(self, total: int = INSTANCE_BUDGET):
        self.left = total


class Environment:
    """What every module instance shares: how to find and parse modules, and what was noted."""

    def __init__(self, root_dir: str, root_values: dict[str, Any],
                 load_module: Callable[[str], ModuleDef],
                 resolve_source: Callable[[str, str, str, str | None], tuple[str | None, str | None]],
                 budget: InstanceBudget | None = None, planned: Any = None):
        """`planned`: the instances and data source values of a plan made from this
        configuration (load.plan.instances.PlannedInstances); they win over what evaluation
        would make of them."""
        self.root_dir = root_dir
        self.root_values = root_values
        self.planned = planned
        self.load_module = load_module
        self.resolve_source = resolve_source  # (caller dir, module key, source, version) -> (dir, note)
        self.notes: list[str] = []
        self.call_spans: dict[str, Span] = {}
        self.workspace = _workspace(root_dir)
        self.budget = budget or InstanceBudget()
        self.budget_ran_out_at: str | None = None  # where expansion first stopped, in this configuration
        self.files = ConfigFiles(root_dir, self.notes)

    def take(self, wanted: int, address: str) -> int:
        """How many of `wanted` instances of `address` the run's budget still allows."""
        granted = min(wanted, self.budget.left)
        self.budget.left -= granted
        if granted < wanted and self.budget_ran_out_at is None:
            self.budget_ran_out_at = address
        return granted


def _workspace(root_dir: str) -> Any:
    """The selected workspace: `terraform workspace select` records it in .terraform/environment;
    TF_WORKSPACE overrides it. Without either, Terraform uses "default"."""
    selected = os.environ.get("TF_WORKSPACE")
    if selected:
        return selected
    try:
        with open(os.path.join(root_dir, ".terraform", "environment"), encoding="utf-8") as handle:
            return handle.read().strip() or "default"
    except FileNotFoundError:
        return "default"
    except OSError:
        return Unknown("the selected workspace could not be read")


class ModuleInstance:
    def __init__(self, env: Environment, definition: ModuleDef, path: str, key_path: str,
                 parent: ModuleInstance | None = None, call: Block | None = None,
                 call_names: dict[str, Any] | None = None, depth: int = 0, may_not_exist: bool = False):
        self.env = env
        self.definition = definition
        self.path = path  # module.a["k"].module.b, "" for the root
        self.key_path = key_path  # a.b: how .terraform/modules/modules.json names the call
        self.parent = parent
        self.call = call
        self.call_names = call_names or {}  # count/each of this instance, in the caller's scope
        self.depth = depth
        self.may_not_exist = may_not_exist  # an instance of a call whose count/for_each is unknown
        self.scope = Scope(self._root, files=env.files)
        self._memo = Memo()

    def provider_region(self) -> Any:
        """The region of the root module's default `aws` provider, when it says one and this
        module uses it (a call that passes `providers` may hand it another)."""
        root = self
        while root.parent is not None:
            if root.call is not None and "providers" in root.call.attributes:
                return Unknown(f"{root.path} is given its providers; their region is not read")
            root = root.parent
        for block in root.definition.blocks:
            if block.type == "provider" and tuple(block.labels) == ("aws",) and "alias" not in block.attributes \
                    and "region" in block.attributes:
                region = root._memo.get(("provider", "region"),
                                        lambda: evaluate(block.attributes["region"].expr, root.scope))
                if isinstance(region, str):
                    return region
        return Unknown("the provider's region is not in the configuration")

    # --- the names an expression can start with ---------------------------------------

    def _root(self, name: str) -> Any:
        if name == "var":
            return _Namespace(lambda n: self.variable(n))
        if name == "local":
            return _Namespace(lambda n: self.local(n))
        if name == "module":
            return _Namespace(lambda n: self.module_call(n))
        if name == "data":
            return _Namespace(lambda t: _Namespace(lambda n: self.data_source(t, n)))
        if name == "path":
            # Terraform runs in the root module's directory, wherever this tool is started from.
            return self.env.files.path_values(self.definition.directory)
        if name == "terraform":
            return {"workspace": self.env.workspace}
        if name in self.definition.resource_types:
            return _Namespace(lambda n: self.resource(name, n))
        return Unknown(f"{name} is not known here")

    def variable(self, name: str) -> Any:
        return self._memo.get(("var", name), lambda: self._variable(name))

    def _variable(self, name: str) -> Any:
        declaration = self.definition.variables.get(name)
        given = _NOT_GIVEN
        if self.parent is None:
            given = self.env.root_values.get(name, _NOT_GIVEN)
        elif self.call is not None and name in self.call.attributes:
            caller_scope = self.parent.scope.with_names(self.call_names)
            given = evaluate(self.call.attributes[name].expr, caller_scope)
        if declaration is None:
            return given if given is not _NOT_GIVEN else Unknown(f"var.{name} is not declared")
        nullable = declaration.attributes.get("nullable")
        non_nullable = nullable is not None and evaluate(nullable.expr, self.scope) is False
        if given is None and non_nullable:
            given = _NOT_GIVEN  # a null for a non-nullable variable takes its default
        default = declaration.attributes.get("default")
        if isinstance(given, Unknown) and given.symbol is not None and non_nullable and default is not None:
            given = Unknown(given.reason)  # null at plan time, it would take the default instead
        if given is _NOT_GIVEN:
            if default is None:
                if self.parent is None:
                    # Terraform asks for it at plan time: one value, whatever it is, in every use.
                    return Unknown(f"var.{name} has no value", symbol=f"var.{name}")
                return Unknown(f"var.{name} has no value")
            given = evaluate(default.expr, self.scope)
        type_attribute = declaration.attributes.get("type")
        if type_attribute is None:
            return given
        if isinstance(given, Unknown) and given.symbol is not None and not _keeps_numbers(type_attribute.expr):
            # An object's optional() defaults, say, may differ from the caller's own: not one value.
            return Unknown(given.reason)
        return convert(given, type_attribute.expr)

    def local(self, name: str) -> Any:
        attribute = self.definition.locals.get(name)
        if attribute is None:
            return Unknown(f"local.{name} is not defined")
        return self._memo.get(("local", name), lambda: evaluate(attribute.expr, self.scope))

    def output(self, name: str) -> Any:
        block = self.definition.outputs.get(name)
        if block is None or "value" not in block.attributes:
            return Unknown(f"output {name} is not defined in {self.path or 'the root module'}")
        return self._memo.get(("output", name), lambda: evaluate(block.attributes["value"].expr, self.scope))

    def data_source(self, data_type: str, name: str) -> Any:
        block = self.definition.data.get((data_type, name))
        if block is None:
            return Unknown(f"data.{data_type}.{name} is not defined")
        return _DataSource(self, block, f"data.{data_type}.{name}")

    # --- resources ------------------------------------------------------------------

    def resource(self, resource_type: str, name: str) -> Any:
        return self._memo.get(("resource", resource_type, name), lambda: self._resource(resource_type, name))

    def _resource(self, resource_type: str, name: str) -> Any:
        block = self.definition.resources.get((resource_type, name))
        if block is None:
            return Unknown(f"{resource_type}.{name} is not defined")
        address = join(self.path, f"{resource_type}.{name}")
        keys, complete = self.expand(block, address)
        if keys is None:  # no count or for_each: a single instance
            if not self.env.take(1, address):
                return Unknown(f"{address} is not analyzed: the run's instance budget ran out")
            return ResourceInstance(self, block, resource_type, address, {}, self.may_not_exist)
        instances = {key: ResourceInstance(self, block, resource_type, address + format_key(key),
                                           {k: v for k, v in names.items() if k != _MAYBE},
                                           self.may_not_exist or _MAYBE in names)
                     for key, names in keys}
        return _Collection(instances, "count" in block.attributes, complete)

    def expand(self, block: Block, address: str) -> tuple[list[tuple[Any, dict]] | None, bool]:
        """The instance keys of a counted or for_each block, with the names they bind, as many
        as the run's budget still allows; and whether they are all its instances (its count or
        for_each is known and the budget took every one)."""
        keys = self._keys(block, address)
        if keys is None:
            return None, True
        taken = keys[:self.env.take(len(keys), address)]
        return taken, len(taken) == len(keys) and not any(_MAYBE in names for _, names in keys)

    def _keys(self, block: Block, address: str) -> list[tuple[Any, dict]] | None:
        if "count" not in block.attributes and "for_each" not in block.attributes:
            return None
        planned = self._planned_keys(block, address)
        if planned is not None:
            return planned
        if "count" in block.attributes:
            count = evaluate(block.attributes["count"].expr, self.scope)
            if isinstance(count, bool) or not isinstance(count, (int, float)) or not 0 <= count <= _MAX_INSTANCES:
                self.env.notes.append(f"{address}: count is unknown until apply (or beyond {_MAX_INSTANCES}); "
                                      "its instances may not exist")
                return [(0, {"count": {"index": Unknown("count.index of an unknown count")}, _MAYBE: True})]
            return [(index, {"count": {"index": index}}) for index in range(int(count))]
        each = self._for_each(block)
        if each is not None:
            return [(key, {"each": {"key": key, "value": value}}) for key, value in each]
        self.env.notes.append(f"{address}: for_each is unknown until apply; its instances may not exist")
        return [("?", {"each": {"key": Unknown("each.key of an unknown for_each"),
                                "value": Unknown("each.value of an unknown for_each")}, _MAYBE: True})]

    def _for_each(self, block: Block) -> list[tuple[str, Any]] | None:
        """The (each.key, each.value) pairs of a for_each, None while it is unknown."""
        collection = evaluate(block.attributes["for_each"].expr, self.scope)
        if isinstance(collection, Lazy):
            collection = collection.mapping()
        if isinstance(collection, list) and all(isinstance(item, str) for item in collection):
            return [(item, item) for item in collection]
        if isinstance(collection, dict):
            return sorted(collection.items())
        return None

    def _planned_keys(self, block: Block, address: str) -> list[tuple[Any, dict]] | None:
        """The instances the plan holds, when the configuration is read beside it: the plan
        knows them even where count or for_each depends on what only planning learns. A key
        of the other kind (the plan was made from another version of the block) is not used."""
        keys = self.env.planned.instance_keys(address) if self.env.planned is not None else None
        if keys is None:
            return None
        if "count" in block.attributes:
            if not all(type(key) is int for key in keys):
                return None
            return [(key, {"count": {"index": key}}) for key in keys]
        if not all(isinstance(key, str) for key in keys):
            return None
        values = dict(self._for_each(block) or ())
        return [(key, {"each": {"key": key, "value": values[key] if key in values else
                                Unknown(f"each.value of {address}[{key!r}]: only the plan knows this instance")}})
                for key in keys]

    def resource_instances(self) -> list[ResourceInstance]:
        instances: list[ResourceInstance] = []
        for resource_type, name in self.definition.resources:
            value = self.resource(resource_type, name)
            if isinstance(value, ResourceInstance):
                instances.append(value)
            elif isinstance(value, _Collection):
                instances.extend(value.instances.values())
        return instances

    # --- module calls ----------------------------------------------------------------

    def module_call(self, name: str) -> Any:
        return self._memo.get(("module", name), lambda: self._module_call(name))

    def _module_call(self, name: str) -> Any:
        call = self.definition.calls.get(name)
        if call is None:
            return Unknown(f"module.{name} is not defined")
        key_path = f"{self.key_path}.{name}" if self.key_path else name
        address = join(self.path, f"module.{name}")
        if self.depth >= MAX_MODULE_DEPTH:
            steps = address.split(".module.")
            shown = address if len(steps) < 5 else f"{steps[0]}.module.{steps[1]}.module. ... .module.{steps[-1]}"
            self.env.notes.append(f"{shown}: modules nested deeper than {MAX_MODULE_DEPTH} (a module that calls "
                                  "itself?); not followed")
            return Unknown(f"{address} is not analyzed")
        source = evaluate(call.attributes["source"].expr, self.scope) if "source" in call.attributes else None
        if not isinstance(source, str):
            self.env.notes.append(f"{address}: its source is not a literal string; not followed")
            return Unknown(f"{address} is not analyzed")
        version = evaluate(call.attributes["version"].expr, self.scope) if "version" in call.attributes else None
        directory, note = self.env.resolve_source(self.definition.directory, key_path, source,
                                                  version if isinstance(version, str) else None)
        if directory is None:
            self.env.notes.append(note or f"{address}: not followed")
            return Unknown(f"{address} is not analyzed: {note}")
        definition = self.env.load_module(directory)
        keys, complete = self.expand(call, address)

        def child(path: str, names: dict) -> _ModuleOutputs:
            instance = ModuleInstance(self.env, definition, path, key_path, self, call,
                                      {k: v for k, v in names.items() if k != _MAYBE}, self.depth + 1,
                                      self.may_not_exist or _MAYBE in names)
            self.env.call_spans[path] = Span.of(call)
            return _ModuleOutputs(instance)

        if keys is None:
            if not self.env.take(1, address):
                return Unknown(f"{address} is not analyzed: the run's instance budget ran out")
            return child(address, {})
        return _Collection({key: child(address + format_key(key), names) for key, names in keys},
                           "count" in call.attributes, complete)

    def child_instances(self) -> list[ModuleInstance]:
        children: list[ModuleInstance] = []
        for name in self.definition.calls:
            value = self.module_call(name)
            if isinstance(value, _ModuleOutputs):
                children.append(value.instance)
            elif isinstance(value, _Collection):
                children.extend(item.instance for item in value.instances.values())
        return children


def _keeps_numbers(type_expr: Any) -> bool:
    """Whether converting to the type leaves a number attribute reading the same value."""
    return isinstance(type_expr, Name) and type_expr.name in ("number", "string", "any")


class ResourceInstance(Lazy):
    """One resource instance: configured attributes evaluate, the rest are known after apply."""

    def __init__(self, module: ModuleInstance, block: Block, resource_type: str, address: str, names: dict,
                 may_not_exist: bool = False):
        self.module = module
        self.block = block
        self.type = resource_type
        self.address = address
        self.may_not_exist = may_not_exist
        self.scope = module.scope.with_names(names)
        self._values: dict | None = None

    def attr(self, name: str) -> Any:
        if name in self.block.attributes:
            value = self.module._memo.get((self.address, name),
                                          lambda: evaluate(self.block.attributes[name].expr, self.scope))
            if value is None and name == "name":
                # Left unset (or to `name_prefix`), a name is one AWS generates: still this
                # resource's, as `aws_launch_configuration.this[0].name` is in an ASG module.
                return Ref(self.address, name)
            if type(value) in (Unknown, BuiltString):  # not an error, not a cycle: a value this tool cannot read
                # Whatever the configured value turns out to be, it is this instance's: a name
                # built from `basename(path.cwd)` still names this Auto Scaling group.
                return Ref(self.address, name)
            return value
        if any(b.type == name for b in self.block.blocks):
            return self.values().get(name)
        return Ref(self.address, name)

    def mapping(self) -> Any:
        return Unknown(f"{self.address} is not a collection")

    def values(self) -> dict:
        """All configured attributes and nested blocks, as a plan's `after` would hold them."""
        if self._values is None:
            self._values = {}
            values = body_values(self.block, self.scope, skip=("count", "for_each", "provider", "depends_on",
                                                               "lifecycle", "provisioner", "connection"),
                                 budget=(self.module.env, self.address))
            for path in self.ignored_changes():
                # Changed outside Terraform and left alone by it: the configuration does not say.
                _leave_to_others(values, path, LeftToOthers(f"{self.address}.{path[0]}: lifecycle ignore_changes "
                                                            "leaves it to others"))
            self._values = values
        return self._values

    def ignored_changes(self) -> list[list[Any]]:
        """The paths `lifecycle { ignore_changes }` names: an attribute, or a part of one
        (`mixed_instances_policy[0].launch_template[0].launch_template_specification[0].version`)."""
        lifecycle = next((b for b in self.block.blocks if b.type == "lifecycle"), None)
        ignored = lifecycle.attributes.get("ignore_changes") if lifecycle else None
        if ignored is None:
            return []
        expr = ignored.expr
        items = getattr(expr, "items", None)
        if items is None:  # `ignore_changes = all`
            return [[name] for name in
                    sorted(set(self.block.attributes) | {b.type for b in self.block.blocks} - {"lifecycle"})]
        paths = []
        for item in items:  # attribute paths, parsed as references (`ingress`, `tags["x"]`)
            steps: list[Any] = []
            while isinstance(item, (GetAttr, Index)):
                if isinstance(item, GetAttr):
                    steps.append(item.name)
                else:
                    key = evaluate(item.key, self.scope)
                    steps.append(key if isinstance(key, (str, int)) and not isinstance(key, bool) else None)
                item = item.target
            if isinstance(item, Name):
                paths.append([item.name] + steps[::-1])
        return paths

    def declared(self) -> frozenset[str]:
        names = set(self.block.attributes)
        for block in self.block.blocks:
            names.add(block.labels[0] if block.type == "dynamic" and block.labels else block.type)
        return frozenset(names)


def _leave_to_others(values: dict, path: list[Any], unknown: Unknown) -> None:
    """Make the part of `values` that `path` names unknown; the rest stays as configured. A path
    through a part that is not there, or a key that is not plain, leaves the whole attribute."""
    replaced = _replaced(values.get(path[0]), path[1:], unknown) if path[0] in values else None
    values[path[0]] = unknown if replaced is None else replaced


def _replaced(value: Any, path: list[Any], unknown: Unknown) -> Any:
    """A copy of `value` with the part at `path` unknown, or None when `path` is not in it.
    Copied, never changed in place: the value may be shared (`tags = local.tags`)."""
    if not path:
        return unknown
    step, rest = path[0], path[1:]
    if isinstance(value, dict) and isinstance(step, str) and (step in value or not rest):
        inner = _replaced(value.get(step), rest, unknown) if rest else unknown
        return None if inner is None else {**value, step: inner}
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        inner = _replaced(value[step], rest, unknown)
        if inner is None:
            return None
        copy = type(value)(value)
        copy[step] = inner
        return copy
    return None


def body_values(block: Block, scope: Scope, skip: tuple = (), budget: tuple[Environment, str] | None = None) -> dict:
    """`budget`: the environment whose instance budget `dynamic` blocks take from, and the
    address of the resource instance they belong to."""
    values: dict = {}
    for name, attribute in block.attributes.items():
        if name not in skip:
            values[name] = evaluate(attribute.expr, scope)
    for nested in block.blocks:
        if nested.type in skip:
            continue
        if nested.type == "dynamic" and nested.labels:
            label = nested.labels[0]
            expanded = _dynamic(nested, scope, budget)
            if isinstance(expanded, Unknown) or isinstance(values.get(label), Unknown):
                values[label] = expanded if isinstance(expanded, Unknown) else values[label]
            else:
                values.setdefault(label, []).extend(expanded)
        else:
            existing = values.setdefault(nested.type, [])
            if isinstance(existing, list):
                existing.append(body_values(nested, scope, budget=budget))
    return values


def _dynamic(block: Block, scope: Scope, budget: tuple[Environment, str] | None) -> list | Unknown:
    """Expand `dynamic "x" { for_each ... content { ... } }` into the blocks it makes."""
    if "for_each" not in block.attributes:
        return Unknown("a dynamic block without for_each")
    collection = evaluate(block.attributes["for_each"].expr, scope)
    if isinstance(collection, Lazy):
        collection = collection.mapping()
    if isinstance(collection, dict):
        pairs = sorted(collection.items())
    elif isinstance(collection, TfSet):
        pairs = [(item, item) for item in collection]
    elif isinstance(collection, list):
        pairs = list(enumerate(collection))
    else:
        return Unknown(f"dynamic {block.labels[0]} over a collection unknown until apply")
    iterator_attr = block.attributes.get("iterator")
    iterator = block.labels[0]
    if iterator_attr is not None:
        name = evaluate(iterator_attr.expr, Scope(lambda n: n))
        iterator = name if isinstance(name, str) else iterator
    content = next((b for b in block.blocks if b.type == "content"), None)
    if content is None:
        return []
    if budget is not None:
        env, address = budget
        if env.take(len(pairs), f'{address} (dynamic "{block.labels[0]}")') < len(pairs):
            # Some of the blocks would be missing: none is better than a part that reads as all.
            return Unknown(f"dynamic {block.labels[0]}: the run's instance budget ran out")
    return [body_values(content, scope.with_names({iterator: {"key": key, "value": value}}), budget=budget)
            for key, value in pairs]


class _Namespace(Lazy):
    """`var`, `local`, `module`, `data.TYPE`, a resource type: a name -> value function."""

    def __init__(self, get: Callable[[str], Any]):
        self._get = get

    def attr(self, name: str) -> Any:
        return self._get(name)

    def mapping(self) -> Any:
        return Unknown("a whole namespace")


class _Collection(Lazy):
    """The instances of a counted or for_each resource or module call."""

    def __init__(self, instances: dict, counted: bool, complete: bool = False):
        self.instances = instances
        self.counted = counted
        self.complete = complete  # `instances` are all there are: another key is an error

    def attr(self, name: str) -> Any:
        return Unknown(f"an attribute ({name}) of several instances: index them or use a splat")

    def index(self, key: Any) -> Any:
        if self.counted:
            number = as_number(key)
            if number is None or (isinstance(number, float) and not number.is_integer()):
                return Unknown(f"cannot index instances with {key!r}")
            key = int(number)
        else:
            key = to_string(key)
            if key is None:
                return Unknown("cannot index instances with a value that is not a string")
        if key in self.instances:
            return self.instances[key]
        # Terraform fails on an instance that a known count or for_each does not make; with
        # an unknown one (or a budget cut) it may exist.
        return Missing(f"no instance {key!r}") if self.complete else Unknown(f"no instance {key!r}")

    def elements(self) -> list:
        return list(self.instances.values())

    def mapping(self) -> Any:
        if self.counted:
            return Unknown("for_each over a counted resource")
        return dict(self.instances)


class _ModuleOutputs(Lazy):
    def __init__(self, instance: ModuleInstance):
        self.instance = instance

    def attr(self, name: str) -> Any:
        return self.instance.output(name)

    def mapping(self) -> Any:
        return Unknown("a module's outputs as a collection")


class _DataSource(Lazy):
    """A data source is read at plan or apply time; only what its block sets is known here."""

    def __init__(self, module: ModuleInstance, block: Block, address: str, key: Any = None,
                 names: dict | None = None):
        self.module = module
        self.block = block
        self.address = join(module.path, address) + format_key(key)
        self._local_address = address
        # An instance of a counted or for_each data source reads its arguments with its own
        # count.index or each.key and each.value.
        self.scope = module.scope.with_names(names) if names else module.scope

    def attr(self, name: str) -> Any:
        planned = self.module.env.planned
        read = planned.data_values(self.address) if planned is not None else None
        if read is not None and name in read:  # what planning read wins over the arguments
            return read[name]
        given = evaluate(self.block.attributes[name].expr, self.scope) if name in self.block.attributes else None
        if given is not None:
            return given
        data_type = self.block.labels[0] if self.block.labels else ""
        if name == "rendered" and data_type == "template_file":
            return self._rendered()
        region = (Unknown(f"{self.address} reads through another provider") if "provider" in self.block.attributes
                  else self.module.provider_region())
        if data_type == "aws_region" and name in ("name", "region", "id"):
            return region  # the provider's region, unless the block names one
        if data_type == "aws_vpc_endpoint_service" and name == "service_name":
            # An AWS service's endpoint service: com.amazonaws.REGION.SERVICE (the PrivateLink guide).
            service = self.attr("service")
            if isinstance(service, str) and isinstance(region, str):
                return f"com.amazonaws.{region}.{service}"
        # An argument left null is one the reading fills in.
        return Unknown(f"{self.address}.{name}: read from AWS, not in the configuration")

    def _rendered(self) -> Any:
        """The legacy `template_file` data source renders its template locally, as
        `templatefile` does (container definitions and user data are still written that way)."""
        text, variables = self.attr("template"), self.attr("vars") if "vars" in self.block.attributes else {}
        if not isinstance(text, str) or not isinstance(variables, dict) or unknown_in(variables):
            return Unknown(f"{self.address}.rendered: its template or vars are unknown until apply")
        return render_template(self.scope, evaluate, text, variables, self.address)

    def index(self, key: Any) -> Any:
        # The plan records each instance's reading; the arguments read with the instance's names.
        if isinstance(key, (int, str)) and not isinstance(key, bool):
            names = self._names_of(key)
            if names is not None or self.module.env.planned is not None:
                return _DataSource(self.module, self.block, self._local_address, key, names)
        return self

    def _names_of(self, key: Any) -> dict | None:
        attributes = self.block.attributes
        if "for_each" in attributes and isinstance(key, str):
            pairs = dict(self.module._for_each(self.block) or ())
            return {"each": {"key": key, "value": pairs[key]}} if key in pairs else None
        if "count" in attributes and isinstance(key, int):
            count = evaluate(attributes["count"].expr, self.module.scope)
            return {"count": {"index": key}} if isinstance(count, int) and 0 <= key < count else None
        return None

    def elements(self) -> list:
        return [self]

    def mapping(self) -> Any:
        return Unknown(f"{self.address} as a collection")
