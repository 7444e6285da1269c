"""docs/rules.md is written by docs/rules_index.py from the rule documents, never by hand."""

import dataclasses
import importlib.util
import subprocess
import sys

from conftest import ROOT

INDEX = ROOT / "docs" / "rules.md"
SCRIPT = ROOT / "docs" / "rules_index.py"


def _script():
    """docs/rules_index.py, which is a script, not part of the package."""
    spec = importlib.util.spec_from_file_location("rules_index", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rules_index_is_what_the_rule_documents_give():
    script = _script()
    written = INDEX.read_text(encoding="utf-8")
    assert written == script.render(script.documents()), (
        "docs/rules.md differs from what rules/*.md give: run `python docs/rules_index.py`")


def test_a_changed_summary_changes_the_index():
    script = _script()
    docs = script.documents()
    changed = [dataclasses.replace(docs[0], summary="Something else | entirely."), *docs[1:]]
    rendered = script.render(changed)
    assert rendered != INDEX.read_text(encoding="utf-8")
    assert f"| [{docs[0].id}](../rules/{docs[0].id}.md) | {docs[0].kind} | {docs[0].severity} | " \
           "Something else \\| entirely. |" in rendered.splitlines()


def test_check_says_how_to_regenerate(tmp_path):
    """`--check` passes on the index as committed, and names the command when the index is stale."""
    assert subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True,
                          timeout=60).returncode == 0
    copy = tmp_path / "docs"
    copy.mkdir()
    (copy / "rules_index.py").write_text(SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
    (copy / "rules.md").write_text(INDEX.read_text(encoding="utf-8").replace("| error |", "| notice |", 1),
                                   encoding="utf-8")
    (tmp_path / "rules").symlink_to(ROOT / "rules")
    (tmp_path / "tflint_sg").symlink_to(ROOT / "tflint_sg")
    stale = subprocess.run([sys.executable, str(copy / "rules_index.py"), "--check"], capture_output=True,
                           text=True, timeout=60)
    assert stale.returncode == 1
    assert stale.stderr == "docs/rules.md is not what the rule documents give: run `python docs/rules_index.py`\n"
