"""The syntax tree of Terraform files: blocks, attributes, and expressions as a small AST.

hcl/tree.py builds it from python-hcl2's parse tree, hcl/parse.py from Terraform's JSON syntax;
expressions/evaluate.py gives it values. Nodes are msgspec Structs holding plain data: the parse
cache (hcl/cache.py) encodes them as MessagePack and decodes with a typed decoder, so only these
classes (and the scalars a Literal holds) can come out of a cache entry.

Each class is tagged with its name (the first item of its encoded array); the field annotations
say what the decoder accepts, so they must stay exact: `Node` is any expression.
"""

from __future__ import annotations

from typing import Union

import msgspec


class Expr:
    """What every expression is an instance of."""

    __slots__ = ()


class _Expr(msgspec.Struct, Expr, frozen=True, tag=True, tag_field="node", array_like=True, gc=False):
    # Frozen trees built bottom-up hold no reference cycles, so the garbage collector need not
    # track them (there are hundreds of thousands in a large repository).
    pass


class Literal(_Expr):
    # Only scalars: a cache entry cannot bring any other value (a list, a map, bytes) into evaluation.
    value: str | int | float | bool | None


class Template(_Expr):
    parts: tuple[Union[str, Node], ...]


class Name(_Expr):
    name: str


class GetAttr(_Expr):
    target: Node
    name: str


class Index(_Expr):
    target: Node
    key: Node


class Splat(_Expr):
    """`a[*].b[0]` and `a.*.b`: `steps` apply to each element of `target`."""

    target: Node
    steps: tuple[tuple[str, Union[str, Node]], ...]  # ("attr", name) or ("index", Expr)


class TupleExpr(_Expr):
    items: tuple[Node, ...]


class ObjectExpr(_Expr):
    items: tuple[tuple[Node, Node], ...]  # (key Expr, value Expr)


class Call(_Expr):
    name: str
    args: tuple[Node, ...]
    expand: bool = False  # `f(a, list...)`: the last argument's elements are the final arguments


class Conditional(_Expr):
    condition: Node
    if_true: Node
    if_false: Node


class Binary(_Expr):
    operator: str
    left: Node
    right: Node


class Unary(_Expr):
    operator: str
    operand: Node


class For(_Expr):
    key_name: Union[str, None]
    value_name: str
    collection: Node
    key: Union[Node, None]  # set for `{for ... : k => v}`
    value: Node
    condition: Union[Node, None]
    grouping: bool  # `...` after the value of an object for


class NotUnderstood(_Expr):
    what: str


Node = Union[Literal, Template, Name, GetAttr, Index, Splat, TupleExpr, ObjectExpr, Call, Conditional, Binary,
             Unary, For, NotUnderstood]


class Attribute(msgspec.Struct, tag=True, tag_field="node", array_like=True):
    """`name = expr`, from the first character of its name to the last of its expression.

    Columns count Unicode code points from 1, and `end_column` is the one after the last
    character (as SARIF counts them). The JSON syntax knows no positions: its attributes are on
    line 1 with no columns. An attribute an override file merged into a block has line 0."""

    name: str
    expr: Node
    line: int
    end_line: int
    column: int | None = None
    end_column: int | None = None


class Block(msgspec.Struct, tag=True, tag_field="node", array_like=True):
    """From its type word to its closing brace; columns as an Attribute's.

    Not frozen: the JSON syntax fills a block's attributes and nested blocks after making it."""

    type: str
    labels: tuple[str, ...]
    file: str
    start_line: int
    end_line: int
    start_column: int | None = None
    end_column: int | None = None
    attributes: dict[str, Attribute] = msgspec.field(default_factory=dict)
    blocks: list[Block] = msgspec.field(default_factory=list)
