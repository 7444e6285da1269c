"""HCL text -> python-hcl2's parse tree (which keeps line numbers) -> blocks with expression ASTs.

Only parsing needs this module (and lark): a run that finds every file in the parse cache
never imports it.
"""

from __future__ import annotations

import json
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from tflint_sg.errors import InputError

from tflint_sg.load.hcl.syntax import Attribute, Block
from tflint_sg.load.hcl.syntax import Binary, Call, Conditional, Expr, For, GetAttr, Index, Literal, Name, NotUnderstood, ObjectExpr, Splat, Template, TupleExpr, Unary

def hcl_parser():
    # python-hcl2's cached LALR parser keeps line numbers (`hcl2.parses` rebuilds its grammar
    # on every first use, which costs seconds).
    from hcl2.parser import parser

    return parser()


def _hcl_tree(text: str) -> Tree:
    return hcl_parser().parse(text if text.endswith("\n") else text + "\n")


def parse_hcl(path: str, text: str) -> list[Block]:
    try:
        tree = _hcl_tree(text)
    except UnexpectedEOF:
        raise InputError(path, "HCL syntax error: the file ends inside a block or expression",
                         text.count("\n") + 1) from None
    except (UnexpectedToken, UnexpectedCharacters, UnexpectedInput) as error:
        line = getattr(error, "line", None)
        column = getattr(error, "column", None)
        found = getattr(error, "token", None) or getattr(error, "char", None)
        text_found = str(found).strip() if found is not None else ""
        detail = f"unexpected {text_found!r}" if text_found else "unexpected end of line" if found is not None \
            else "unexpected input"
        raise InputError(path, f"HCL syntax error: {detail}", line if line and line > 0 else None,
                         column if column and column > 0 else None) from None
    except (LarkError, RecursionError) as error:
        raise InputError(path, f"HCL syntax error: {type(error).__name__}") from None
    body = tree.children[0]
    return [_block(child, path) for child in body.children if isinstance(child, Tree) and child.data == "block"]


def _block(node: Tree, path: str) -> Block:
    children = [c for c in node.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]
    block_type = str(children[0].children[0])
    labels = []
    for label in children[1:-1]:
        if isinstance(label, Tree) and label.data == "string":
            labels.append("".join(str(part.children[0]) for part in label.children))
        elif isinstance(label, Tree) and label.data == "identifier":
            labels.append(str(label.children[0]))
    block = Block(block_type, tuple(labels), path, node.meta.line, node.meta.end_line)
    body = children[-1]
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = str(child.children[0].children[0])
            expression = child.children[-1]
            block.attributes[name] = Attribute(name, to_ast(expression), child.meta.line)
        elif child.data == "block":
            block.blocks.append(_block(child, path))
    return block



def template_expr(text: str) -> Expr:
    """A string of Terraform's JSON syntax holding `${...}`, as the HCL template it stands for."""
    try:
        tree = _hcl_tree(f"x = {json.dumps(text)}\n")
    except (LarkError, RecursionError):
        return NotUnderstood("a template in JSON syntax")
    attribute = [c for c in tree.children[0].children if isinstance(c, Tree) and c.data == "attribute"][0]
    return to_ast(attribute.children[-1])


_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def to_ast(node: Any) -> Expr:
    if isinstance(node, Token):
        return NotUnderstood(str(node))
    kind = node.data
    children = [c for c in node.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]
    if kind == "expr_term":
        meaningful = [c for c in children if not (isinstance(c, Token) and c.type in ("LPAR", "RPAR"))]
        return to_ast(meaningful[0]) if meaningful else NotUnderstood("empty expression")
    if kind == "int_lit":
        return Literal(int("".join(str(c) for c in children)))
    if kind == "float_lit":
        return Literal(float("".join(str(c) for c in children)))
    if kind == "string":
        return _template(children)
    if kind == "identifier":
        name = str(children[0])
        if name in ("true", "false"):
            return Literal(name == "true")
        if name == "null":
            return Literal(None)
        return Name(name)
    if kind == "get_attr_expr_term":
        return GetAttr(to_ast(children[0]), _identifier(children[1].children[0]))
    if kind == "index_expr_term":
        index = children[1]
        inner = [c for c in index.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]
        if inner and isinstance(inner[0], Token):  # legacy `a.0`
            return Index(to_ast(children[0]), Literal(int("".join(str(c) for c in inner))))
        return Index(to_ast(children[0]), to_ast(inner[0]))
    if kind in ("full_splat_expr_term", "attr_splat_expr_term"):
        steps = []
        for step in children[1].children:
            if step.data == "get_attr":
                steps.append(("attr", _identifier(step.children[0])))
            else:
                inner = [c for c in step.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]
                steps.append(("index", to_ast(inner[0]) if isinstance(inner[0], Tree) else Literal(int(str(inner[0])))))
        return Splat(to_ast(children[0]), tuple(steps))
    if kind == "tuple":
        return TupleExpr(tuple(to_ast(c) for c in children if isinstance(c, Tree)))
    if kind == "object":
        items = []
        for element in children:
            if isinstance(element, Tree) and element.data == "object_elem":
                key_node, value_node = element.children[0], element.children[-1]
                items.append((_object_key(key_node), to_ast(value_node)))
        return ObjectExpr(tuple(items))
    if kind == "function_call":
        name = _identifier(children[0])
        args = children[1].children if len(children) > 1 else []
        return Call(name, tuple(to_ast(a) for a in args if isinstance(a, Tree) and a.data != "new_line_or_comment"))
    if kind == "conditional":
        return Conditional(to_ast(children[0]), to_ast(children[1]), to_ast(children[2]))
    if kind == "unary_op":
        return Unary(str(children[0]), to_ast(children[1]))
    if kind == "binary_op":
        return _binary(node)
    if kind in ("for_tuple_expr", "for_object_expr"):
        return _for(children, kind == "for_object_expr")
    if kind in ("heredoc_template", "heredoc_template_trim"):
        return _heredoc(str(children[0]), trim=kind.endswith("trim"))
    return NotUnderstood(kind)


