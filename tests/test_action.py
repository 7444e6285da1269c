"""The GitHub Action (action.yml) and the workflow the README shows for it.

The run step's script is run with bash as the runner runs a `shell: bash` step, against a stand-in
`tflint-sg` on PATH: these tests are about what the Action's script does with each outcome of a
run (a report written or not, exit 0, 1 or 2), which the stand-in produces on demand.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

BASH = shutil.which("bash")
# How the runner starts a step whose shell is `bash` (GitHub's workflow syntax, `shell`).
RUNNER_BASH = ("--noprofile", "--norc", "-eo", "pipefail")
INPUT = re.compile(r"^\$\{\{\s*inputs\.([\w-]+)\s*\}\}$")

needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def _steps() -> list[dict]:
    return _action()["runs"]["steps"]


def _uses(prefix: str) -> list[dict]:
    return [step for step in _steps() if step.get("uses", "").startswith(prefix)]


def _step(step_id: str) -> dict:
    (step,) = [step for step in _steps() if step.get("id") == step_id]
    return step


def _defaults() -> dict[str, str]:
    return {name: spec.get("default") for name, spec in _action()["inputs"].items()}


def _step_env(step: dict, inputs: dict[str, str]) -> dict[str, str]:
    """The step's env:, each `${{ inputs.NAME }}` given the input's value (a default unless set)."""
    values = {**_defaults(), **inputs}
    env = {}
    for name, expression in step.get("env", {}).items():
        found = INPUT.match(str(expression))
        assert found, f"{name}: {expression!r} is not an input"
        env[name] = values[found.group(1)]
    return env


def _run_script(step: dict, cwd: Path, inputs: dict[str, str], path: str,
                extra_env: dict[str, str]) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """Runs the step's script as the runner would; returns the run and the outputs it set."""
    assert step["shell"] == "bash"
    script = cwd.parent / f"{step['id']}.sh"
    script.write_text(step["run"])
    outputs = cwd.parent / f"{step['id']}.outputs"
    outputs.write_text("")
    env = {**os.environ, **extra_env, **_step_env(step, inputs), "GITHUB_OUTPUT": str(outputs), "PATH": path}
    completed = subprocess.run([BASH, *RUNNER_BASH, str(script)], cwd=cwd, env=env, capture_output=True,
                               text=True, timeout=120)
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return completed, written


# A stand-in for tflint-sg: records its arguments, writes the SARIF file named by
# `--format sarif:FILE` when told to, prints a line of text, exits with the status it is told.
STAND_IN = """\
import json, os, sys
arguments = sys.argv[1:]
with open(os.environ["STAND_IN_CALLS"], "a") as calls:
    calls.write(json.dumps(arguments) + "\\n")
if os.environ["STAND_IN_WRITES"] == "yes":
    (target,) = [value.removeprefix("sarif:") for value in arguments if value.startswith("sarif:")]
    with open(target, "w") as report:
        report.write('{"version": "2.1.0", "runs": []}')
print("stand-in text report")
sys.exit(int(os.environ["STAND_IN_EXIT"]))
"""


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A workspace to run the step in, and a stand-in `tflint-sg` first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "tflint-sg"
    stand_in.write_text(f"#!{sys.executable}\n{STAND_IN}")
    stand_in.chmod(0o755)
    root = tmp_path / "workspace"
    root.mkdir()
    return root


def _run_with_stand_in(workspace: Path, writes: bool, exit_status: int, **inputs: str):
    calls = workspace.parent / "calls.jsonl"
    calls.write_text("")
    completed, outputs = _run_script(
        _step("run"), workspace, inputs, path=f"{workspace.parent / 'bin'}{os.pathsep}{os.environ['PATH']}",
        extra_env={"STAND_IN_CALLS": str(calls), "STAND_IN_WRITES": "yes" if writes else "no",
                   "STAND_IN_EXIT": str(exit_status)})
    return completed, outputs, [json.loads(line) for line in calls.read_text().splitlines()]


