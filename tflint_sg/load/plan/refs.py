"""Follow a plan's `configuration` references to the resource instances they name.

Values that are unknown until apply (the id of a security group being created, the ARN of a
new target group) are absent from a plan's `after`. The configuration still says where they
come from: `aws_security_group.app.id`, or `var.sg_ids`, which the parent's module call sets
from `module.sg.id`, whose output expression names the resource. This module walks those
links across modules, count and for_each instances. What it cannot follow becomes `Unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from tflint_sg.addresses import format_key, join, key_value, parent_module, split_key, split_steps, strip_keys
from tflint_sg.config import NETWORK_TYPES, Ref, Unknown, canonical_type
from tflint_sg.load.plan.format import ConfigModule, ConfigResource, Expression, ModuleCall

Value = Any  # a literal, a Ref or an Unknown

_MAX_DEPTH = 64  # module nesting deeper than this is a cycle or hostile input
_TOO_DEEP = "reference chain too deep"


@dataclass(frozen=True)
class Scope:
    """Where an expression is evaluated: a module instance and the instance key of its owner."""

    module: str  # module instance path, "" for root
    key: int | str | None = None  # count.index or each.key of the resource/module owning it
    for_each: Expression | None = None  # the owner's for_each, for each.value


def decode_raw(raw: msgspec.Raw | None) -> Any:
    if raw is None:
        return None
    return msgspec.json.decode(raw)


def maximal_references(references: list[str]) -> list[str]:
    """Terraform lists every prefix of a traversal (`a.b.id`, `a.b`); keep the longest ones."""
    kept = []
    for ref in references:
        if not isinstance(ref, str):
            continue
        longer = any(
            other != ref and (other.startswith(ref + ".") or other.startswith(ref + "["))
            for other in references
            if isinstance(other, str)
        )
        if not longer and ref not in kept:
            kept.append(ref)
    return kept


class ReferenceResolver:
    def __init__(
        self,
        root: ConfigModule | None,
        instances: dict[tuple[str, str], list[str]],
        data_values: dict[str, msgspec.Raw],
        root_variables: dict[str, Any],
    ):
        # instances: (module instance path, resource address in module) -> instance addresses
        self._instances = instances
        self._data_values = data_values
        self._root_variables = root_variables
        self._modules: dict[str, ConfigModule] = {}
        self._calls: dict[str, ModuleCall] = {}
        self._resources: dict[tuple[str, str], ConfigResource] = {}
        self._expressions: dict[Any, Any] = {}  # decoded expressions, by the struct holding them
        self._kept: dict[int, list[str]] = {}  # references -> the ones to follow
        self._variables: dict[tuple[str, str], list[Value]] = {}  # (name, module instance) -> values
        # (parent module instance, call name) -> the call's instances the plan holds, in order
        self._module_instances: dict[tuple[str, str], dict[str, None]] = {}
        if root is not None:
            self._index_module("", root, 0)
        for module_path in dict.fromkeys(module_path for module_path, _resource in instances):
            steps = split_steps(module_path) if module_path else []
            for end in range(2, len(steps) + 1, 2):
                name, _key = split_key(steps[end - 1])
                siblings = self._module_instances.setdefault((".".join(steps[:end - 2]), name), {})
                siblings[".".join(steps[:end])] = None

    @property
    def has_configuration(self) -> bool:
        return bool(self._modules)

    def _index_module(self, path: str, module: ConfigModule, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        self._modules[path] = module
        for resource in module.resources or []:
            if resource is not None and resource.address:
                self._resources[(path, resource.address)] = resource
        for name, call in (module.module_calls or {}).items():
            if call is None:
                continue
            child = join(path, f"module.{name}")
            self._calls[child] = call
            if call.module is not None:
                self._index_module(child, call.module, depth + 1)

    def config_resource(self, module_instance: str, resource: str) -> ConfigResource | None:
        return self._resources.get((strip_keys(module_instance), resource))

    def expressions_of(self, config: ConfigResource | ModuleCall) -> dict:
        """A resource's or module call's expressions, decoded once: every instance shares them."""
        cached = self._expressions.get(id(config))
        if cached is None:
            decoded = decode_raw(config.expressions)
            cached = decoded if isinstance(decoded, dict) else {}
            self._expressions[id(config)] = cached
        return cached

    def _output_expression(self, output) -> Any:
        key = ("output", id(output))
        if key not in self._expressions:
            self._expressions[key] = decode_raw(output.expression)
        return self._expressions[key]

    # --- evaluation -------------------------------------------------------------------

    def evaluate(self, expression: Any, scope: Scope, depth: int = 0) -> list[Value]:
        """The values an expression may produce, flattened: literals, Refs and Unknowns."""
        if not isinstance(expression, dict):
            return [Unknown("expression not in the plan's configuration")]
        if "constant_value" in expression:
            return _flatten(expression["constant_value"])
        references = expression.get("references")
        if not isinstance(references, list):
            return [Unknown("expression not in the plan's configuration")]
        values: list[Value] = []
        kept = self._kept.get(id(references))
        if kept is None:
            kept = maximal_references(references)
            # Next to other references, `count.index` and `each.key` are almost always an index
            # (`aws_x.y[count.index]`, which `_resource` pairs by key), not a value of their own.
            if any(not _is_index(ref) for ref in kept):
                kept = [ref for ref in kept if not _is_index(ref)]
            self._kept[id(references)] = kept
        for ref in kept:
            values.extend(self._follow(ref, references, scope, depth))
        return values

    def _follow(self, ref: str, siblings: list[str], scope: Scope, depth: int) -> list[Value]:
        if depth > _MAX_DEPTH:
            return [Unknown(f"{ref}: {_TOO_DEEP}")]
        steps = split_steps(ref)
        head = steps[0]
        if head == "var" and len(steps) >= 2:
            values = self._variable(split_key(steps[1])[0], scope, depth)
            return _select(values, steps[2:]) if len(steps) > 2 else values
        if head == "local":
            return [Unknown(f"{ref}: local values are not in a plan's configuration")]
        if head == "module" and len(steps) >= 2:
            return self._module_output(steps, scope, depth)
        if head == "each":
            return self._each(steps, scope, depth)
        if head in ("count", "path", "terraform", "self"):
            return []
        if head == "data" and len(steps) >= 3:
            return self._data(steps, scope)
        if len(steps) >= 2:
            return self._resource(steps, siblings, scope)
        return [Unknown(f"{ref}: not understood")]

    def _variable(self, name: str, scope: Scope, depth: int) -> list[Value]:
        if not scope.module:
            if name in self._root_variables:
                return _flatten(self._root_variables[name])
            return [Unknown(f"var.{name}: no value in the plan")]
        # Every resource of a module instance that reads the variable gets the same values.
        memo = self._variables.get((name, scope.module))
        if memo is not None:
            return list(memo)
        parent, _, key = parent_module(scope.module)
        call = self._calls.get(strip_keys(scope.module))
        if call is None:
            return [Unknown(f"var.{name}: module call {scope.module} not in the configuration")]
        expression = self.expressions_of(call).get(name)
        if expression is None:
            # The caller did not set it: the variable's default applies.
            declared = (call.module.variables or {}).get(name) if call.module is not None else None
            if declared is None or declared.default is msgspec.UNSET:
                return [Unknown(f"var.{name} of {scope.module}: default value not in the plan")]
            return _flatten(decode_raw(declared.default))
        caller = Scope(parent, key_value(key), call.for_each_expression)
        values = self.evaluate(expression, caller, depth + 1)
        if not any(isinstance(value, Unknown) and value.reason.endswith(_TOO_DEEP) for value in values):
            self._variables[(name, scope.module)] = list(values)  # a cut-short chain is not kept
        return values

    def _module_output(self, steps: list[str], scope: Scope, depth: int) -> list[Value]:
        name, key = split_key(steps[1])
        call_path = join(strip_keys(scope.module), f"module.{name}")
        call = self._calls.get(call_path)
        if call is None or call.module is None:
            return [Unknown(f"module.{name}: not in the configuration")]
        if len(steps) < 3:
            return [Unknown(f"module.{name}: whole-module value")]
        output_name = split_key(steps[2])[0]
        output = (call.module.outputs or {}).get(output_name)
        if output is None:
            return [Unknown(f"module.{name}.{output_name}: no such output")]
        if key is not None:
            children = [join(scope.module, f"module.{name}{key}")]
        else:
            children = self._child_instances(scope.module, name)
        expression = self._output_expression(output)
        values: list[Value] = []
        for child in children:
            values.extend(self.evaluate(expression, Scope(child), depth + 1))
        return values

    def _child_instances(self, module: str, name: str) -> list[str]:
        known = list(self._module_instances.get((module, name), ()))
        return known or [join(module, f"module.{name}")]

    def _each(self, steps: list[str], scope: Scope, depth: int) -> list[Value]:
        if len(steps) < 2:
            return []
        if steps[1] == "key":
            return [scope.key] if scope.key is not None else [Unknown("each.key outside for_each")]
        if steps[1] != "value" or scope.for_each is None or scope.key is None:
            return [Unknown("each.value: the for_each collection is not known")]
        collection = [r for r in maximal_references(scope.for_each.references or [])]
        if len(collection) != 1:
            return [Unknown("each.value: for_each is not a single module or resource")]
        source_steps = split_steps(collection[0])
        keyed = format_key(scope.key)
        if source_steps[0] == "module" and len(source_steps) == 2:
            ref = ".".join(["module", source_steps[1] + keyed] + steps[2:])
        elif len(source_steps) == 2 and source_steps[0] not in ("var", "local", "each", "data"):
            ref = ".".join([source_steps[0], source_steps[1] + keyed] + steps[2:])
        else:
            return [Unknown(f"each.value: for_each over {collection[0]}")]
        return self._follow(ref, [ref], Scope(scope.module), depth + 1)

    def _data(self, steps: list[str], scope: Scope) -> list[Value]:
        name, key = split_key(steps[2])
        address = join(scope.module, f"data.{steps[1]}.{name}{key or ''}")
        raw = self._data_values.get(address)
        values = decode_raw(raw) if raw is not None else None
        if not isinstance(values, dict):
            values = None
        attribute = steps[3] if len(steps) > 3 else "id"
        if values is None or not isinstance(values.get(attribute), str):
            return [Unknown(f"{address}.{attribute}: read only at apply time")]
        return [values[attribute]]

    def _resource(self, steps: list[str], siblings: list[str], scope: Scope) -> list[Value]:
        name, key = split_key(steps[1])
        resource = f"{steps[0]}.{name}"
        attribute = split_key(steps[2])[0] if len(steps) > 2 else "id"
        if key is not None:
            address = join(scope.module, resource + key)
            if self._not_planned(scope.module, resource, address):
                # Terraform planned without an error, so this reference was never evaluated: it
                # sits in a `try` that fell through or a branch not taken
                # (`try(aws_security_group.this[0].id, aws_security_group.this_name_prefix[0].id)`).
                return []
            return [Ref(address, attribute)]
        instances = self._instances.get((scope.module, resource))
        if not instances:
            return [Unknown(f"{join(scope.module, resource)}: not in the plan")]
        if len(instances) > 1 and scope.key is not None:
            # `aws_x.y[count.index]` and `aws_x.y[each.key]` lose their key in the plan's
            # references; pair the instance with the referring instance's own key.
            pairs_with_key = "count.index" in siblings or any(
                isinstance(sibling, str) and sibling.startswith("each.") for sibling in siblings)
            paired = join(scope.module, resource + format_key(scope.key))
            if pairs_with_key and paired in instances:
                return [Ref(paired, attribute)]
        return [Ref(instance, attribute) for instance in instances]


    def _not_planned(self, module: str, resource: str, address: str) -> bool:
        """A network resource of the configuration whose instance the plan does not hold."""
        if canonical_type(resource.split(".", 1)[0]) not in NETWORK_TYPES:
            return False  # the plan's instances are indexed for network resources only
        if (strip_keys(module), resource) not in self._resources:
            return False
        return address not in self._instances.get((module, resource), ())


def _select(values: list[Value], attributes: list[str]) -> list[Value]:
    """`var.network.sg_id`: walk into object values; what cannot be walked stays unknown."""
    selected: list[Value] = []
    for value in values:
        for attribute in attributes:
            name, key = split_key(attribute)
            if isinstance(value, dict) and name in value:
                value = value[name]
                if key is not None:
                    index = key_value(key)
                    if isinstance(value, dict) and index in value:
                        value = value[index]
                    elif isinstance(value, list) and isinstance(index, int) and 0 <= index < len(value):
                        value = value[index]
                    else:
                        value = Unknown(f"{attribute}: not found in the variable's value")
                        break
            elif isinstance(value, (Ref, Unknown)):
                break  # a reference through a module output: the resource itself is the answer
            else:
                value = Unknown(f"{attribute}: not found in the variable's value")
                break
        selected.extend(_flatten(value))
    return selected


def _is_index(ref: str) -> bool:
    return ref in ("count.index", "each.key")


def _flatten(value: Any) -> list[Value]:
    if isinstance(value, list):
        flat: list[Value] = []
        for item in value:
            flat.extend(_flatten(item))
        return flat
    if value is None:
        return []
    return [value]
