"""Terraform files -> blocks and attributes with their source lines and expression ASTs.

`.tf` files are parsed with python-hcl2's grammar (its raw tree keeps line numbers);
`.tf.json` files follow Terraform's JSON syntax, where strings may hold `${...}` templates.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from lark import Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from tflint_sg.errors import InputError
from tflint_sg.paths import read_utf8
from tflint_sg.load.hcl_expr import Expr, Literal, NotUnderstood, ObjectExpr, TupleExpr, to_ast


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


_parsed: dict[tuple, list[Block]] = {}


def parse_file(path: str) -> list[Block]:
    """The top-level blocks of one file; a file is parsed once per run, however many root
    modules call the module it belongs to."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise InputError(path, f"cannot be read: {error.strerror or error}") from None
    key = (os.path.realpath(path), status.st_mtime_ns, status.st_size)
    if key not in _parsed:
        _parsed[key] = _parse_uncached(path)
    return _parsed[key]


def _parse_uncached(path: str) -> list[Block]:
    text = read_utf8(path).replace("\r\n", "\n")  # the grammar knows only \n line ends
    if path.endswith(".json"):
        return _parse_json(path, text)
    return _parse_hcl(path, text)


def _hcl_tree(text: str) -> Tree:
    # python-hcl2's cached LALR parser keeps line numbers (`hcl2.parses` rebuilds its grammar
    # on every first use, which costs seconds).
    from hcl2.parser import parser

    return parser().parse(text if text.endswith("\n") else text + "\n")


def _parse_hcl(path: str, text: str) -> list[Block]:
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


# --- Terraform's JSON syntax -------------------------------------------------------------

# Block types whose JSON object keys are labels, and how many labels they take.
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1}


def _parse_json(path: str, text: str) -> list[Block]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, f"not valid JSON: {error.msg}", error.lineno, error.colno) from None
    if not isinstance(document, dict):
        raise InputError(path, "a .tf.json file must hold a JSON object")
    blocks: list[Block] = []
    for block_type, content in document.items():
        for labels, body in _json_labelled(content, _LABELS.get(block_type, 0)):
            if block_type == "locals":
                blocks.append(_json_block("locals", (), body, path))
            else:
                blocks.append(_json_block(block_type, labels, body, path))
    return blocks


def _json_labelled(content, depth: int):
    if depth == 0:
        for item in content if isinstance(content, list) else [content]:
            if isinstance(item, dict):
                yield (), item
        return
    if not isinstance(content, dict):
        return
    for label, inner in content.items():
        for labels, body in _json_labelled(inner, depth - 1):
            yield (label, *labels), body


def _json_block(block_type: str, labels: tuple, body: dict, path: str) -> Block:
    # JSON carries no lines we can cheaply recover; a block points at line 1 of its file.
    block = Block(block_type, tuple(labels), path, 1, 1)
    nested = _NESTED_BLOCKS.get(block_type, ())
    for name, value in body.items():
        content_of_dynamic = block_type == "dynamic" and name == "content"
        if name in nested or name == "dynamic" or content_of_dynamic or (
                isinstance(value, (list, dict)) and block_type in ("resource", "data", "content") + _BLOCK_TYPES
                and name in _BLOCK_ATTRIBUTES):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    if name == "dynamic":
                        for label, content in item.items():
                            block.blocks.append(_json_block("dynamic", (label,), content if isinstance(content, dict) else {}, path))
                    else:
                        block.blocks.append(_json_block(name, (), item, path))
        else:
            block.attributes[name] = Attribute(name, _json_expr(value), 1)
    return block


_NESTED_BLOCKS = {"module": (), "variable": (), "output": (), "locals": ()}
_BLOCK_TYPES = ("ingress", "egress", "default_action", "action", "forward", "network_interfaces",
                "mixed_instances_policy", "launch_template")
# Nested blocks of the resources the model reads, for the JSON syntax (HCL syntax needs no list).
_BLOCK_ATTRIBUTES = frozenset({
    "ingress", "egress", "network_interface", "network_interfaces", "launch_template", "mixed_instances_policy",
    "network_configuration", "load_balancer", "default_action", "action", "forward", "target_group", "health_check",
    "listener", "subnet_mapping", "traffic_source", "content", "launch_template_specification",
})


def _json_expr(value) -> Expr:
    if isinstance(value, str):
        if "${" not in value:
            return Literal(value)
        try:
            tree = _hcl_tree(f"x = {json.dumps(value)}\n")
        except (LarkError, RecursionError):
            return NotUnderstood("a template in JSON syntax")
        attribute = [c for c in tree.children[0].children if isinstance(c, Tree) and c.data == "attribute"][0]
        return to_ast(attribute.children[-1])
    if isinstance(value, list):
        return TupleExpr(tuple(_json_expr(v) for v in value))
    if isinstance(value, dict):
        return ObjectExpr(tuple((Literal(k), _json_expr(v)) for k, v in value.items()))
    return Literal(value)

