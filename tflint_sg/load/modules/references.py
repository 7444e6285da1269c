"""Every reference in a module must name something the module declares: Terraform refuses a
configuration that refers to an undeclared variable, local value, module call, resource or data
source, so this tool does too, instead of evaluating the reference to an unknown value.

The check errs on the side of silence: names whose scope this module does not follow (iterators,
`self`, provider-defined functions, the blocks of `moved`, `import`, `removed` and `check`, and
block types newer than this tool) are never reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from tflint_sg.errors import InputError
from tflint_sg.load.hcl.syntax import (Attribute, Binary, Block, Call, Conditional, For, GetAttr, Index, Literal, Name,
                                       ObjectExpr, Splat, Template, TupleExpr, Unary)

# Roots of references that are not a resource type, even where they hold an underscore.
_BUILT_IN_ROOTS = frozenset({"count", "each", "self", "path", "terraform", "var", "local", "module", "data",
                             "ephemeral", "resource"})
# The top-level blocks whose references are checked. The others hold addresses (`moved`, `import`,
# `removed`), have scopes of their own (`check`), or are newer than this tool.
_CHECKED_BLOCKS = frozenset({"resource", "data", "ephemeral", "module", "output", "locals", "variable", "provider"})
# Attributes that hold provider addresses, attribute names, types or literals (the JSON syntax
# reads a variable's default and description as they are written, `${` and all), not references.
_UNCHECKED_ATTRIBUTES = {
    "resource": {"provider"}, "data": {"provider"}, "ephemeral": {"provider"},
    "module": {"providers", "source", "version"}, "variable": {"type", "default", "description"},
    "output": {"description"}, "lifecycle": {"ignore_changes"},
}
_ANY_NAME = "*"  # bound where an iterator's name cannot be read: no reference is checked there


@dataclass
class Declarations:
    """What one module declares, override files included."""

    variables: set[str] = field(default_factory=set)
    locals: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)
    resources: set[tuple[str, str]] = field(default_factory=set)
    data: set[tuple[str, str]] = field(default_factory=set)
    ephemeral: set[tuple[str, str]] | None = field(default_factory=set)  # None: not all could be read

    @classmethod
    def of(cls, blocks: list[Block]) -> Declarations:
        declared = cls()
        for block in blocks:
            labels = block.labels
            if block.type == "locals":
                declared.locals.update(block.attributes)
            elif block.type == "variable" and labels:
                declared.variables.add(labels[0])
            elif block.type == "module" and labels:
                declared.calls.add(labels[0])
            elif block.type in ("resource", "data") and len(labels) == 2:
                (declared.resources if block.type == "resource" else declared.data).add((labels[0], labels[1]))
            elif block.type == "ephemeral" and declared.ephemeral is not None:
                if len(labels) == 2:
                    declared.ephemeral.add((labels[0], labels[1]))
                else:  # the JSON syntax's reader does not take ephemeral blocks' labels
                    declared.ephemeral = None
        return declared


@dataclass(frozen=True)
class _Reference:
    root: str
    names: tuple[str, ...]  # the attribute names right after the root, up to the first index


def check_references(blocks: list[Block], overrides: list[Block], module: str, display=str) -> None:
    """Raise an InputError for the first reference (by file and line) in `blocks` to something
    the module does not declare. `blocks`: the module's, override files merged in; `overrides`:
    the override files' own blocks, which declare too. `module`: "the root module" or
    `module.app`, as Terraform names it; `display` turns a file into the path the user reads."""
    declared = Declarations.of(list(blocks) + list(overrides))
    # A merged block keeps its own file; an attribute an override file set is on that file's line
    # (the merged copy keeps no position, but holds the same expression).
    in_override = {id(attribute.expr): (block.file, attribute.line)
                   for block in overrides for attribute in block.attributes.values()}
    problems = sorted((in_override.get(id(attribute.expr), (file, attribute.line)) + (problem,)
                       for reference, attribute, file in _references(blocks)
                       for problem in [_undeclared(reference, declared)] if problem), key=lambda p: p[:2])
    if problems:
        file, line, problem = problems[0]
        raise InputError(display(file), f"{problem} is not declared in {module}", line)


# Arguments of a module block that are Terraform's, not the module's variables.
_CALL_META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


def check_call_arguments(instances, display=str) -> None:
    """Raise an InputError for the first argument (by file and line) of a module call that the
    called module declares no variable for: Terraform refuses such a call ("Unsupported
    argument"), most often because the installed module is another version than the one the
    call was written for. `instances`: the module instances read, each with its `call` block
    (None for the root) and the `definition` it was called with."""
    problems = []
    seen: set[tuple[int, str]] = set()
    for instance in instances:
        call, definition = instance.call, instance.definition
        if call is None or (id(call), definition.directory) in seen:
            continue
        seen.add((id(call), definition.directory))
        for name, attribute in call.attributes.items():
            if name not in _CALL_META_ARGUMENTS and name not in definition.variables:
                problems.append((call.file, attribute.line, name, call.labels[0] if call.labels else "?"))
    if problems:
        file, line, name, label = sorted(problems)[0]
        raise InputError(display(file), f'Unsupported argument: module "{label}" declares no variable "{name}", '
                         "so Terraform refuses the call (is the installed module the version the call was "
                         "written for? run `terraform init`)", line)


def _undeclared(reference: _Reference, declared: Declarations) -> str | None:
    root, names = reference.root, reference.names
    if root == "var" and names and names[0] not in declared.variables:
        return f"Reference to undeclared input variable: var.{names[0]}"
    if root == "local" and names and names[0] not in declared.locals:
        return f"Reference to undeclared local value: local.{names[0]}"
    if root == "module" and names and names[0] not in declared.calls:
        return f"Reference to undeclared module: module.{names[0]}"
    if root == "data" and len(names) >= 2 and (names[0], names[1]) not in declared.data:
        return f"Reference to undeclared resource: data.{names[0]}.{names[1]}"
    if root == "ephemeral" and len(names) >= 2 and declared.ephemeral is not None and \
            (names[0], names[1]) not in declared.ephemeral:
        return f"Reference to undeclared ephemeral resource: ephemeral.{names[0]}.{names[1]}"
    if root not in _BUILT_IN_ROOTS and "_" in root and names and (root, names[0]) not in declared.resources:
        return f"Reference to undeclared resource: {root}.{names[0]}"
    return None


def _references(blocks: list[Block]) -> Iterator[tuple[_Reference, Attribute, str]]:
    """Each reference, with the attribute that holds it and the file of its block."""
    for block in blocks:
        if block.type in _CHECKED_BLOCKS:
            yield from _block_references(block, frozenset())


def _block_references(block: Block, bound: frozenset[str]) -> Iterator[tuple[_Reference, Attribute, str]]:
    if block.type == "dynamic":
        bound = bound | _iterator_names(block)
    skipped = _UNCHECKED_ATTRIBUTES.get(block.type, ())
    for name, attribute in block.attributes.items():
        if name not in skipped:
            for root, names in expression_references(attribute.expr, bound):
                yield _Reference(root, names), attribute, block.file
    for nested in block.blocks:
        yield from _block_references(nested, bound)


def _iterator_names(dynamic: Block) -> frozenset[str]:
    """The names a `dynamic` block binds: its label, and its `iterator` (a bare name in HCL, a
    string in JSON); `_ANY_NAME` when the iterator is written some other way."""
    names = set(dynamic.labels[:1])
    iterator = dynamic.attributes.get("iterator")
    if iterator is not None:
        expr = iterator.expr
        if isinstance(expr, Name):
            names.add(expr.name)
        elif isinstance(expr, Literal) and isinstance(expr.value, str):
            names.add(expr.value)
        else:
            names.add(_ANY_NAME)
    return frozenset(names)


def expression_references(expr, bound: frozenset[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(root, attribute names after it) of each reference in `expr` whose root `bound` leaves free."""
    steps: list[str | None] = []  # from the outside in; None for an index
    node = expr
    while isinstance(node, (GetAttr, Index)):
        if isinstance(node, GetAttr):
            steps.append(node.name)
        else:
            steps.append(None)
            yield from expression_references(node.key, bound)
        node = node.target
    if steps:
        if isinstance(node, Name):
            if node.name not in bound and _ANY_NAME not in bound:
                names = []
                for step in reversed(steps):
                    if step is None:
                        break
                    names.append(step)
                yield node.name, tuple(names)
        else:
            yield from expression_references(node, bound)
        return
    if isinstance(node, Splat):
        yield from expression_references(node.target, bound)
        for kind, step in node.steps:
            if kind == "index":
                yield from expression_references(step, bound)
    elif isinstance(node, For):
        yield from expression_references(node.collection, bound)
        inner = bound | {node.value_name} | ({node.key_name} if node.key_name else set())
        for part in (node.key, node.value, node.condition):
            if part is not None:
                yield from expression_references(part, inner)
    else:
        for child in _children(node):
            yield from expression_references(child, bound)


def _children(node) -> tuple:
    if isinstance(node, Template):
        return tuple(part for part in node.parts if not isinstance(part, str))
    if isinstance(node, TupleExpr):
        return node.items
    if isinstance(node, ObjectExpr):
        return tuple(part for item in node.items for part in item)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Conditional):
        return node.condition, node.if_true, node.if_false
    if isinstance(node, Binary):
        return node.left, node.right
    if isinstance(node, Unary):
        return (node.operand,)
    return ()  # a literal, a lone name, or an expression this tool does not read
