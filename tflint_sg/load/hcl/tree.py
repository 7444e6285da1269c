"""HCL text -> python-hcl2's parse tree (which keeps positions) -> blocks with expression ASTs.

Only python-hcl2's public API is used: `hcl2.parses_to_tree` gives lark's tree, and reuses one
parser per process. Only parsing needs this module (and lark): a run that finds every file in
the parse cache never imports it.
"""

from __future__ import annotations

import json
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from tflint_sg.errors import InputError
from tflint_sg.load.hcl.heredoc import Unterminated, mend_markers
from tflint_sg.load.hcl.template import Mark, assemble, scan
from tflint_sg.load.hcl.syntax import (Attribute, Binary, Block, Call, Conditional, Expr, For, GetAttr, Index,
                                       Literal, Name, NotUnderstood, ObjectExpr, Splat, TupleExpr, Unary)


def prepare_parser() -> None:
    """Builds python-hcl2's parser now (it keeps it for the process), so that forked workers
    inherit it instead of each building their own."""
    _hcl_tree("")


def _hcl_tree(text: str) -> Tree:
    import hcl2

    # parses_to_tree adds a line break at the end; the grammar then sees one line break after
    # the last line, whether or not the file ends with one (and errors at the end of a file
    # point where they always did).
    return hcl2.parses_to_tree(text[:-1] if text.endswith("\n") else text)


def parse_hcl(path: str, text: str) -> list[Block]:
    """The top-level blocks of a file."""
    return parse_body(path, text)[1]


def parse_body(path: str, text: str) -> tuple[list[Attribute], list[Block]]:
    """The top-level attributes and blocks of a file, in the order they appear."""
    unterminated = None
    try:
        text, unterminated = mend_markers(text)
        tree = _hcl_tree(text)
    except LarkError as error:
        if unterminated is not None:
            # The rest of the file is the heredoc's body, so that is the error to report.
            raise _unterminated_error(path, text, unterminated) from None
        raise _syntax_error(path, text, error) from None
    except RecursionError as error:
        raise _syntax_error(path, text, error) from None
    attributes: list[Attribute] = []
    blocks: list[Block] = []
    for child in tree.children[0].children:
        if isinstance(child, Tree) and child.data == "attribute":
            attributes.append(_attribute(child, text))
        elif isinstance(child, Tree) and child.data == "block":
            blocks.append(_block(child, path, text))
    return attributes, blocks


def _syntax_error(path: str, text: str, error: Exception) -> InputError:
    if isinstance(error, UnexpectedEOF):
        return InputError(path, "HCL syntax error: the file ends inside a block or expression", text.count("\n") + 1)
    if isinstance(error, (UnexpectedToken, UnexpectedCharacters, UnexpectedInput)):
        line = getattr(error, "line", None)
        column = getattr(error, "column", None)
        found = getattr(error, "token", None) or getattr(error, "char", None)
        if isinstance(found, Token) and found.type in _OPERATORS:
            # The grammar joins a line break before an operator to the operator's token.
            line, column = found.end_line, found.end_column - len(_OPERATORS[found.type])
            found = _OPERATORS[found.type]
        text_found = str(found).strip() if found is not None else ""
        detail = f"unexpected {text_found!r}" if text_found else "unexpected end of line" if found is not None \
            else "unexpected input"
        return InputError(path, f"HCL syntax error: {detail}", line if line and line > 0 else None,
                          column if column and column > 0 else None)
    return InputError(path, f"HCL syntax error: {type(error).__name__}")


def _unterminated_error(path: str, text: str, heredoc: Unterminated) -> InputError:
    # Terraform's diagnostic points at the end of the file, where it gave up looking.
    last_line = text.rsplit("\n", 1)[-1]
    return InputError(path, f"HCL syntax error: no closing marker {heredoc.marker} for the heredoc opened on line "
                      f"{heredoc.opened_on} (a line holding only {heredoc.marker})", text.count("\n") + 1,
                      len(last_line) + 1)


def _attribute(node: Tree, text: str) -> Attribute:
    name = _word(node.children[0])
    meta = node.meta
    end_line, end_column = _end(meta, text)
    return Attribute(name, to_ast(node.children[-1]), meta.line, end_line, meta.column, end_column)


def _end(meta: Any, text: str) -> tuple[int, int]:
    """Where a node ends: after its last character that is not a line break. A heredoc's token
    takes the line break after its closing marker."""
    end = meta.end_pos
    if text[end - 1] != "\n":
        return meta.end_line, meta.end_column
    while end > meta.start_pos and text[end - 1] in " \t\n":
        end -= 1
    line_start = text.rfind("\n", 0, end) + 1
    return meta.end_line - text.count("\n", end, meta.end_pos), end - line_start + 1


