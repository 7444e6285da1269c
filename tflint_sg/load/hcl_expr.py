"""HCL expressions: a small AST (built from the parse tree by hcl_tree.py) -> values.

The AST is built once per attribute; evaluation asks a `Scope` for the roots of references
(`var`, `local`, `module`, resource types, `count`, `each`, for-expression variables) and never
runs anything from the input. A value is a plain Python value, a `Ref` (an attribute known only
after apply, such as a new security group's id) or an `Unknown`; whatever this evaluator does
not understand becomes `Unknown`, which never makes a finding on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from tflint_sg.config import Ref, Unknown

# --- the AST ---------------------------------------------------------------------------


class Missing(Unknown):
    """A definite error Terraform would raise (a missing attribute or key of a known value):
    the one kind of failure `try()` and `can()` recover from."""


class TfSet(list):
    """A set: iterating it binds each element as its own key (`each.key`, `for k, v in ...`)."""


class Expr:
    __slots__ = ()


@dataclass(frozen=True)
class Literal(Expr):
    value: Any


@dataclass(frozen=True)
class Template(Expr):
    parts: tuple  # str or Expr


@dataclass(frozen=True)
class Name(Expr):
    name: str


@dataclass(frozen=True)
class GetAttr(Expr):
    target: Expr
    name: str


@dataclass(frozen=True)
class Index(Expr):
    target: Expr
    key: Expr


@dataclass(frozen=True)
class Splat(Expr):
    """`a[*].b[0]` and `a.*.b`: `steps` apply to each element of `target`."""

    target: Expr
    steps: tuple  # ("attr", name) or ("index", Expr)


@dataclass(frozen=True)
class TupleExpr(Expr):
    items: tuple


@dataclass(frozen=True)
class ObjectExpr(Expr):
    items: tuple  # (key Expr, value Expr)


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple


@dataclass(frozen=True)
class Conditional(Expr):
    condition: Expr
    if_true: Expr
    if_false: Expr


@dataclass(frozen=True)
class Binary(Expr):
    operator: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Unary(Expr):
    operator: str
    operand: Expr


@dataclass(frozen=True)
class For(Expr):
    key_name: str | None
    value_name: str
    collection: Expr
    key: Expr | None  # set for `{for ... : k => v}`
    value: Expr
    condition: Expr | None
    grouping: bool  # `...` after the value of an object for


@dataclass(frozen=True)
class NotUnderstood(Expr):
    what: str


# --- evaluation ----------------------------------------------------------------------------


class Lazy:
    """A value whose parts are computed on demand (a module, a resource, a namespace)."""

    def attr(self, name: str) -> Any:
        return Unknown(f"no attribute {name}")

    def index(self, key: Any) -> Any:
        return Unknown(f"cannot index with {key!r}")

    def elements(self) -> Any:
        """The value as a list, for splats and for-expressions."""
        return [self]

    def mapping(self) -> Any:
        """The value as a map of instance keys, for `for_each`."""
        return Unknown("not a collection")


class Scope:
    """Resolves the root names of references; `with_names` adds for-expression variables."""

    def __init__(self, resolve: Callable[[str], Any], names: dict[str, Any] | None = None):
        self._resolve = resolve
        self._names = names or {}

    def lookup(self, name: str) -> Any:
        if name in self._names:
            return self._names[name]
        return self._resolve(name)

    def with_names(self, names: dict[str, Any]) -> Scope:
        return Scope(self._resolve, {**self._names, **names})


def is_unknown(value: Any) -> bool:
    return isinstance(value, (Unknown, Ref))


def evaluate(expr: Expr, scope: Scope) -> Any:
    from tflint_sg.load.hcl_functions import call

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
        for part in expr.parts:
            value = part if isinstance(part, str) else evaluate(part, scope)
            text = to_string(value)
            if text is None:
                return Unknown("a string built from a value unknown until apply")
            pieces.append(text)
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
        return call(expr.name, expr.args, scope)
    if isinstance(expr, NotUnderstood):
        return Unknown(f"expression not evaluated ({expr.what})")
    return Unknown("expression not evaluated")


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, Lazy):
        return value.attr(name)
    if isinstance(value, dict):
        return value[name] if name in value else Missing(f"no attribute {name}")
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return Unknown(f"{value.address}.{value.attribute}.{name}: known only after apply")
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
        return value
    return Unknown(f"cannot index with {key!r}")


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


def to_string(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None


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
