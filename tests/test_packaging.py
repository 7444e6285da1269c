"""The package as it is installed: the packages its wheel holds, the version it reports."""

import importlib.metadata
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import tflint_sg
from conftest import ROOT


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
