"""The `tflint_sg` fixture runs the command line inside the test process; each run must start as
a fresh `python -m tflint_sg` would, or a test could pass in process and fail for a user."""

import ast
import importlib
import pkgutil
from pathlib import Path

import tflint_sg
from conftest import CACHED_FUNCTIONS, FRESH_GLOBALS, ROOT, run_in_process, run_process

# Process-wide state left alone between runs, and why.
KEPT = {
    ("tflint_sg.load.hcl.cache", "_code_tag"): "a digest of the installed parser code, the same in every process",
    **{(f"tflint_sg.load.expressions.library_{name}", "FUNCTIONS"): "a table of functions, written at import"
       for name in ("strings", "collections", "numbers")},
}


def _modules():
    for info in pkgutil.walk_packages(tflint_sg.__path__, "tflint_sg."):
        if not info.name.endswith("__main__"):
            yield importlib.import_module(info.name)


def test_every_cache_and_global_of_the_package_is_reset_between_runs():
    registered = {(name, attribute) for name, attributes in FRESH_GLOBALS.items() for attribute in attributes}
    caches = {id(getattr(importlib.import_module(name), function))
              for name, functions in CACHED_FUNCTIONS.items() for function in functions}
    fresh = {id(getattr(importlib.import_module(name), attribute)) for name, attribute in registered}
    missing = []
    for module in _modules():
        for attribute, value in vars(module).items():
            if callable(getattr(value, "cache_clear", None)) and id(value) not in caches:
                missing.append(f"{module.__name__}.{attribute} (a functools cache)")
            elif (isinstance(value, (dict, list, set)) and not value and id(value) not in fresh
                  and (module.__name__, attribute) not in KEPT):
                missing.append(f"{module.__name__}.{attribute} (empty at import: filled by a run?)")
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                missing += [f"{module.__name__}.{name} (set by `global`)" for name in node.names
                            if (module.__name__, name) not in registered | set(KEPT)]
    assert not missing, "reset these in conftest.FRESH_GLOBALS or CACHED_FUNCTIONS, or list them in KEPT: " + \
        ", ".join(sorted(set(missing)))


def test_no_cache_does_not_outlive_its_run(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(cache))
    assert run_in_process("--no-cache", "fixtures/story").code == 2 and not cache.exists()
    # The next run is a new process: its cache is on again, and keeps the story's parsed files.
    assert run_in_process("fixtures/story").code == 2
    assert [path for path in cache.rglob("*") if path.is_file()]


def test_a_run_in_process_says_what_the_process_says(tmp_path):
    deep = tmp_path / "deep"
    deep.mkdir()
    (deep / "main.tf").write_text("locals {\n  deep = " + "[" * 300 + "]" * 300 + "\n}\n")
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  format = "compact"\n}\n')
    for args, cwd in ((("--format", "sarif", "fixtures/story"), ROOT),
                      (("graph", "--format", "mermaid", "fixtures/nlb/plan.json"), ROOT),
                      (("--verbose", "fixtures/unknowns/plan.json", "no-such-plan.json"), ROOT),
                      (("--no-cache", str(deep), str(ROOT / "fixtures" / "story")), tmp_path)):
        inside, outside = run_in_process(*args, cwd=cwd), run_process(*args, cwd=cwd)
        assert (inside.code, inside.stdout, inside.stderr) == (outside.code, outside.stdout, outside.stderr), args
