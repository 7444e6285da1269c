"""The package as it is built and installed: what the sdist and the wheel hold, the version it
reports, and a wheel installed in a new virtualenv running as a user runs it."""

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import tflint_sg
from conftest import FIXTURES, ROOT


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "tflint_sg").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_the_installed_version_is_the_packages_version():
    assert importlib.metadata.version("tflint-sg") == tflint_sg.__version__
    # The console script pip installed beside this interpreter, as a user runs it.
    command = shutil.which("tflint-sg", path=str(Path(sys.executable).parent))
    assert command, "tflint-sg is not installed beside the interpreter running the tests"
    completed = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=120)
    assert (completed.returncode, completed.stdout) == (0, f"tflint-sg {tflint_sg.__version__}\n")


def _built(source: Path, outdir: Path) -> tuple[Path, Path]:
    """`python -m build` of a copy of the checkout (building writes build/ and *.egg-info into the
    tree it builds): (sdist, wheel)."""
    copy = outdir.parent / "source"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".venv", ".terraform"))
    completed = subprocess.run([sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", str(outdir)],
                               cwd=copy, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    (sdist,) = outdir.glob("*.tar.gz")
    (wheel,) = outdir.glob("*.whl")
    return sdist, wheel


def _story_findings(findings: list[dict]) -> set[tuple]:
    return {(f["rule"], f.get("subject", f.get("target")), f.get("port")) for f in findings}


@pytest.mark.slow
def test_the_built_wheel_installs_and_runs_in_a_new_virtualenv(tmp_path):
    sdist, wheel = _built(ROOT, tmp_path / "dist")
    rule_docs = {path.name for path in (ROOT / "rules").glob("*.md")}

    with tarfile.open(sdist) as archive:
        (top,) = {name.split("/", 1)[0] for name in archive.getnames()}
        in_sdist = {name.removeprefix(top + "/") for name in archive.getnames()}
    assert {"LICENSE", "README.md", "pyproject.toml"} <= in_sdist
    assert {f"rules/{name}" for name in rule_docs} <= in_sdist

    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    assert {f"tflint_sg/ruledocs/{name}" for name in rule_docs} <= in_wheel  # --explain reads them
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in in_wheel)
    assert not [name for name in in_wheel if name.startswith(("fixtures/", "tests/", "rules/"))]

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    # The dependencies come from the package index, as they do for a user.
    installed = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                                str(wheel)], capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stdout[-4000:] + installed.stderr[-4000:]
    command = shutil.which("tflint-sg", path=str(bin_dir))
    assert command, "the wheel installed no tflint-sg command"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([command, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)

    version = run("--version")
    assert (version.returncode, version.stdout) == (0, f"tflint-sg {tflint_sg.__version__}\n")

    doc = (ROOT / "rules" / "aws_lb_target_traffic_blocked.md").read_text()
    title = next(line for line in doc.splitlines() if line.startswith("# "))
    explained = run("--explain", "aws_lb_target_traffic_blocked")
    assert explained.returncode == 0, explained.stderr
    assert title in explained.stdout.splitlines()

    expected = json.loads((FIXTURES / "story" / "expected.json").read_text())["findings"]
    assert len(expected) == 2
    story = run("fixtures/story/plan.json")
    assert story.returncode == 2, story.stderr
    assert all(f": {finding['rule']}: " in story.stdout for finding in expected), story.stdout
    story = run("--format", "json", "fixtures/story/plan.json")
    assert story.returncode == 2, story.stderr
    assert _story_findings(json.loads(story.stdout)["findings"]) == _story_findings(expected)
