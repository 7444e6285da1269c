"""Terraform's template language, shared by quoted strings, heredocs and `templatefile()`.

A template is literal text, `${expr}` interpolations and `%{...}` directives (`if`/`else`/
`endif`, `for`/`endfor`), each of which may carry strip markers (`${~ x ~}`). The parts come
from python-hcl2's grammar for quoted strings (hcl/tree.py) or from `scan` for heredoc bodies
and template files, whose text the grammar keeps whole; `assemble` gives them all one meaning.

No new syntax node is needed: `%{ if c }a%{ else }b%{ endif }` is the conditional `c ? "a" : "b"`
(each arm a string), and `%{ for k, v in xs }body%{ endfor }` is `join("", [for k, v in xs :
"body"])`, which is what Terraform renders for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

from tflint_sg.load.hcl.syntax import Call, Conditional, Expr, For, Literal, Name, NotUnderstood, Template


@dataclass(frozen=True)
class Mark:
    """An interpolation or directive: `kind` is interp, if, else, endif, for or endfor."""

    kind: str
    expr: Union[Expr, None] = None
    names: tuple[str, ...] = ()  # a for directive's key and value names (or value alone)
    strip_before: bool = False  # `~` after the opening brace: trims the literal before
    strip_after: bool = False  # `~` before the closing brace: trims the literal after


Piece = Union[str, Mark]

_FOR = re.compile(r"for\s+([A-Za-z_][A-Za-z0-9_-]*)\s*(?:,\s*([A-Za-z_][A-Za-z0-9_-]*)\s*)?in\s(.*)", re.DOTALL)
_OPENERS = re.compile(r"[$%]")
_IN_STRING = re.compile(r'[\\"\n$%]')  # what may end a quoted string or open a template in it
_KEYWORD = re.compile(r"(if|else|endif|endfor)\b(.*)", re.DOTALL)


def scan(text: str, parse_expression: Callable[[str], Expr]) -> Expr:
    """A heredoc body or template file as an expression (no backslash escapes apply here)."""
    pieces: list[Piece] = []
    literal: list[str] = []
    position = 0
    while position < len(text):
        if text.startswith(("$${", "%%{"), position):
            literal.append(text[position + 1 : position + 3])  # `$${` is the text `${`, `%%{` is `%{`
            position += 3
            continue
        if not text.startswith(("${", "%{"), position):
            found = _OPENERS.search(text, position + 1)
            end = found.start() if found else len(text)
            literal.append(text[position:end])
            position = end
            continue
        end = _closing_brace(text, position + 2)
        if end < 0:
            return NotUnderstood("a template with an unclosed ${ or %{")
        if literal:
            pieces.append("".join(literal))
            literal = []
        mark = _mark(text[position], text[position + 2 : end], parse_expression)
        if mark is None:
            return NotUnderstood("a template directive it cannot read")
        pieces.append(mark)
        position = end + 1
    if literal:
        pieces.append("".join(literal))
    return assemble(pieces, by_lines=True)


def _mark(opener: str, inside: str, parse_expression: Callable[[str], Expr]) -> Mark | None:
    strip_before = inside.startswith("~")
    body = inside[1:] if strip_before else inside
    strip_after = body.rstrip().endswith("~")
    body = body.rstrip()[:-1] if strip_after else body
    body = body.strip()
    if opener == "$":
        return Mark("interp", parse_expression(body), (), strip_before, strip_after)
    loop = _FOR.fullmatch(body)
    if loop:
        names = tuple(name for name in loop.group(1, 2) if name)
        return Mark("for", parse_expression(loop.group(3)), names, strip_before, strip_after)
    keyword = _KEYWORD.fullmatch(body)
    if keyword is None:
        return None
    kind, rest = keyword.group(1), keyword.group(2).strip()
    if kind == "if":
        return Mark("if", parse_expression(rest), (), strip_before, strip_after) if rest else None
    return None if rest else Mark(kind, None, (), strip_before, strip_after)


def _closing_brace(text: str, start: int) -> int:
    """The offset of the `}` that closes the interpolation or directive whose body starts at
    `start`, past the braces and quoted strings inside; -1 if there is none."""
    depth = 0
    position = start
    while position < len(text):
        char = text[position]
        if char == '"':
            position = string_end(text, position)
            continue
        if char == "}":
            if depth == 0:
                return position
            depth -= 1
        elif char == "{":
            depth += 1
        position += 1
    return -1


def string_end(text: str, start: int) -> int:
    """The offset just past the quoted string that opens at `start` (past its own
    interpolations); a string cannot span lines, so an unclosed one ends at its line break."""
    position = start + 1
    while True:
        found = _IN_STRING.search(text, position)
        if found is None:
            return len(text)
        position = found.start()
        char = text[position]
        if char == "\\":
            position += 2
        elif char == '"':
            return position + 1
        elif char == "\n":
            return position
        elif text.startswith(("$${", "%%{"), position):
            position += 3
        elif text.startswith(("${", "%{"), position):
            close = _closing_brace(text, position + 2)
            if close < 0:
                return len(text)
            position = close + 1
        else:
            position += 1


def assemble(pieces: list[Piece], by_lines: bool) -> Expr:
    """The expression a template's pieces stand for. Strip markers trim the literal next to
    them as Terraform's scanner cuts literals: in a heredoc or file (`by_lines`) a literal is
    one token per line, each ending with its line break, so `~` trims only the neighbouring
    line; a quoted string's literal is one token."""
    pieces = _merged(pieces)
    for index, piece in enumerate(pieces):
        if not isinstance(piece, Mark):
            continue
        if piece.strip_before and index > 0 and isinstance(pieces[index - 1], str):
            pieces[index - 1] = _trim_end(pieces[index - 1], by_lines)
        if piece.strip_after and index + 1 < len(pieces) and isinstance(pieces[index + 1], str):
            pieces[index + 1] = _trim_start(pieces[index + 1], by_lines)
    parts, stop, end = _sequence(pieces, 0)
    if stop is not None:
        return NotUnderstood(f"a template with %{{ {stop} }} out of place")
    if len(parts) == 1 and isinstance(parts[0], Expr):
        return parts[0]  # "${x}" alone is x itself, not x converted to a string
    return _text(parts)


