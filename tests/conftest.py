import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus" / "plans"


def fixture_cases() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if (p / "plan.json").is_file())


class Run:
    def __init__(self, completed: subprocess.CompletedProcess):
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture(scope="session", autouse=True)
def private_parse_cache(tmp_path_factory):
    """The tests' runs keep their parse cache to themselves, not in the user's ~/.cache."""
    os.environ["TFLINT_SG_CACHE_DIR"] = str(tmp_path_factory.mktemp("parse-cache"))


@pytest.fixture
def tflint_sg():
    """Run the real command line, as a user would, from the repository root."""

    def run(*args: str, cwd: Path = ROOT) -> Run:
        completed = subprocess.run(
            [sys.executable, "-m", "tflint_sg", *args], cwd=cwd, capture_output=True, text=True, timeout=120
        )
        return Run(completed)

    return run


def benchmark_generator():
    """benchmarks/generate.py, which is a script, not part of the package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