def test_inputs_and_their_defaults():
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert _defaults() == {"paths": ".", "args": "", "sarif-file": "tflint-sg.sarif",
                           "fail-on-findings": "true", "python-version": "3.12"}
    assert set(action["outputs"]) == {"sarif-file"}
    assert action["outputs"]["sarif-file"]["value"] == "${{ steps.run.outputs.sarif-file }}"


def test_the_ci_page_gives_every_input_its_real_default():
    rows = re.findall(r"^\| `([\w-]+)` \| `([^`]*)` \|", (ROOT / "docs" / "ci.md").read_text(), re.M)
    assert {name: value.strip('"') for name, value in rows} == _defaults()


def test_the_description_fits_the_marketplace_and_names_code_security():
    description = _action()["description"]
    assert len(description) < 125, "GitHub Marketplace takes a description of fewer than 125 characters"
    assert "GitHub Code Security" in description and "private" in description


def test_python_is_a_pinned_version():
    (setup,) = _uses("actions/setup-python@")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert re.fullmatch(r"3\.\d+", _defaults()["python-version"]), "a minor version, not a range"


def test_actions_used_are_pinned_to_commits():
    used = [step["uses"] for step in _steps() if "uses" in step]
    assert used
    for uses in used:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{uses}: pin a commit"
    text = (ROOT / "action.yml").read_text()
    assert all(re.search(re.escape(uses) + r"\s+# v\d+\.\d+\.\d+\n", text) for uses in used), \
        "each pinned commit is followed by the tag it is"


def test_pip_cache_is_keyed_on_the_actions_own_pyproject(tmp_path):
    steps = _steps()
    (setup,) = _uses("actions/setup-python@")
    # setup-python's `cache: pip` hashes files of the repository being checked only, and fails
    # when none matches: in a Terraform repository nothing does.
    assert "cache" not in setup["with"]
    assert setup["id"] == "python"
    find = _step("pip-cache")
    (restore,) = _uses("actions/cache/restore@")
    (save,) = _uses("actions/cache/save@")
    install = next(step for step in steps if "pip install" in step.get("run", ""))
    # Saved once installed, before the run whose findings may fail the job (a failed job's
    # post steps would not save it).
    assert (steps.index(setup) < steps.index(find) < steps.index(restore) < steps.index(install)
            < steps.index(save) < steps.index(_step("run")))
    assert restore["with"]["path"] == save["with"]["path"] == "${{ steps.pip-cache.outputs.dir }}"
    key = restore["with"]["key"]
    for part in ("${{ runner.os }}", "${{ steps.python.outputs.python-version }}",
                 "${{ steps.pip-cache.outputs.pyproject }}"):
        assert part in key
    assert key.startswith(restore["with"]["restore-keys"])
    assert save["with"]["key"] == f"${{{{ steps.{restore['id']}.outputs.cache-primary-key }}}}"
    assert save["if"] == f"steps.{restore['id']}.outputs.cache-hit != 'true'"

    if BASH is None:
        pytest.skip("bash is not installed")
    action_path = tmp_path / "action"
    action_path.mkdir()
    (action_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes() + b"\n# changed\n")
    work = tmp_path / "workspace"
    work.mkdir()
    completed, outputs = _run_script(find, work, {}, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                                     extra_env={"GITHUB_ACTION_PATH": str(action_path)})
    assert completed.returncode == 0, completed.stderr
    assert outputs["pyproject"] == hashlib.sha256((action_path / "pyproject.toml").read_bytes()).hexdigest()
    assert Path(outputs["dir"]).is_absolute()


def test_tflint_sg_is_installed_from_the_actions_own_checkout():
    (install,) = [step for step in _steps() if "pip install" in step.get("run", "")]
    assert install["run"].split()[-1] == '"$GITHUB_ACTION_PATH"'


def test_inputs_reach_the_scripts_through_env_only():
    for step in _steps():
        assert "${{" not in step.get("run", ""), step.get("name")