def _identifier(node: Any) -> str:
    if isinstance(node, Tree):
        return str(node.children[0])
    return str(node)


def _object_key(node: Tree) -> Expr:
    inner = node.children[0]
    if isinstance(inner, Tree):
        if inner.data == "identifier":
            return Literal(_identifier(inner))
        if inner.data == "object_elem_key_expression":
            return to_ast([c for c in inner.children if isinstance(c, Tree)][0])
        if inner.data == "object_elem_key_dot_accessor":
            return Literal(".".join(_identifier(c) for c in inner.children if isinstance(c, Tree)))
        return to_ast(inner)
    return Literal(str(inner))


def _template(parts: list) -> Expr:
    pieces: list = []
    for part in parts:
        inner = part.children[0]
        if isinstance(inner, Tree) and inner.data == "interpolation":
            pieces.append(to_ast([c for c in inner.children if isinstance(c, Tree)][0]))
        elif isinstance(inner, Token) and inner.type == "ESCAPED_INTERPOLATION":
            pieces.append(str(inner)[1:])  # `$${x}` is the literal text `${x}`
        else:
            text = str(inner)
            if "%{" in text.replace("%%{", ""):
                return NotUnderstood("a template directive (%{...})")
            pieces.append(_unescape(text).replace("%%{", "%{"))
    if len(pieces) == 1 and isinstance(pieces[0], Expr):
        return pieces[0]  # "${x}" is x itself, not x converted to a string
    if all(isinstance(p, str) for p in pieces):
        return Literal("".join(pieces))
    return Template(tuple(pieces))


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following in _ESCAPES:
                out.append(_ESCAPES[following])
                index += 2
                continue
            width = {"u": 4, "U": 8}.get(following)
            if width and index + 2 + width <= len(text):
                try:
                    out.append(chr(int(text[index + 2 : index + 2 + width], 16)))
                    index += 2 + width
                    continue
                except ValueError:
                    pass
        out.append(char)
        index += 1
    return "".join(out)


def _heredoc(text: str, trim: bool) -> Expr:
    lines = text.split("\n")
    body = lines[1:-2] if len(lines) >= 3 else []
    if trim and body:
        indent = min((len(line) - len(line.lstrip()) for line in body if line.strip()), default=0)
        body = [line[indent:] for line in body]
    content = "\n".join(body) + ("\n" if body else "")
    if "${" in content:
        return NotUnderstood("interpolation inside a heredoc")
    return Literal(content)


def _binary(node: Tree) -> Expr:
    """hcl2's grammar nests every binary operator to the right; regroup by HCL precedence."""
    operands: list[Expr] = []
    operators: list[str] = []
    current: Any = node
    while isinstance(current, Tree) and current.data == "binary_op":
        operands.append(to_ast(current.children[0]))
        term = current.children[1]
        term_children = [c for c in term.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]
        operators.append(str(term_children[0].children[0]))
        current = term_children[1]
    if isinstance(current, Tree) and current.data == "conditional":
        # The grammar reads `a == b ? c : d` as `a == (b ? c : d)`; HCL means `(a == b) ? c : d`.
        parts = [c for c in current.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        operands.append(to_ast(parts[0]))
        return Conditional(_climb(operands, operators), to_ast(parts[1]), to_ast(parts[2]))
    operands.append(to_ast(current))
    return _climb(operands, operators)


def _climb(operands: list[Expr], operators: list[str]) -> Expr:
    # Shunting-yard over a flat chain; all binary operators are left-associative.
    output: list[Expr] = [operands[0]]
    stack: list[str] = []
    for operator, operand in zip(operators, operands[1:]):
        while stack and _PRECEDENCE.get(stack[-1], 0) >= _PRECEDENCE.get(operator, 0):
            right = output.pop()
            output.append(Binary(stack.pop(), output.pop(), right))
        stack.append(operator)
        output.append(operand)
    while stack:
        right = output.pop()
        output.append(Binary(stack.pop(), output.pop(), right))
    return output[0]


def _for(children: list, is_object: bool) -> Expr:
    trees = [c for c in children if isinstance(c, Tree)]
    intro = trees[0]
    names = [_identifier(c) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
    collection = [c for c in intro.children if isinstance(c, Tree) and c.data != "identifier"][0]
    key_name, value_name = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    condition_node = next((c for c in trees if c.data == "for_cond"), None)
    condition = to_ast([c for c in condition_node.children if isinstance(c, Tree)][0]) if condition_node else None
    bodies = [c for c in trees[1:] if c.data != "for_cond"]
    grouping = any(isinstance(c, Token) and str(c) == "..." for c in children)
    if is_object:
        return For(key_name, value_name, to_ast(collection), to_ast(bodies[0]), to_ast(bodies[1]), condition, grouping)
    return For(key_name, value_name, to_ast(collection), None, to_ast(bodies[0]), condition, False)