def _merged(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        elif piece != "":
            merged.append(piece)
    return merged


def _trim_end(literal: str, by_lines: bool) -> str:
    if not by_lines:
        return literal.rstrip()
    cut = literal.rfind("\n", 0, len(literal) - 1) + 1 if literal.endswith("\n") else literal.rfind("\n") + 1
    return literal[:cut] + literal[cut:].rstrip()


def _trim_start(literal: str, by_lines: bool) -> str:
    if not by_lines:
        return literal.lstrip()
    cut = literal.find("\n") + 1 or len(literal)
    return literal[:cut].lstrip() + literal[cut:]


def _sequence(pieces: list[Piece], index: int) -> tuple[list, str | None, int]:
    """The parts from `index` up to a directive that ends this sequence (else, endif, endfor):
    (parts, that directive's kind or None at the end, the index after it)."""
    parts: list = []
    while index < len(pieces):
        piece = pieces[index]
        index += 1
        if isinstance(piece, str):
            parts.append(piece)
        elif piece.kind == "interp":
            parts.append(piece.expr)
        elif piece.kind in ("else", "endif", "endfor"):
            return parts, piece.kind, index
        elif piece.kind == "if":
            if_true, stop, index = _sequence(pieces, index)
            if_false: list = []
            if stop == "else":
                if_false, stop, index = _sequence(pieces, index)
            if stop != "endif":
                return [NotUnderstood("an if directive without its endif")], None, len(pieces)
            parts.append(Conditional(piece.expr, _text(if_true), _text(if_false)))
        else:  # for
            body, stop, index = _sequence(pieces, index)
            if stop != "endfor":
                return [NotUnderstood("a for directive without its endfor")], None, len(pieces)
            key_name, value_name = piece.names if len(piece.names) == 2 else (None, piece.names[0])
            each = For(key_name, value_name, piece.expr, None, _text(body), None, False)
            parts.append(Call("join", (Literal(""), each)))
    return parts, None, index


def _text(parts: list) -> Expr:
    """Parts that always make a string (a directive's arm or body, a template with text)."""
    if all(isinstance(part, str) for part in parts):
        return Literal("".join(parts))
    return Template(tuple(parts))


def free_names(expr: Expr, bound: frozenset[str] = frozenset()) -> set[str]:
    """The root names an expression refers to, outside the names its for expressions bind:
    what a template file's variables must provide."""
    if isinstance(expr, Name):
        return set() if expr.name in bound else {expr.name}
    if isinstance(expr, For):
        inner = bound | {name for name in (expr.key_name, expr.value_name) if name}
        names = free_names(expr.collection, bound)
        for part in (expr.key, expr.value, expr.condition):
            if part is not None:
                names |= free_names(part, inner)
        return names
    names: set[str] = set()
    for field in getattr(expr, "__struct_fields__", ()):
        names |= _free_in(getattr(expr, field), bound)
    return names


def _free_in(value, bound: frozenset[str]) -> set[str]:
    if isinstance(value, Expr):
        return free_names(value, bound)
    if isinstance(value, tuple):
        names: set[str] = set()
        for item in value:
            names |= _free_in(item, bound)
        return names
    return set()