@needs_bash
def test_one_recursive_run_writes_sarif_and_text(workspace):
    completed, outputs, calls = _run_with_stand_in(
        workspace, writes=True, exit_status=0, paths="infra plan.json", args="--var-file prod.tfvars")
    assert completed.returncode == 0, completed.stderr
    # One run; ARGS and PATHS split on whitespace into separate arguments.
    assert calls == [["--recursive", "--format", "sarif:tflint-sg.sarif", "--format", "text",
                      "--var-file", "prod.tfvars", "infra", "plan.json"]]
    assert "stand-in text report" in completed.stdout  # the text format reaches the job log
    assert outputs == {"sarif-file": "tflint-sg.sarif"}


@needs_bash
def test_the_default_paths_are_the_workspace(workspace):
    _, _, calls = _run_with_stand_in(workspace, writes=True, exit_status=0)
    assert calls == [["--recursive", "--format", "sarif:tflint-sg.sarif", "--format", "text", "."]]


@needs_bash
@pytest.mark.parametrize(("writes", "exit_status", "fail_on_findings", "step_status"), [
    (True, 0, "true", 0),    # no issues
    (True, 2, "true", 2),    # issues fail the step...
    (True, 2, "false", 0),   # ...unless fail-on-findings is false
    (True, 2, "True", 2),    # the input is read as YAML's booleans are written, in any case
    (True, 2, "FALSE", 0),
    (False, 1, "true", 1),   # an error before the report was written
    (False, 1, "false", 1),  # an error fails the step whatever fail-on-findings says
    (True, 1, "false", 1),   # an error with a report written (an input that could not be read)
])
def test_the_output_is_set_only_when_the_report_exists(workspace, writes, exit_status, fail_on_findings,
                                                       step_status):
    (workspace / "out").mkdir()
    completed, outputs, _ = _run_with_stand_in(workspace, writes=writes, exit_status=exit_status,
                                               **{"fail-on-findings": fail_on_findings, "sarif-file": "out/scan.sarif"})
    assert completed.returncode == step_status, completed.stdout + completed.stderr
    assert (workspace / "out" / "scan.sarif").is_file() == writes
    assert outputs == ({"sarif-file": "out/scan.sarif"} if writes else {})
    assert ("::notice::" in completed.stdout) == (exit_status == 2)


@needs_bash
def test_the_reports_directory_is_made(workspace):
    completed, outputs, _ = _run_with_stand_in(workspace, writes=True, exit_status=0,
                                               **{"sarif-file": "reports/scan/tflint-sg.sarif"})
    assert completed.returncode == 0, completed.stderr
    assert (workspace / "reports" / "scan" / "tflint-sg.sarif").is_file()
    assert outputs == {"sarif-file": "reports/scan/tflint-sg.sarif"}


@needs_bash
def test_a_report_left_from_before_is_not_taken_for_this_runs(workspace):
    (workspace / "tflint-sg.sarif").write_text('{"runs": []}')
    completed, outputs, _ = _run_with_stand_in(workspace, writes=False, exit_status=1)
    assert completed.returncode == 1
    assert outputs == {}
    assert not (workspace / "tflint-sg.sarif").exists()


# --- the workflow README.md shows ------------------------------------------------------------

def _readme_workflow() -> dict:
    blocks = re.findall(r"^```ya?ml\n(.*?)^```", (ROOT / "README.md").read_text(), flags=re.M | re.S)
    workflows = [block for block in blocks if "upload-sarif" in block]
    assert len(workflows) == 1, "README.md shows one workflow that uploads the SARIF report"
    return yaml.safe_load(workflows[0])


def test_readme_workflow_uploads_the_actions_sarif_file():
    workflow = _readme_workflow()
    assert workflow["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    (action,) = [step for step in steps if step.get("uses", "").startswith("tflint-sg/tflint-sg@")]
    (upload,) = [step for step in steps if "upload-sarif" in step.get("uses", "")]
    assert steps.index(action) < steps.index(upload)
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    output = f"steps.{action['id']}.outputs.sarif-file"
    assert upload["with"]["sarif_file"] == f"${{{{ {output} }}}}"
    # Uploaded after issues fail the step (not after a cancel), and only when a report was written.
    condition = upload["if"]
    assert "!cancelled()" in condition and f"{output} != ''" in condition
    assert "hashFiles" not in condition
