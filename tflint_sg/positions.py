"""Where inside a resource's block a setting is written: an attribute, a nested block (static or
`dynamic`), or the inline `ingress`/`egress` block that declares a security group's rule.

What is not written (a default, a value that only a module's input sets) is found as the
deepest part of its path that is: `health_check.port` left at its default is the
`health_check` block, or the resource block when that is missing too.
"""

from __future__ import annotations

from typing import Union

from tflint_sg.addresses import strip_keys
from tflint_sg.load.hcl.syntax import Attribute, Block, GetAttr, Index, Literal, Name, TupleExpr
from tflint_sg.model import AclRule, Rule
from tflint_sg.modeling.groups import normalize_protocol
from tflint_sg.modeling.lookup import network
from tflint_sg.values import to_port

Part = Union[Block, Attribute]


def find_part(block: Block, path: str) -> tuple[Part, str]:
    """The deepest written part of `path` (dotted attribute and nested block names) inside
    `block`, and the file it is in; `block` itself when nothing of it is written."""
    _, part, file = _deepest(block, path.split(".") if path else [])
    return part, file


def _deepest(block: Block, names: list[str]) -> tuple[int, Part, str]:
    """How many of `names` are written, the last written part, and its file. Of several nested
    blocks of one type, the first that holds most of the path."""
    if not names:
        return 0, block, block.file
    name, rest = names[0], names[1:]
    attribute = block.attributes.get(name)
    if attribute is not None:
        # An attribute an override file merged in has no position in this block's file.
        return (1, attribute, block.file) if attribute.line else (0, block, block.file)
    best: tuple[int, Part, str] = (0, block, block.file)
    for nested in block.blocks:
        if nested.type == name:
            depth, part, file = _deepest(nested, rest)
        elif nested.type == "dynamic" and nested.labels[:1] == (name,):
            content = next((inner for inner in nested.blocks if inner.type == "content"), None)
            depth, part, file = _deepest(content, rest) if content is not None else (0, nested, nested.file)
            if depth == 0:  # the dynamic block stands for the blocks it makes
                part, file = nested, nested.file
        else:
            continue
        if depth + 1 > best[0]:
            best = (depth + 1, part, file)
    return best


def inline_rule_block(group: Block, rule: Rule) -> Block | None:
    """The group's nested block that declares `rule`: the first `ingress`/`egress` block whose
    literal settings agree with it, else the first `dynamic` one (its values are computed),
    else None."""
    for nested in group.blocks:
        if nested.type == rule.direction and _agrees(nested, rule):
            return nested
    return next((nested for nested in group.blocks
                 if nested.type == "dynamic" and nested.labels[:1] == (rule.direction,)), None)


def inline_acl_entry(acl: Block, rule: AclRule) -> Block | None:
    """The network ACL's nested `ingress`/`egress` block whose rule_no is the entry's number,
    else the first `dynamic` one of that way, else None."""
    way = "egress" if rule.egress else "ingress"
    for nested in acl.blocks:
        if nested.type == way and to_port(_literal(nested, "rule_no")) == rule.number:
            return nested
    return next((nested for nested in acl.blocks if nested.type == "dynamic" and nested.labels[:1] == (way,)), None)


def _agrees(block: Block, rule: Rule) -> bool:
    """Whether no literal setting of `block` contradicts `rule`: a setting that is computed, or
    a part of the rule that is unknown, agrees."""
    protocol = _literal(block, "protocol")
    if protocol is not _COMPUTED and rule.protocol is not None and normalize_protocol(protocol) != rule.protocol:
        return False
    if rule.protocol != "all":  # (all traffic is every port, whatever ports the block gives)
        for name, port in (("from_port", rule.from_port), ("to_port", rule.to_port)):
            written = _literal(block, name)
            if written is not _COMPUTED and isinstance(port, int) and to_port(written) != port:
                return False
    cidrs = block.attributes.get("cidr_blocks")
    if cidrs is not None and isinstance(cidrs.expr, TupleExpr) and all(
            isinstance(item, Literal) for item in cidrs.expr.items):
        if any(network(item.value) not in rule.cidrs for item in cidrs.expr.items):
            return False
    return _same_kinds_of_peer(block, rule) and _names_its_groups(block, rule)


def _same_kinds_of_peer(block: Block, rule: Rule) -> bool:
    """A rule with addresses comes from a block that lists some, a rule naming groups from one
    with `security_groups`, a self rule from one with `self`: two blocks on one port are told
    apart by whom they admit."""
    written = block.attributes
    if rule.cidrs and "cidr_blocks" not in written and "ipv6_cidr_blocks" not in written:
        return False
    if rule.groups and "security_groups" not in written:
        return False
    return not (rule.self_ref and "self" not in written)


def _names_its_groups(block: Block, rule: Rule) -> bool:
    """`security_groups = [aws_security_group.alb.id]` declares a rule naming that group (in
    whatever module instance); a list that is not only such references agrees with any rule."""
    groups = block.attributes.get("security_groups")
    if groups is None or not isinstance(groups.expr, TupleExpr) or not groups.expr.items:
        return True
    named = [_resource_of(item) for item in groups.expr.items]
    if None in named:
        return True
    declared = {".".join(strip_keys(group).split(".")[-2:]) for group in rule.groups}
    return bool(set(named) & declared)


def _resource_of(expr) -> str | None:
    """`aws_security_group.alb` for `aws_security_group.alb.id` or `aws_security_group.alb[0].id`."""
    steps: list[str] = []
    while isinstance(expr, (GetAttr, Index)):
        if isinstance(expr, GetAttr):
            steps.append(expr.name)
        expr = expr.target
    if not isinstance(expr, Name) or "_" not in expr.name or expr.name in _NOT_RESOURCES or not steps:
        return None
    return f"{expr.name}.{steps[-1]}"


_NOT_RESOURCES = frozenset({"each", "count", "self", "path", "terraform"})


_COMPUTED = object()


def _literal(block: Block, name: str):
    attribute = block.attributes.get(name)
    if attribute is None or not isinstance(attribute.expr, Literal):
        return _COMPUTED
    return attribute.expr.value
