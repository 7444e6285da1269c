"""Small readers for attribute values that may be literals, lists, `Ref`s or `Unknown`s."""

from __future__ import annotations

import json
from typing import Any

from tflint_sg.config import EncodedJson, Ref, Unknown
from tflint_sg.model import Port, SymbolicPort


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def single(value: Any) -> Any:
    """The one value of a scalar attribute; a resolved list of several is ambiguous."""
    if isinstance(value, list):
        if len(value) == 1:
            return value[0]
        if not value:
            return None
        return Unknown(f"one of {len(value)} possible values")
    return value


def first_block(value: Any) -> dict:
    """The single nested block of a `MaxItems: 1` block list, or an empty dict."""
    blocks = as_list(value)
    if blocks and isinstance(blocks[0], dict):
        return blocks[0]
    return {}


def to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def to_port(value: Any) -> Port | None:
    """A port number, or the name of the one value an unknown port is (`var.app_port`)."""
    if isinstance(value, Unknown):
        return SymbolicPort(value.symbol) if value.symbol is not None else None
    return to_int(value)


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, list) and any(isinstance(v, Unknown) for v in value))


def unknown_reasons(value: Any) -> list[str]:
    return [v.reason for v in as_list(value) if isinstance(v, Unknown)]



def written(value: Any, limit: int = 120) -> str:
    """A value as a note shows it to a user: Terraform's way of writing it, with references
    by address and values known only after apply in parentheses; cut at `limit` characters."""
    text = _written(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _written(value: Any) -> str:
    if isinstance(value, Ref):
        return f"{value.address}.{value.attribute}"
    if isinstance(value, Unknown):
        return f"(known after apply: {value.reason})"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_written(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_written(item)}" for key, item in value.items()) + "}"
    return str(value)


def task_containers(definitions: Any) -> list[dict] | None:
    """A task definition's `container_definitions` as containers; None when not readable.
    Encoded with parts unknown until apply (an image tag from a new repository), the parts
    that are known still read."""
    if isinstance(definitions, EncodedJson):
        containers = definitions.value
    elif isinstance(definitions, str):
        try:
            containers = json.loads(definitions)
        except ValueError:
            return None
    else:
        return None
    return [container for container in containers if isinstance(container, dict)] \
        if isinstance(containers, list) else None