def _block(node: Tree, path: str, text: str) -> Block:
    heading: list[Tree] = []
    body = None
    for child in node.children:
        if isinstance(child, Tree) and child.data == "body":
            body = child
        elif isinstance(child, Tree) and child.data != "new_line_or_comment":
            heading.append(child)
    labels = []
    for label in heading[1:]:
        if label.data == "string":
            labels.append("".join(str(part.children[0]) for part in label.children if isinstance(part, Tree)))
        else:
            labels.append(_word(label))
    meta = node.meta
    block = Block(_word(heading[0]), tuple(labels), path, meta.line, meta.end_line, meta.column, meta.end_column)
    for child in body.children if body is not None else ():
        if isinstance(child, Tree) and child.data == "attribute":
            attribute = _attribute(child, text)
            block.attributes[attribute.name] = attribute
        elif isinstance(child, Tree) and child.data == "block":
            block.blocks.append(_block(child, path, text))
    return block


def _word(node: Any) -> str:
    """The text of an identifier, keyword (`in`, `for_each`...) or `true`/`false`/`null`."""
    if isinstance(node, Tree):
        return str(node.children[0])
    return str(node)


def template_expr(text: str) -> Expr:
    """A string of Terraform's JSON syntax holding `${...}` or `%{...}`, as the HCL template it stands for."""
    return _lone_expression(json.dumps(text), "a template in JSON syntax")


def expression_from_text(text: str) -> Expr:
    """One expression written in a template's `${...}` or directive."""
    # In parentheses an expression may span lines, as it may inside `${...}`.
    return _lone_expression(f"(\n{text}\n)", "an expression in a template")


def template_from_text(text: str) -> Expr:
    """A template file's text (or a heredoc's body) as the expression Terraform renders."""
    return scan(text, expression_from_text)


def _lone_expression(source: str, what: str) -> Expr:
    try:
        tree = _hcl_tree(f"x = {source}\n")
    except (LarkError, RecursionError):
        return NotUnderstood(what)
    attributes = [c for c in tree.children[0].children if isinstance(c, Tree) and c.data == "attribute"]
    if len(attributes) != 1:
        return NotUnderstood(what)
    return to_ast(attributes[0].children[-1])


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
# Binary operators by token type: a token's own text may start with the line break before it.
_OPERATORS = {"DOUBLE_EQ": "==", "NEQ": "!=", "LT": "<", "GT": ">", "LEQ": "<=", "GEQ": ">=",
              "MINUS": "-", "ASTERISK": "*", "SLASH": "/", "PERCENT": "%", "DOUBLE_AMP": "&&",
              "DOUBLE_PIPE": "||", "PLUS": "+", "QMARK": "?"}
_TEMPLATE_DIRECTIVES = frozenset({"template_if_start", "template_else", "template_endif", "template_for_start",
                                  "template_endfor"})


