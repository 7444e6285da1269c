"""Read `terraform show -json PLANFILE` output into a `Config`.

Only resources whose type shapes the network are decoded; values Terraform cannot know until
apply are filled in by following the plan's configuration references (`refs.py`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from tflint_sg.addresses import key_value, parse_resource_address
from tflint_sg.config import NETWORK_TYPES, Config, Ref, Resolved, Resource, Unknown, canonical_type
from tflint_sg.load.plan.decode import KNOWN_FORMAT_VERSIONS, read_plan
from tflint_sg.load.plan.format import Plan
from tflint_sg.load.plan.instances import PlannedInstances, walk_state
from tflint_sg.load.plan.refs import ReferenceResolver, Scope, decode_raw


_MAX_MARKER_DEPTH = 200  # deeper after_unknown nesting is hostile input: counted as unknown


def _contains_unknown(marker: Any, depth: int = 0) -> bool:
    if marker is True:
        return True
    if depth > _MAX_MARKER_DEPTH:
        return True
    if isinstance(marker, dict):
        return any(_contains_unknown(v, depth + 1) for v in marker.values() if v is not False)
    if isinstance(marker, list):
        return any(_contains_unknown(v, depth + 1) for v in marker if v is not False)
    return False


def _count_unknown(marker: Any, depth: int = 0) -> int:
    if marker is True or depth > _MAX_MARKER_DEPTH:
        return 1
    if isinstance(marker, dict):
        return sum(_count_unknown(v, depth + 1) for v in marker.values())
    if isinstance(marker, list):
        return sum(_count_unknown(v, depth + 1) for v in marker)
    return 0


def _is_expression(node: Any) -> bool:
    return isinstance(node, dict) and ("references" in node or "constant_value" in node)


class _Filler:
    """Puts resolved values where a plan's `after_unknown` marks a value unknown."""

    def __init__(self, resolver: ReferenceResolver, scope: Scope):
        self.resolver = resolver
        self.scope = scope

    def attribute(self, after: Any, marker: Any, expression: Any, shared: tuple | None = None, depth: int = 0) -> Any:
        """`shared` is set below a single expression that yields a whole structure (inline
        `ingress` blocks come as one reference list): its values can fill one unknown leaf
        exactly, but not several, since the plan does not say which reference went where."""
        if depth > _MAX_MARKER_DEPTH:
            return Unknown("nested too deeply")
        if marker is True:
            if shared is not None:
                expression, leaves = shared
                if leaves > 1:
                    return Unknown("several unknown values come from one expression")
            if _is_expression(expression):
                return Resolved(self.resolver.evaluate(expression, self.scope))
            return Unknown("value not in the plan's configuration (dynamic block?)")
        if shared is None and _is_expression(expression):
            shared = (expression, _count_unknown(marker))
        if isinstance(marker, dict):
            filled = dict(after) if isinstance(after, dict) else {}
            for name, inner in marker.items():
                if _contains_unknown(inner):
                    filled[name] = self.attribute(filled.get(name), inner, _field(expression, name), shared, depth + 1)
            return filled
        if isinstance(marker, list):
            items = list(after) if isinstance(after, list) else []
            extra: list[Any] = []
            for index, inner in enumerate(marker):
                if not _contains_unknown(inner):
                    continue
                current = items[index] if index < len(items) else None
                sub = None if shared is not None else _block(expression, current, len(marker))
                filled = self.attribute(current, inner, sub, shared, depth + 1)
                if inner is True:
                    extra.extend(filled if isinstance(filled, list) else [filled])
                    if index < len(items):
                        items[index] = None
                elif index < len(items):
                    items[index] = filled
                else:
                    items.append(filled)
            return [item for item in items if item is not None] + extra
        return after


def _field(expression: Any, name: str) -> Any:
    if _is_expression(expression):
        return None
    return expression.get(name) if isinstance(expression, dict) else None


def _block(expression: Any, element: Any, element_count: int) -> Any:
    """The configuration block that produced one element of a nested block list."""
    if not isinstance(expression, list) or not expression:
        return None
    if len(expression) == 1:
        return expression[0]
    if len(expression) == element_count and not isinstance(element, dict):
        return None
    if isinstance(element, dict):
        matching = [
            block
            for block in expression
            if isinstance(block, dict)
            and all(
                element.get(name) == sub["constant_value"]
                for name, sub in block.items()
                if isinstance(sub, dict) and "constant_value" in sub and name in element
            )
        ]
        if len(matching) == 1:
            return matching[0]
    return None


def load_plan(path: str) -> Config:
    return _config(path, read_plan(path))[0]


