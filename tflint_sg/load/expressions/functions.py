"""The Terraform functions that carry network facts, evaluated without running anything.

Any function not listed gives `Unknown`. Arguments are evaluated lazily only where Terraform's
semantics need it (`try`, `can`).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from tflint_sg.config import EncodedJson, Ref, Unknown
from tflint_sg.load.expressions import library_collections, library_files, library_numbers, library_strings
from tflint_sg.load.expressions.values import Lazy, Missing, Scope, as_number, to_string
from tflint_sg.load.hcl.syntax import Expr


def call(name: str, args: tuple[Expr, ...], scope: Scope, evaluate: Callable[[Expr, Scope], Any],
         expand: bool = False) -> Any:
    """The value of `name(args...)`; `evaluate` is the evaluator's own entry, handed in so that
    the functions need not import it back. With `expand` the last argument is a list whose
    elements are the final arguments (`max(var.ports...)`)."""
    if name == "try":
        # Terraform returns the first argument that evaluates without an error; an argument
        # unknown until apply makes the result unknown too.
        for arg in args:
            value = evaluate(arg, scope)
            if not _has_error(value):
                return value
        return Missing("try: every argument fails")
    if name == "can":
        value = evaluate(args[0], scope) if args else Missing("can()")
        if _has_error(value):
            return False
        return Unknown("can: unknown until apply") if isinstance(value, Unknown) else True
    reads_files = name in library_files.FUNCTIONS
    function = library_files.FUNCTIONS[name] if reads_files else _FUNCTIONS.get(name)
    if function is None:
        return Unknown(f"function {name}() is not evaluated")
    values = [_materialize(evaluate(arg, scope)) for arg in args]
    for value in values:
        if isinstance(value, Missing):
            return value  # an argument that fails makes the call fail
    if expand and values:
        spread = values.pop()
        if isinstance(spread, (Unknown, Ref)):
            return Unknown(f"{name}() of arguments unknown until apply")
        if not isinstance(spread, list):
            return Missing(f"{name}(): the expanded argument must be a list, set or tuple")
        values.extend(spread)
    try:
        return function(scope, evaluate, *values) if reads_files else function(*values)
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, AttributeError):
        return Unknown(f"{name}() on values it cannot take")


def _has_error(value: Any) -> bool:
    """Whether evaluating gave a definite error: Terraform's value would fail as a whole if any
    part of it fails."""
    if isinstance(value, Missing):
        return True
    if isinstance(value, list):
        return any(_has_error(item) for item in value)
    if isinstance(value, dict):
        return any(_has_error(item) for item in value.values())
    return False


def _materialize(value: Any) -> Any:
    return value.elements() if isinstance(value, Lazy) else value


def _unknown_in(*values: Any) -> bool:
    return any(isinstance(v, (Unknown, Ref)) for v in values)


def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, (Unknown, Ref)):
            return Unknown("coalesce over a value unknown until apply") if not isinstance(value, Ref) else value
        if value is not None and value != "":
            return value
    return Unknown("coalesce: no non-empty argument")


def _tostring(value: Any) -> Any:
    if isinstance(value, Ref) or value is None or _named(value):
        return value
    text = to_string(value)
    return text if text is not None else Unknown("tostring of a value unknown until apply")


def _tonumber(value: Any) -> Any:
    if _named(value):
        return value
    number = as_number(value)
    return number if number is not None else Unknown("tonumber of a value unknown until apply")


def _named(value: Any) -> bool:
    """An unknown with a symbol keeps it through tostring and tonumber: a number attribute reads
    8080, "8080" and "8080.0" alike, so the conversions leave the port it names as it was."""
    return isinstance(value, Unknown) and value.symbol is not None


def _join(separator: Any, *lists: Any) -> Any:
    if _unknown_in(separator, *lists):
        return Unknown("join of a value unknown until apply")
    items = [to_string(item) for value in lists for item in (value if isinstance(value, list) else [value])]
    if any(item is None for item in items):
        return Unknown("join of a value unknown until apply")
    return separator.join(items)


def _jsonencode(value: Any) -> Any:
    """JSON as Terraform writes it (object keys sorted, no spaces); unknown if any part is."""
    def known(item: Any) -> bool:
        if isinstance(item, (Unknown, Ref, Lazy)):
            return False
        if isinstance(item, list):
            return all(known(v) for v in item)
        if isinstance(item, dict):
            return all(known(v) for v in item.values())
        return True

    if not known(value):
        return EncodedJson("jsonencode of a value unknown until apply", value=value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": _jsonencode,
    "coalesce": _coalesce,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "join": _join,
    "lower": lambda v: v.lower() if isinstance(v, str) else Unknown("lower of a value unknown until apply"),
    "upper": lambda v: v.upper() if isinstance(v, str) else Unknown("upper of a value unknown until apply"),
    **library_strings.FUNCTIONS,
    **library_collections.FUNCTIONS,
    **library_numbers.FUNCTIONS,
}
