"""Variable type constraints: the conversions that change what a module sees.

`object({ port = optional(number, 80) })` fills in attributes the caller left out, and
`number` turns "80" into 80. Without this, every module that takes an object with optional
attributes (most of the public ones) would see unknowns where Terraform sees defaults.
"""

from __future__ import annotations

from typing import Any

from tflint_sg.config import Ref, Unknown
from tflint_sg.load.expressions.evaluate import evaluate
from tflint_sg.load.expressions.values import Scope, TfSet, as_number, to_string
from tflint_sg.load.hcl.syntax import Call, Expr, Name, ObjectExpr

_LITERAL_SCOPE = Scope(lambda name: Unknown(f"{name} in a type constraint"))


def convert(value: Any, type_expr: Expr) -> Any:
    if isinstance(value, (Unknown, Ref)) or value is None:
        return value
    if isinstance(type_expr, Name):
        return _primitive(value, type_expr.name)
    if not isinstance(type_expr, Call) or not type_expr.args:
        return value
    kind, argument = type_expr.name, type_expr.args[0]
    if kind == "list" and isinstance(value, list):
        return [convert(item, argument) for item in value]
    if kind == "set" and isinstance(value, list):
        return TfSet(convert(item, argument) for item in value)
    if kind == "map" and isinstance(value, dict):
        return {key: convert(item, argument) for key, item in value.items()}
    if kind == "tuple" and isinstance(value, list) and isinstance(getattr(argument, "items", None), tuple):
        return [convert(item, element) for item, element in zip(value, argument.items)]
    if kind == "object" and isinstance(value, dict) and isinstance(argument, ObjectExpr):
        return _object(value, argument)
    return value


def _object(value: dict, shape: ObjectExpr) -> dict:
    converted: dict = {}
    for key_expr, attribute_type in shape.items:
        key = evaluate(key_expr, _LITERAL_SCOPE)
        if not isinstance(key, str):
            continue
        optional = isinstance(attribute_type, Call) and attribute_type.name == "optional" and attribute_type.args
        inner = attribute_type.args[0] if optional else attribute_type
        given = value.get(key)
        if given is None and optional:
            default = evaluate(attribute_type.args[1], _LITERAL_SCOPE) if len(attribute_type.args) > 1 else None
            converted[key] = convert(default, inner)
        elif key in value:
            converted[key] = convert(given, inner)
        # A required attribute the caller left out is an error for Terraform; leave it absent.
    return converted


def _primitive(value: Any, name: str) -> Any:
    if name == "number" and isinstance(value, str):
        number = as_number(value)
        return number if number is not None else value
    if name == "string" and isinstance(value, (int, float, bool)):
        return to_string(value)
    if name == "bool" and value in ("true", "false"):
        return value == "true"
    return value