def load_plan_with_instances(path: str) -> tuple[Config, PlannedInstances]:
    """The plan's `Config`, and what a reading of its source takes as inputs: the instances
    and data source values the plan holds, and the ids it knows."""
    plan = read_plan(path)
    config, known_ids = _config(path, plan)
    planned = PlannedInstances(plan)
    planned.known_ids = known_ids
    return config, planned


def _config(path: str, plan: Plan) -> tuple[Config, dict[str, Ref]]:
    config = Config(source=path)
    if plan.format_version and plan.format_version not in KNOWN_FORMAT_VERSIONS:
        config.warnings.append(
            f"{path}: plan format_version {plan.format_version} is not one this tool knows; read as best it can"
        )
    future = _future_resources(plan)
    resolver = ReferenceResolver(
        plan.configuration.root_module if plan.configuration else None,
        future.instances(),
        future.data_values,
        {name: variable.value for name, variable in (plan.variables or {}).items() if variable is not None},
    )
    if not resolver.has_configuration:
        config.notes.append(f"{path}: the plan has no configuration section; unknown IDs stay unresolved")

    decoded: dict[str, dict] = {}
    for address in future.types:
        values = decode_raw(future.after.get(address))
        decoded[address] = values if isinstance(values, dict) else {}
    known_ids = _known_ids(plan, future, decoded)

    for address, resource_type in sorted(future.types.items()):
        parsed = parse_resource_address(address)
        config_resource = resolver.config_resource(parsed.module, parsed.resource)
        values = _resolve_unknowns(
            decoded[address], decode_raw(future.unknown.get(address)), config_resource, resolver,
            Scope(parsed.module, key_value(parsed.key), config_resource.for_each_expression if config_resource else None))
        if known_ids:
            values = _link_known_ids(values, known_ids)
        declared = frozenset(resolver.expressions_of(config_resource)) if config_resource is not None else None
        config.resources[address] = Resource(address, resource_type, values, parsed.module, declared)
    config.variables = {name: variable.value for name, variable in (plan.variables or {}).items() if variable is not None}
    if plan.configuration is not None and plan.configuration.root_module is not None:
        config.group_uses, config.opaque_modules, config.strings_used = _group_uses(plan.configuration.root_module)
    return config, known_ids


_GROUP_PREFIXES = ("aws_security_group.", "aws_default_security_group.")
_RULE_TYPES = ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


def _group_uses(root) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    """Which groups something other than a rule mentions, from the configuration's references
    (and the literal strings it holds, since a group can be attached by name)."""
    uses: set[tuple[str, str]] = set()
    opaque: set[str] = set()
    strings: set[str] = set()

    def note(path: str, references) -> None:
        for ref in references:
            if not isinstance(ref, str):
                continue
            if ref.startswith("local."):
                opaque.add(path)  # locals are not in a plan: they may carry any group
            elif ref.startswith(_GROUP_PREFIXES):
                steps = ref.split(".")
                uses.add((path, f"{steps[0]}.{steps[1].split('[')[0]}"))

    stack = [("", root, 0)]
    while stack:
        path, module, depth = stack.pop()
        if module is None or depth > 64:
            continue
        for resource in module.resources or []:
            if resource is None:
                continue
            kind = (resource.address or "").split(".")[0]
            if kind in _RULE_TYPES or kind in ("aws_security_group", "aws_default_security_group"):
                continue
            expressions = decode_raw(resource.expressions)
            note(path, _references(expressions))
            strings.update(_constant_strings(expressions))
            for expression in (resource.count_expression, resource.for_each_expression):
                if expression is not None:
                    note(path, expression.references or [])
        for output in (module.outputs or {}).values():
            if output is not None:
                note(path, _references(decode_raw(output.expression)))
        for name, call in (module.module_calls or {}).items():
            if call is None:
                continue
            call_expressions = decode_raw(call.expressions)
            note(path, _references(call_expressions))
            strings.update(_constant_strings(call_expressions))
            stack.append((f"{path}.module.{name}" if path else f"module.{name}", call.module, depth + 1))
    return uses, opaque, strings