def _trees(node: Tree) -> list[Tree]:
    """A node's children that are parts of the expression: no punctuation, line breaks or comments."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def to_ast(node: Any) -> Expr:
    if isinstance(node, Token):
        return NotUnderstood(str(node))
    kind = node.data
    if kind == "expr_term":
        inner = _trees(node)
        return to_ast(inner[0]) if inner else NotUnderstood("empty expression")
    if kind == "int_lit":
        return Literal(int(str(node.children[0])))
    if kind == "float_lit":
        return Literal(float(str(node.children[0])))
    if kind == "string":
        return _template(_trees(node))
    if kind == "identifier":
        return Name(str(node.children[0]))
    if kind == "literal_value":
        word = str(node.children[0])
        return Literal(None) if word == "null" else Literal(word == "true")
    if kind == "get_attr_expr_term":
        target, step = _trees(node)
        return GetAttr(to_ast(target), _word(_trees(step)[0]))
    if kind == "index_expr_term":
        target, step = _trees(node)
        return Index(to_ast(target), _index_key(step))
    if kind in ("full_splat_expr_term", "attr_splat_expr_term"):
        target, splat = _trees(node)
        steps = []
        after: list[Tree] = []  # the steps that apply to the splat's result
        for step in _trees(splat):
            if after or (kind == "attr_splat_expr_term" and step.data != "get_attr"):
                after.append(step)  # `a.*.b[0]` is `(a.*.b)[0]`: an attribute splat takes only attributes
            elif step.data == "get_attr":
                steps.append(("attr", _word(_trees(step)[0])))
            else:
                steps.append(("index", _index_key(step)))
        result: Expr = Splat(to_ast(target), tuple(steps))
        for step in after:
            result = GetAttr(result, _word(_trees(step)[0])) if step.data == "get_attr" \
                else Index(result, _index_key(step))
        return result
    if kind == "tuple":
        return TupleExpr(tuple(to_ast(c) for c in _trees(node)))
    if kind == "object":
        items = []
        for element in _trees(node):
            if element.data == "object_elem":
                key_node, value_node = _trees(element)
                items.append((_object_key(key_node), to_ast(value_node)))
        return ObjectExpr(tuple(items))
    if kind == "function_call":
        parts = _trees(node)
        if any(isinstance(c, Token) and c.type == "COLONS" for c in node.children):
            return NotUnderstood("provider_function_call")  # provider::name::function(...)
        arguments = parts[1] if len(parts) > 1 else None
        if arguments is None:
            return Call(_word(parts[0]), ())
        expand = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments.children)
        return Call(_word(parts[0]), tuple(to_ast(a) for a in _trees(arguments)), expand)
    if kind == "conditional":
        condition, if_true, if_false = _trees(node)
        return Conditional(to_ast(condition), to_ast(if_true), to_ast(if_false))
    if kind == "unary_op":
        return Unary(str(node.children[0]), to_ast(node.children[1]))
    if kind == "binary_op":
        left, term = _trees(node)
        operator, right = _trees(term)
        return Binary(_OPERATORS.get(operator.children[0].type, str(operator.children[0]).strip()),
                      to_ast(left), to_ast(right))
    if kind in ("for_tuple_expr", "for_object_expr"):
        return _for(node, kind == "for_object_expr")
    if kind in ("heredoc_template", "heredoc_template_trim"):
        return _heredoc(str(node.children[0]), trim=kind.endswith("trim"))
    if kind == "template_string":
        return NotUnderstood("a template directive (%{...})")
    return NotUnderstood(kind)


def _index_key(node: Tree) -> Expr:
    if node.data == "short_index":  # legacy `a.0`
        return Literal(int(str(node.children[-1])))
    return to_ast(_trees(node)[0])


def _object_key(node: Tree) -> Expr:
    """A bare word (`name`, `true`, `in`) or dotted words (`a.b`) name a key; anything else,
    such as a string or `(expression)`, is evaluated."""
    inner = _trees(node)[0]
    if inner.data == "keyword":
        return Literal(_word(inner))
    words = _dotted_words(inner)
    if words is not None:
        return Literal(".".join(words))
    return to_ast(inner)


def _dotted_words(node: Tree) -> list[str] | None:
    parts = _trees(node)
    if node.data == "expr_term":
        if len(parts) == 1 and len(node.children) == 1 and parts[0].data in ("identifier", "literal_value"):
            return [_word(parts[0])]
        if len(parts) == 1 and len(node.children) == 1 and parts[0].data == "get_attr_expr_term":
            return _dotted_words(parts[0])
        return None
    if node.data == "get_attr_expr_term":
        before = _dotted_words(parts[0])
        return before + [_word(_trees(parts[1])[0])] if before is not None else None
    return None


def _template(parts: list[Tree]) -> Expr:
    pieces: list = []
    for part in parts:
        inner = part.children[0]
        if isinstance(inner, Tree) and inner.data == "interpolation":
            pieces.append(Mark("interp", to_ast(_trees(inner)[0])))
        elif isinstance(inner, Tree) and inner.data in _TEMPLATE_DIRECTIVES:
            pieces.append(_directive(inner))
        elif isinstance(inner, Token) and inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
            pieces.append(str(inner)[1:])  # `$${x}` is the literal text `${x}`, `%%{x}` is `%{x}`
        else:  # the characters between
            pieces.append(_unescape(str(inner)).replace("%%{", "%{"))
    return assemble(pieces, by_lines=False)


def _directive(node: Tree) -> Mark:
    """`%{ if c }`, `%{ for k, v in xs }`... from the grammar's flat directive rules."""
    strip_before = len(node.children) > 1 and isinstance(node.children[1], Token) and node.children[1].type == \
        "STRIP_MARKER"
    strip_after = len(node.children) > 1 and isinstance(node.children[-2], Token) and node.children[-2].type == \
        "STRIP_MARKER"
    kind = {"template_if_start": "if", "template_else": "else", "template_endif": "endif",
            "template_for_start": "for", "template_endfor": "endfor"}[node.data]
    names: list[str] = []
    expression = None
    seen_in = False
    for child in node.children:
        if isinstance(child, Token):
            seen_in = seen_in or child.type == "IN"
        elif kind == "for" and not seen_in and child.data == "identifier":
            names.append(_word(child))
        elif child.data != "new_line_or_comment" and expression is None:
            expression = to_ast(child)
    return Mark(kind, expression, tuple(names), strip_before, strip_after)


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
    if "${" in content or "%{" in content:
        return scan(content, expression_from_text)
    return Literal(content)


def _for(node: Tree, is_object: bool) -> Expr:
    trees = _trees(node)
    intro = trees[0]
    names = [_word(c) for c in _trees(intro) if c.data == "identifier"]
    collection = [c for c in _trees(intro) if c.data != "identifier"][0]
    key_name, value_name = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    condition_node = next((c for c in trees if c.data == "for_cond"), None)
    condition = to_ast(_trees(condition_node)[0]) if condition_node else None
    bodies = [c for c in trees[1:] if c.data != "for_cond"]
    grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
    if is_object:
        return For(key_name, value_name, to_ast(collection), to_ast(bodies[0]), to_ast(bodies[1]), condition, grouping)
    return For(key_name, value_name, to_ast(collection), None, to_ast(bodies[0]), condition, False)
