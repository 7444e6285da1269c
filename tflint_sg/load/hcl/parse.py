"""Terraform files -> blocks and attributes with their source lines and expression ASTs.

`.tf` files are parsed with python-hcl2's grammar (hcl/tree.py); `.tf.json` files follow
Terraform's JSON syntax, where strings may hold `${...}` templates. Parsed files are kept for
the run and in the parse cache (hcl/cache.py), and parsed over several cores when many are
new.
"""

from __future__ import annotations

import json
import os

from tflint_sg.errors import InputError
from tflint_sg.load.hcl import cache as parse_cache
from tflint_sg.paths import decode_utf8, read_bytes
from tflint_sg.load.hcl.syntax import Attribute, Block, Expr, Literal, ObjectExpr, TupleExpr


_parsed: dict[tuple, list[Block]] = {}
# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_FROM = 48


def parse_file(path: str) -> list[Block]:
    """The top-level blocks of one file; a file is parsed once per run, however many root
    modules call the module it belongs to, and not at all when the parse cache has it.

    Blocks name their file by its absolute path, whatever spelling found it, so a cached parse
    is right from any working directory; errors name the file as it was given."""
    absolute = os.path.abspath(path)
    memo = _memo_key(path, absolute)
    if memo not in _parsed:
        data = read_bytes(path)
        entry = parse_cache.key(absolute, data)
        blocks = parse_cache.load(entry)
        if blocks is None:
            try:
                blocks = _parse_uncached(absolute, data)
            except InputError as error:
                error.path = path
                raise
            if entry is not None:  # (the cache is on)
                parse_cache.store(entry, parse_cache.encode(entry, blocks))
        _parsed[memo] = blocks
    return _parsed[memo]


def begin_run(cache: bool = True) -> None:
    """Starts a run: files are parsed (or read from the cache) afresh, and the cache is used
    only if `cache`. A front end that runs many times in one process (tests, an editor) gets
    each run as a fresh process would."""
    _parsed.clear()
    parse_cache.begin(enabled=cache)


def flush_cache() -> None:
    """Writes the files parsed since the last call to the parse cache, in one pack: the
    loaders call it when they have parsed what a run needs."""
    parse_cache.flush()


def parse_files(paths: list[str]) -> None:
    """Parses the files `parse_file` will be asked for, spread over the cores when there are
    many that the cache does not hold. Only speed depends on it: a file that fails here is
    left for `parse_file` to parse again and report."""
    todo: list[tuple[tuple, str | None, str, bytes]] = []
    for path in dict.fromkeys(os.path.abspath(path) for path in paths):
        try:
            memo = _memo_key(path, path)
            if memo in _parsed:
                continue
            data = read_bytes(path)
        except InputError:
            continue
        entry = parse_cache.key(path, data)
        blocks = parse_cache.load(entry)
        if blocks is not None:
            _parsed[memo] = blocks
        else:
            todo.append((memo, entry, path, data))
    jobs = [(path, data, entry) for _, entry, path, data in todo]
    encoded = _parse_in_workers(jobs)
    if encoded is None:
        encoded = [_parse_and_encode(job) for job in jobs]
    for (memo, entry, _, _), data in zip(todo, encoded):
        blocks = parse_cache.decode(entry, data) if data is not None else None
        if blocks is not None:
            _parsed[memo] = blocks
            parse_cache.store(entry, data)


def _parse_in_workers(jobs: list[tuple[str, bytes, str | None]]) -> list[bytes | None] | None:
    """Each job's encoded blocks, parsed in forked workers; None when there are too few jobs to
    be worth it, or the workers cannot run here."""
    from tflint_sg import forked

    workers = forked.workers_for(len(jobs), PARALLEL_FROM // 2)
    if not workers:
        return None
    from tflint_sg.load.hcl.tree import prepare_parser

    prepare_parser()  # built once here, inherited by the forked workers
    # A worker sends the blocks encoded as the cache keeps them: encoded once, for both.
    return forked.map_in_workers(_parse_and_encode, jobs, workers, chunksize=max(1, len(jobs) // (workers * 8)))


def _memo_key(path: str, absolute: str) -> tuple:
    try:
        status = os.stat(path)
    except OSError as error:
        raise InputError(path, f"cannot be read: {error.strerror or error}") from None
    return (absolute, status.st_mtime_ns, status.st_size)


def _parse_and_encode(job: tuple[str, bytes, str | None]) -> bytes | None:
    """Parses one file (in a worker, when there are several): the blocks encoded as the cache
    keeps them, or None if it cannot be parsed or encoded."""
    path, data, entry = job
    try:
        return parse_cache.encode(entry, _parse_uncached(path, data))
    except Exception:
        return None


def _parse_uncached(path: str, data: bytes) -> list[Block]:
    text = decode_utf8(path, data).replace("\r\n", "\n")  # the grammar knows only \n line ends
    if path.endswith(".json"):
        return _parse_json(path, text)
    from tflint_sg.load.hcl.tree import parse_hcl

    return parse_hcl(path, text)


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
    # JSON carries no positions we can cheaply recover; a block points at line 1 of its file.
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
            block.attributes[name] = Attribute(name, _json_expr(value), 1, 1)
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
        if "${" not in value and "%{" not in value:
            return Literal(value)
        from tflint_sg.load.hcl.tree import template_expr

        return template_expr(value)
    if isinstance(value, list):
        return TupleExpr(tuple(_json_expr(v) for v in value))
    if isinstance(value, dict):
        return ObjectExpr(tuple((Literal(k), _json_expr(v)) for k, v in value.items()))
    return Literal(value)