def _constant_strings(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            found.add(current)
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def _references(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            references = current.get("references")
            if isinstance(references, list):
                found.extend(r for r in references if isinstance(r, str))
            stack.extend(v for k, v in current.items() if k != "references")
        elif isinstance(current, list):
            stack.extend(current)
    return found


class _FutureResources:
    """The network resources the plan leaves in place: types, raw values, unknown markers."""

    def __init__(self) -> None:
        self.types: dict[str, str] = {}
        self.after: dict[str, msgspec.Raw] = {}
        self.unknown: dict[str, msgspec.Raw] = {}
        self.gone: set[str] = set()
        self.data_values: dict[str, msgspec.Raw] = {}

    def instances(self) -> dict[tuple[str, str], list[str]]:
        """(module instance, resource address in it) -> the instance addresses, for references."""
        instances: dict[tuple[str, str], list[str]] = {}
        for address in self.types:
            parsed = parse_resource_address(address)
            instances.setdefault((parsed.module, parsed.resource), []).append(address)
        return instances


def _future_resources(plan: Plan) -> _FutureResources:
    future = _FutureResources()
    for address, resource in walk_state(plan.planned_values.root_module if plan.planned_values else None):
        if resource.mode == "data":
            future.data_values[address] = resource.values
        elif address and canonical_type(resource.type) in NETWORK_TYPES:
            future.types[address] = canonical_type(resource.type)
            future.after[address] = resource.values
    prior = plan.prior_state.values.root_module if plan.prior_state and plan.prior_state.values else None
    for address, resource in walk_state(prior):
        if resource.mode == "data":  # read while planning, so complete; planned_values may hold it in part
            future.data_values[address] = resource.values
    for change in plan.resource_changes or []:
        if change is None:
            continue
        resource_type = canonical_type(change.type)
        if change.mode == "data" or not change.address or change.change is None or resource_type not in NETWORK_TYPES:
            continue
        if (change.change.actions or []) in (["delete"], ["forget"]):
            # Gone from the future network (delete), or no longer managed here (forget): its
            # id then names something outside the configuration, which stays unresolved.
            future.gone.add(change.address)
            future.types.pop(change.address, None)
            continue
        future.types[change.address] = resource_type
        if bytes(change.change.after) != b"null":
            future.after[change.address] = change.change.after
        future.unknown[change.address] = change.change.after_unknown
    return future


def _known_ids(plan: Plan, future: _FutureResources, decoded: dict[str, dict]) -> dict[str, Ref]:
    """Ids and ARNs already known (existing resources, or set in the plan) -> the resource."""
    known_ids: dict[str, Ref] = {}
    prior_root = plan.prior_state.values.root_module if plan.prior_state and plan.prior_state.values else None
    for address, resource in walk_state(prior_root):
        if resource.mode != "data" and address not in future.gone and canonical_type(resource.type) in NETWORK_TYPES:
            _index_ids(known_ids, address, decode_raw(resource.values))
    for address, values in decoded.items():
        _index_ids(known_ids, address, values)
    return known_ids


def _resolve_unknowns(values: dict, marker: Any, config_resource, resolver: ReferenceResolver,
                      scope: Scope) -> dict:
    """Fill the values `after_unknown` marks unknown by following the configuration's references."""
    if not isinstance(marker, dict) or not marker:
        return values
    if config_resource is None:
        return _mark_unknown(values, marker)
    expressions = resolver.expressions_of(config_resource)
    filler = _Filler(resolver, scope)
    for name, inner in marker.items():
        if not _contains_unknown(inner):
            continue
        if inner is True and name not in expressions:
            # Not set in the configuration: the provider computes it (an id, an ARN, an optional
            # attribute left empty), so it names nothing we model.
            values[name] = None
        else:
            values[name] = filler.attribute(values.get(name), inner, expressions.get(name))
    return values


def _index_ids(known_ids: dict[str, Ref], address: str, values: Any) -> None:
    if not isinstance(values, dict):
        return
    for attribute in ("id", "arn"):
        value = values.get(attribute)
        if isinstance(value, str) and value:
            known_ids.setdefault(value, Ref(address, attribute))


def _mark_unknown(values: dict, marker: Any) -> dict:
    filled = dict(values)
    for name, inner in marker.items() if isinstance(marker, dict) else ():
        if _contains_unknown(inner):
            filled[name] = Unknown(f"{name}: unknown until apply, and not in the plan's configuration")
    return filled


_NOT_REFERENCES = frozenset({"id", "arn", "tags", "tags_all", "user_data", "description", "name"})


def link_known_ids(values: dict, known_ids: dict[str, Ref]) -> dict:
    """A resource's values with the ids and ARNs the plan knows (existing resources) as Refs
    to the resources they name."""
    return _link_known_ids(values, known_ids) if known_ids else values


def _link_known_ids(value: Any, known_ids: dict[str, Ref], depth: int = 0) -> Any:
    """Known ids and ARNs in a resource's values become Refs to the resources they name."""
    if isinstance(value, str):
        return known_ids.get(value, value)
    if depth > _MAX_MARKER_DEPTH:
        return value
    if isinstance(value, list):
        linked = [_link_known_ids(item, known_ids, depth + 1) for item in value]
        # Still a rebuild from references, which the source may correct.
        return Resolved(linked) if isinstance(value, Resolved) else linked
    if isinstance(value, dict):
        return {
            key: item if depth == 0 and key in _NOT_REFERENCES else _link_known_ids(item, known_ids, depth + 1)
            for key, item in value.items()
        }
    return value
