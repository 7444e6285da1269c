"""Read `terraform show -json PLANFILE` output into a `Config`.

Only resources whose type shapes the network are decoded; values Terraform cannot know until
apply are filled in by following the plan's configuration references (`plan_refs`).
"""

from __future__ import annotations

import codecs
import re
from typing import Any, Iterator

import msgspec

from tflint_sg.addresses import key_value, parse_resource_address
from tflint_sg.config import NETWORK_TYPES, Config, Ref, Resource, Unknown, canonical_type
from tflint_sg.errors import InputError
from tflint_sg.load.plan_format import Plan, StateModule, StateResource
from tflint_sg.load.plan_refs import ReferenceResolver, Scope, decode_raw

KNOWN_FORMAT_VERSIONS = ("0.1", "0.2", "1.0", "1.1", "1.2")

_DECODER = msgspec.json.Decoder(Plan)
_BYTE_OFFSET = re.compile(r"\(byte (\d+)\)")


def read_text_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as error:
        raise InputError(path, f"cannot be read: {error.strerror or error}") from None


def to_utf8(data: bytes, path: str) -> bytes:
    """Plans saved by PowerShell redirection are UTF-16; msgspec wants UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    encoding = None
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        encoding = "utf-16-be"
    if encoding is None:
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeError as error:
        raise InputError(path, f"invalid {encoding.upper()} text: {error.reason}") from None


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def decode_plan(data: bytes, path: str) -> Plan:
    if not data.strip():
        raise InputError(path, "empty file, expected the output of `terraform show -json PLANFILE`")
    try:
        plan = _DECODER.decode(data)
    except msgspec.ValidationError as error:
        message = str(error)
        if "$." not in message and "got" in message:
            raise InputError(path, f"not a Terraform plan: the top level must be a JSON object ({message})") from None
        raise InputError(path, f"not a valid Terraform plan: {message}") from None
    except msgspec.DecodeError as error:
        message = str(error)
        match = _BYTE_OFFSET.search(message)
        if "truncated" in message:
            line, column = _line_and_column(data, len(data))
            raise InputError(path, "not valid JSON: the file ends in the middle of a value (truncated?)", line, column) from None
        if match:
            line, column = _line_and_column(data, int(match.group(1)))
            reason = _BYTE_OFFSET.sub("", message).replace("JSON is malformed:", "").strip()
            raise InputError(path, f"not valid JSON: {reason}", line, column) from None
        raise InputError(path, f"not valid JSON: {message}") from None
    except (RecursionError, MemoryError):
        raise InputError(path, "JSON nested too deeply or too large to read") from None
    if plan.lineage is not None:
        raise InputError(path, "this is a Terraform state file, not a plan: run `terraform show -json PLANFILE`")
    if plan.planned_values is None and plan.resource_changes is None:
        if bytes(plan.values) != b"null":
            raise InputError(path, "this is Terraform state (`terraform show -json` without a plan file), not a plan")
        raise InputError(
            path, "not a Terraform plan: no planned_values or resource_changes (expected `terraform show -json PLANFILE`)"
        )
    return plan


def _walk(module: StateModule | None, depth: int = 0) -> Iterator[tuple[str, StateResource]]:
    """Every resource with its full address (Terraform 0.12's prior_state drops the module prefix)."""
    if module is None or depth > 64:
        return
    prefix = module.address or ""
    for resource in module.resources or []:
        address = resource.address
        if prefix and address and not address.startswith(prefix + "."):
            address = f"{prefix}.{address}"
        yield address, resource
    for child in module.child_modules or []:
        yield from _walk(child, depth + 1)


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
                return self.resolver.evaluate(expression, self.scope)
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
    data = to_utf8(read_text_bytes(path), path)
    plan = decode_plan(data, path)
    config = Config(source=path)
    if plan.format_version and plan.format_version not in KNOWN_FORMAT_VERSIONS:
        config.notes.append(
            f"{path}: plan format_version {plan.format_version} is newer than this tool knows; read as best it can"
        )

    after_by_address: dict[str, msgspec.Raw | None] = {}
    unknown_by_address: dict[str, msgspec.Raw | None] = {}
    types: dict[str, str] = {}
    deleted: set[str] = set()
    data_values: dict[str, msgspec.Raw] = {}
    for address, state_resource in _walk(plan.planned_values.root_module if plan.planned_values else None):
        if state_resource.mode == "data":
            data_values[address] = state_resource.values
            continue
        resource_type = canonical_type(state_resource.type)
        if resource_type in NETWORK_TYPES and address:
            types[address] = resource_type
            after_by_address[address] = state_resource.values
    for change in plan.resource_changes or []:
        if change.mode == "data" or not change.address or change.change is None:
            continue
        resource_type = canonical_type(change.type)
        if resource_type not in NETWORK_TYPES:
            continue
        actions = change.change.actions or []
        if actions in (["delete"], ["forget"]):
            # Gone from the future network (delete), or no longer managed here (forget): its
            # id then names something outside the configuration, which stays unresolved.
            deleted.add(change.address)
            continue
        types[change.address] = resource_type
        if change.change.after is not None:
            after_by_address[change.address] = change.change.after
        unknown_by_address[change.address] = change.change.after_unknown

    # Existing resources have known IDs; a known ID used elsewhere resolves through this map.
    known_ids: dict[str, Ref] = {}
    prior_root = plan.prior_state.values.root_module if plan.prior_state and plan.prior_state.values else None
    for address, state_resource in _walk(prior_root):
        if state_resource.mode == "data" or address in deleted:
            continue
        if canonical_type(state_resource.type) in NETWORK_TYPES:
            _index_ids(known_ids, address, decode_raw(state_resource.values))

    instances: dict[tuple[str, str], list[str]] = {}
    for address in types:
        parsed = parse_resource_address(address)
        instances.setdefault((parsed.module, parsed.resource), []).append(address)
    root_variables = {name: variable.value for name, variable in (plan.variables or {}).items()}
    resolver = ReferenceResolver(
        plan.configuration.root_module if plan.configuration else None, instances, data_values, root_variables
    )
    if not resolver.has_configuration:
        config.notes.append(f"{path}: the plan has no configuration section; unknown IDs stay unresolved")

    decoded: dict[str, dict] = {}
    for address, resource_type in types.items():
        values = decode_raw(after_by_address.get(address))
        values = values if isinstance(values, dict) else {}
        decoded[address] = values
        _index_ids(known_ids, address, values)

    for address, resource_type in sorted(types.items()):
        values = decoded[address]
        parsed = parse_resource_address(address)
        marker = decode_raw(unknown_by_address.get(address))
        config_resource = resolver.config_resource(parsed.module, parsed.resource)
        declared = frozenset(resolver.expressions_of(config_resource)) if config_resource is not None else None
        if _contains_unknown(marker):
            if config_resource is None:
                values = _mark_unknown(values, marker)
            else:
                expressions = resolver.expressions_of(config_resource)
                scope = Scope(parsed.module, key_value(parsed.key), config_resource.for_each_expression)
                filler = _Filler(resolver, scope)
                for name, inner in marker.items() if isinstance(marker, dict) else ():
                    if not _contains_unknown(inner):
                        continue
                    if inner is True and name not in expressions:
                        # Not set in the configuration: the provider computes it (an id, an ARN,
                        # an optional attribute left empty), so it names nothing we model.
                        values[name] = None
                        continue
                    values[name] = filler.attribute(values.get(name), inner, expressions.get(name))
        if known_ids:
            values = _link_known_ids(values, known_ids)
        config.resources[address] = Resource(address, resource_type, values, parsed.module, declared)
    return config


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


def _link_known_ids(value: Any, known_ids: dict[str, Ref], depth: int = 0) -> Any:
    """Known ids and ARNs in a resource's values become Refs to the resources they name."""
    if isinstance(value, str):
        return known_ids.get(value, value)
    if depth > _MAX_MARKER_DEPTH:
        return value
    if isinstance(value, list):
        return [_link_known_ids(item, known_ids, depth + 1) for item in value]
    if isinstance(value, dict):
        return {
            key: item if depth == 0 and key in _NOT_REFERENCES else _link_known_ids(item, known_ids, depth + 1)
            for key, item in value.items()
        }
    return value
