"""The tool's page and its rules' pages come from pyproject.toml's [project.urls], set once."""

import subprocess
import sys
import tomllib

import pytest

from conftest import ROOT

PLAN = "fixtures/story/plan.json"


def _pyproject_urls() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]


def _urls_written(tflint_sg) -> tuple[str, dict, set]:
    """informationUri, each rule's helpUri, and the text output's `docs:` links."""
    driver = tflint_sg("--format", "sarif", PLAN).json()["runs"][0]["tool"]["driver"]
    help_uris = {rule["id"]: rule["helpUri"] for rule in driver["rules"]}
    text = tflint_sg(PLAN).stdout
    docs = {line.removeprefix("  docs: ") for line in text.splitlines() if line.startswith("  docs: ")}
    assert docs
    return driver["informationUri"], help_uris, docs


def _rule_pages(base: str, rule_ids) -> dict:
    return {rule_id: f"{base.rstrip('/')}/{rule_id}.md" for rule_id in rule_ids}


def test_urls_are_the_ones_pyproject_sets(tflint_sg):
    urls = _pyproject_urls()
    homepage, help_uris, docs = _urls_written(tflint_sg)
    assert homepage == urls["Homepage"]
    assert help_uris == _rule_pages(urls["Documentation"], help_uris)
    assert docs <= set(help_uris.values())


@pytest.mark.parametrize("installed", [True, False])
def test_a_fork_sets_them_once(tflint_sg, monkeypatch, tmp_path, installed):
    """From the installed metadata, or (not installed) from the pyproject.toml of the checkout."""
    from tflint_sg import project

    fork = {"Homepage": "https://example.org/fork", "Documentation": "https://example.org/fork/v2/rules/"}
    if installed:
        monkeypatch.setattr(project, "_installed_urls", lambda: fork)
    else:
        checkout = tmp_path / "pyproject.toml"
        checkout.write_text('[project]\nname = "tflint-sg"\n\n[project.urls]\n'
                            + "".join(f'{label} = "{url}"\n' for label, url in fork.items()))
        monkeypatch.setattr(project, "_installed_urls", dict)
        monkeypatch.setattr(project, "_pyproject", lambda: checkout)
    homepage, help_uris, docs = _urls_written(tflint_sg)
    assert homepage == fork["Homepage"]
    assert help_uris == _rule_pages(fork["Documentation"], help_uris)
    assert docs <= set(help_uris.values())


def test_nothing_reads_package_metadata_at_start_up():
    code = ("import sys, tflint_sg.cli, tflint_sg.ruledoc, tflint_sg.report.sarif, tflint_sg.report.text; "
            "print('importlib.metadata' in sys.modules)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert completed.stdout.strip() == "False"
