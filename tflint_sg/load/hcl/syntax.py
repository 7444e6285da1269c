"""The syntax tree of Terraform files: blocks, attributes, and expressions as a small AST.

hcl/tree.py builds it from python-hcl2's parse tree, hcl/parse.py from Terraform's JSON syntax;
expressions/evaluate.py gives it values. Nodes are plain data, so a parsed file can be cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass
class Attribute:
    name: str
    expr: Expr
    line: int


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    file: str
    start_line: int
    end_line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
