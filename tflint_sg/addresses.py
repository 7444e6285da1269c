"""Terraform addresses and references: split, join and strip instance keys.

`module.sg["api"].aws_security_group.this[0]` splits into steps `module`, `sg["api"]`,
`aws_security_group`, `this[0]`; keys are kept as Terraform prints them so that joining a
path back gives the exact address.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass


def split_steps(text: str) -> list[str]:
    """Split on the dots that separate traversal steps, keeping `[...]` with its step."""
    if '"' not in text:
        return text.split(".")  # no string keys: no dot can hide inside brackets
    steps: list[str] = []
    current: list[str] = []
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "." and depth == 0:
            steps.append("".join(current))
            current = []
            continue
        current.append(char)
    steps.append("".join(current))
    return steps


def split_key(step: str) -> tuple[str, str | None]:
    """`this[0]` -> ("this", "[0]"); `sg["api"]` -> ("sg", '["api"]'); `x` -> ("x", None)."""
    bracket = step.find("[")
    if bracket < 0:
        return step, None
    return step[:bracket], step[bracket:]


def key_value(key: str | None) -> int | str | None:
    """The Python value of a printed key: `[0]` -> 0, `["api"]` -> "api"."""
    if key is None:
        return None
    inner = key[1:-1]
    try:
        return json.loads(inner)
    except ValueError:
        return inner


def format_key(value: int | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f"[{json.dumps(value)}]"
    if isinstance(value, int):
        return f"[{value}]"
    return f"[{json.dumps(value)}]"


@dataclass(frozen=True)
class ResourceAddress:
    module: str  # module instance path, "" for the root: module.a["k"].module.b
    resource: str  # resource address inside that module, without key: aws_x.y or data.aws_x.y
    key: str | None  # printed key: [0], ["k"], or None


def join(module: str, rest: str) -> str:
    return f"{module}.{rest}" if module else rest


@functools.lru_cache(maxsize=None)  # the loader and the model ask for each address several times
def parse_resource_address(address: str) -> ResourceAddress:
    steps = split_steps(address)
    module_steps: list[str] = []
    index = 0
    while index + 1 < len(steps) and steps[index] == "module":
        module_steps.extend(steps[index : index + 2])
        index += 2
    rest = steps[index:]
    name, key = split_key(rest[-1]) if rest else ("", None)
    resource = ".".join(rest[:-1] + [name])
    return ResourceAddress(".".join(module_steps), resource, key)


@functools.lru_cache(maxsize=None)  # module paths repeat across every resource they hold
def strip_keys(path: str) -> str:
    if not path:
        return ""
    return ".".join(split_key(step)[0] for step in split_steps(path))


def parent_module(module: str) -> tuple[str, str, str | None]:
    """`module.a["k"].module.b[0]` -> ("module.a[\"k\"]", "b", "[0]")."""
    steps = split_steps(module)
    name, key = split_key(steps[-1])
    return ".".join(steps[:-2]), name, key


def name_together(addresses: list[str], shown: int = 4) -> str:
    """Several addresses in a sentence: `aws_instance.web[0], [1] and [2]` (after the first, an
    instance of the same resource by its key alone), `a, b and 3 more` past `shown`."""
    names: list[str] = []
    previous = None
    for address in addresses:
        parsed = parse_resource_address(address)
        resource = join(parsed.module, parsed.resource)
        short = parsed.key is not None and resource == previous and f"{resource}{parsed.key}" == address
        names.append(parsed.key if short else address)
        previous = resource if parsed.key is not None and f"{resource}{parsed.key}" == address else None
    if len(names) > shown:
        return ", ".join(names[:shown]) + f" and {len(names) - shown} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
