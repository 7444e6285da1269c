"""The pre-commit hook, as users meet it (the GitHub Action: test_action.py).

The hook test runs the real pre-commit on a throwaway repository holding the story's main.tf.
pre-commit installs the hook from a snapshot of this checkout's working tree (tracked and
untracked files, less what .gitignore ignores), committed in a repository of its own:
`pre-commit try-repo` would leave out files not yet added to git (a new
.pre-commit-hooks.yaml or module), and would build the hook's virtualenv anew for each run.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, ROOT

GIT = shutil.which("git")
IDENTITY = ("-c", "user.name=tflint-sg tests", "-c", "user.email=tests@tflint-sg.invalid")


def _env(tmp_path: Path) -> dict[str, str]:
    """pre-commit's cache in tmp_path; git without the user's configuration, hooks or repository."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(tmp_path / "cache"), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run([GIT, *IDENTITY, *args], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True).stdout


def _snapshot_checkout(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str]:
    """This checkout's working tree, committed in a repository of its own: (path, commit)."""
    listed = subprocess.run([GIT, "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    snapshot = tmp_path / "tflint-sg"
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    _git(snapshot, env, "init", "-q")
    _git(snapshot, env, "add", "-A")
    _git(snapshot, env, "commit", "-q", "--no-verify", "-m", "snapshot of the checkout")
    return snapshot, _git(snapshot, env, "rev-parse", "HEAD").strip()


def test_hook_fails_on_the_story_and_passes_once_fixed(tmp_path):
    if GIT is None:
        pytest.skip("git is not installed: pre-commit needs it")
    env = _env(tmp_path)
    hooks_repo, rev = _snapshot_checkout(tmp_path, env)

    infra = tmp_path / "infra"
    infra.mkdir()
    shutil.copy(FIXTURES / "story" / "main.tf", infra / "main.tf")
    (infra / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(hooks_repo), "rev": rev, "hooks": [{"id": "tflint-sg"}]}]}))
    _git(infra, env, "init", "-q")
    _git(infra, env, "config", "user.name", "tflint-sg tests")
    _git(infra, env, "config", "user.email", "tests@tflint-sg.invalid")
    _git(infra, env, "add", "-A")
    _git(infra, env, "commit", "-q", "--no-verify", "-m", "the story")

    def pre_commit_run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", "main.tf"],
                              cwd=infra, env=env, capture_output=True, text=True, timeout=900)

    first = pre_commit_run()
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    assert "An error has occurred" not in output, output  # the hook ran and failed, pre-commit did not
    assert "tflint-sg" in output and "Failed" in output, output
    assert "exit code: 2" in output, output  # issues found, not an error
    assert "aws_lb_target_traffic_blocked" in output, output
    assert "aws_instance.web[0]" in output, output

    # The fix: the ALB and the instances share a self-referencing group (which admits tcp/80 from
    # the ALB's group), and the database is on it too; `public` stays on the ALB alone.
    shutil.copy(FIXTURES / "story_fixed" / "main.tf", infra / "main.tf")
    _git(infra, env, "add", "main.tf")
    second = pre_commit_run()
    output = second.stdout + second.stderr
    assert second.returncode == 0, output
    assert "Passed" in output, output


def test_pre_commit_hook_manifest():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == hook["entry"] == "tflint-sg"
    assert hook["language"] == "python" and hook["pass_filenames"] and hook["require_serial"]
    # Only files the command line takes as Terraform source: anything else it reads as a plan.
    files = re.compile(hook["files"])
    assert all(files.search(name) for name in ("main.tf", "main.tf.json", "main.tofu", "prod.tfvars", "prod.tfvars.json"))
    assert not any(files.search(name) for name in ("plan.json", "terraform.tfstate"))
