"""HCL expressions: the syntax tree's expressions (hcl/syntax.py) -> values.

The AST is built once per attribute; evaluation asks a `Scope` for the roots of references
(`var`, `local`, `module`, resource types, `count`, `each`, for-expression variables) and never
runs anything from the input. A value is a plain Python value, a `Ref` (an attribute known only
after apply, such as a new security group's id) or an `Unknown`; whatever this evaluator does
not understand becomes `Unknown`, which never makes a finding on its own.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tflint_sg.addresses import parse_resource_address
from tflint_sg.config import BuiltString, Ref, Unknown
from tflint_sg.load.expressions.functions import call
from tflint_sg.load.expressions.values import Lazy, Missing, Scope, TfSet, as_number, is_unknown, to_string
from tflint_sg.load.hcl.syntax import (Binary, Call, Conditional, Expr, For, GetAttr, Index, Literal, Name,
                                       NotUnderstood, ObjectExpr, Splat, Template, TupleExpr, Unary)


def evaluate(expr: Expr, scope: Scope) -> Any:
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Name):
        return scope.lookup(expr.name)
    if isinstance(expr, GetAttr):
        return get_attr(evaluate(expr.target, scope), expr.name)
    if isinstance(expr, Index):
        return index(evaluate(expr.target, scope), evaluate(expr.key, scope))
    if isinstance(expr, Splat):
        return _splat(evaluate(expr.target, scope), expr.steps, scope)
    if isinstance(expr, TupleExpr):
        return [evaluate(item, scope) for item in expr.items]
    if isinstance(expr, ObjectExpr):
        result: dict = {}
        for key_expr, value_expr in expr.items:
            key = evaluate(key_expr, scope)
            if not isinstance(key, (str, int, float, bool)):
                return Unknown("an object key unknown until apply")
            result[key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)] = (
                evaluate(value_expr, scope))
        return result
    if isinstance(expr, Template):
        pieces = []
        refs: list[Ref] = []
        unknown = False
        for part in expr.parts:
            value = part if isinstance(part, str) else evaluate(part, scope)
            text = to_string(value)
            if text is None:
                if len(expr.parts) == 1 and (isinstance(value, Ref) or
                                             isinstance(value, Unknown) and value.symbol is not None):
                    return value  # "${var.port}" is var.port itself in HCL, unknown or not
                unknown = True
                refs += [value] if isinstance(value, Ref) else list(getattr(value, "refs", ()))
                continue
            pieces.append(text)
        if unknown:
            return BuiltString("a string built from a value unknown until apply", refs=tuple(refs))
        return "".join(pieces)
    if isinstance(expr, Conditional):
        condition = evaluate(expr.condition, scope)
        if condition is True:
            return evaluate(expr.if_true, scope)
        if condition is False:
            return evaluate(expr.if_false, scope)
        return Unknown("a condition unknown until apply")
    if isinstance(expr, Unary):
        return _unary(expr.operator, evaluate(expr.operand, scope))
    if isinstance(expr, Binary):
        return _binary_value(expr.operator, evaluate(expr.left, scope), evaluate(expr.right, scope))
    if isinstance(expr, For):
        return _for_value(expr, scope)
    if isinstance(expr, Call):
        return call(expr.name, expr.args, scope, evaluate, expr.expand)
    if isinstance(expr, NotUnderstood):
        return Unknown(f"expression not evaluated ({expr.what})")
    return Unknown("expression not evaluated")


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, Lazy):
        return value.attr(name)
    if isinstance(value, dict):
        return value[name] if name in value else Missing(f"no attribute {name}")
    if isinstance(value, Unknown):
        return value.part(f".{name}")
    if isinstance(value, Ref):
        if value.attribute in ("id", "arn", "name") or value.attribute.endswith(("_id", "_arn", "_name")):
            # An id or a name is a string: it has no attributes.
            return Unknown(f"{value.address}.{value.attribute}.{name}: known only after apply")
        # Part of an attribute known after apply is still that resource's, as a plan's references
        # say: `aws_eks_node_group.x.resources[0].autoscaling_groups[0].name` names its group. The
        # path stays in the attribute, so no reader takes it for the attribute it starts with.
        return Ref(value.address, f"{value.attribute}.{name}")
    if value is None:
        # Terraform: "Attempt to get attribute from null value", an error `try` falls back on
        # (`try(var.deployment_controller.type, null)` with the variable left null).
        return Missing(f"no attribute {name} of null")
    return Unknown(f"no attribute {name}")


def index(value: Any, key: Any) -> Any:
    if isinstance(key, (Unknown, Ref)):
        return Unknown("an index unknown until apply")
    if isinstance(value, Lazy):
        return value.index(key)
    if isinstance(value, dict):
        key = key if isinstance(key, str) else str(key)
        return value[key] if key in value else Missing(f"no key {key!r}")
    if isinstance(value, list):
        number = as_number(key)
        if isinstance(number, int) and 0 <= number < len(value):
            return value[number]
        return Missing(f"no element {key!r}")
    if isinstance(value, Unknown):
        return _element_of(value, key)
    if isinstance(value, Ref):  # an element of a list known after apply: see get_attr
        return Ref(value.address, f"{value.attribute}[{json.dumps(key) if isinstance(key, str) else to_string(key)}]")
    if value is None:
        return Missing(f"cannot index null with {key!r}")  # Terraform: "Attempt to index null value"
    return Unknown(f"cannot index with {key!r}")


def _element_of(value: Unknown, key: Any) -> Unknown:
    """An element of an unknown value: `[0]` or `["web"]` of its symbol, as the index is written."""
    if isinstance(key, str):
        return value.part("[" + json.dumps(key) + "]")
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return value.part(f"[{to_string(key)}]")
    return value if value.symbol is None else Unknown(value.reason)


def _splat(value: Any, steps: tuple, scope: Scope) -> Any:
    if isinstance(value, Lazy):
        value = value.elements()
    if isinstance(value, (Unknown, Ref)):
        return Unknown("a splat over a value unknown until apply")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]  # any other value splats as a one-element list
    results = []
    for item in items:
        for kind, step in steps:
            item = get_attr(item, step) if kind == "attr" else index(item, evaluate(step, scope))
        results.append(item)
    return results


def _for_value(expr: For, scope: Scope) -> Any:
    collection = evaluate(expr.collection, scope)
    if isinstance(collection, Lazy):
        keyed = collection.mapping()
        collection = keyed if isinstance(keyed, dict) else collection.elements()
    if isinstance(collection, (Unknown, Ref)):
        return Unknown("a for expression over a collection unknown until apply")
    if isinstance(collection, dict):
        pairs = sorted(collection.items())  # Terraform iterates maps in key order
    elif isinstance(collection, TfSet):
        pairs = [(item, item) for item in collection]
    elif isinstance(collection, list):
        pairs = list(enumerate(collection))
    else:
        return Unknown("a for expression over something that is not a collection")
    as_object = expr.key is not None
    tuple_result: list = []
    object_result: dict = {}
    for key, item in pairs:
        names = {expr.value_name: item}
        if expr.key_name:
            names[expr.key_name] = key
        inner = scope.with_names(names)
        if expr.condition is not None:
            keep = evaluate(expr.condition, inner)
            if keep is False:
                continue
            if keep is not True:
                return Unknown("a for expression filtered by a condition unknown until apply")
        value = evaluate(expr.value, inner)
        if as_object:
            result_key = evaluate(expr.key, inner)
            if not isinstance(result_key, str):
                result_key = to_string(result_key)
                if result_key is None:
                    return Unknown("a for expression key unknown until apply")
            if expr.grouping:
                object_result.setdefault(result_key, []).append(value)
            else:
                object_result[result_key] = value
        else:
            tuple_result.append(value)
    return object_result if as_object else tuple_result


def _unary(operator: str, value: Any) -> Any:
    if is_unknown(value):
        return Unknown("an operand unknown until apply")
    if operator == "!" and isinstance(value, bool):
        return not value
    if operator == "-":
        number = as_number(value)
        if number is not None:
            return -number
    return Unknown(f"{operator} on {value!r}")


def _binary_value(operator: str, left: Any, right: Any) -> Any:
    if operator in ("&&", "||"):
        if operator == "&&" and (left is False or right is False):
            return False
        if operator == "||" and (left is True or right is True):
            return True
        if isinstance(left, bool) and isinstance(right, bool):
            return left and right if operator == "&&" else left or right
        return Unknown("a condition unknown until apply")
    if operator in ("==", "!="):
        differs = _ref_differs(left, right)
        if differs:
            return operator == "!="
    if is_unknown(left) or is_unknown(right):
        return Unknown("an operand unknown until apply")
    if operator in ("==", "!="):
        equal = _equal(left, right)
        return equal if operator == "==" else not equal
    a, b = as_number(left), as_number(right)
    if a is None or b is None:
        return Unknown(f"{operator} on values that are not numbers")
    try:
        if operator == "+":
            result = a + b
        elif operator == "-":
            result = a - b
        elif operator == "*":
            result = a * b
        elif operator == "/":
            result = a / b
        elif operator == "%":
            result = math.fmod(a, b)  # the sign of the dividend, as Terraform's modulo
        elif operator == "<":
            return a < b
        elif operator == ">":
            return a > b
        elif operator == "<=":
            return a <= b
        elif operator == ">=":
            return a >= b
        else:
            return Unknown(f"operator {operator}")
    except (ZeroDivisionError, ValueError):
        return Unknown("division by zero")
    return int(result) if isinstance(result, float) and result.is_integer() else result


# What the ids AWS assigns begin with: a new group's id is unknown until apply, yet it is never
# "self" or "" (`referenced_security_group_id == "self" ? ... : ...` in registry modules).
_ID_PREFIXES = {"aws_security_group": "sg-", "aws_default_security_group": "sg-", "aws_vpc": "vpc-",
                "aws_subnet": "subnet-", "aws_instance": "i-", "aws_launch_template": "lt-"}


def _ref_differs(left: Any, right: Any) -> bool:
    """Whether a reference to an id or ARN is surely not equal to a known value."""
    ref, other = (left, right) if isinstance(left, Ref) else (right, left)
    if not isinstance(ref, Ref) or isinstance(other, (Ref, Unknown, Lazy)):
        return False
    if ref.attribute == "arn":
        prefix = "arn:"
    elif ref.attribute == "id":
        prefix = _ID_PREFIXES.get(parse_resource_address(ref.address).resource.rsplit(".", 1)[0])
        if prefix is None:
            return False
    else:
        return False
    return not isinstance(other, str) or not other.startswith(prefix)


def _equal(left: Any, right: Any) -> bool:
    """Terraform's equality: values of different types are never equal (`true != 1`)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_equal(left[k], right[k]) for k in left)
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return type(left) is type(right) and left == right
