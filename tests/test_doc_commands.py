"""Every `tflint-sg` command that README.md and docs/*.md show in a ```sh block runs as written.

Each runs from a copy of the repository's files it needs (fixtures/, rules/ and any other path it
names, under a `.git` folder so that paths resolve as in the repository), after the commands
above it in its block, as a reader typing the block would run them. It must exit 0 or 2 (never
1: an error), print no traceback, and write the files it names (-o, FORMAT:FILE,
--write-baseline, `> FILE`). Lines that do not start with `tflint-sg` (terraform, pip) are not run.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, run_in_process

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ALWAYS_COPIED = ("fixtures", "rules")
FILE_OPTIONS = ("-o", "--output", "--write-baseline")
FORMAT_OPTIONS = ("-f", "--format")


@dataclass(frozen=True)
class Command:
    document: str  # relative to the repository
    line: int
    block: int  # the line of the block's opening fence
    text: str

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"


def _commands(path: Path) -> list[Command]:
    commands, fence, block = [], None, 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        opened = re.match(r"^(`{3,})(\S*)\s*$", line)
        if fence is None and opened:
            fence, block, in_sh = opened[1], number, opened[2] == "sh"
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is not None and in_sh and line.startswith("tflint-sg"):
            commands.append(Command(path.relative_to(ROOT).as_posix(), number, block, line))
    return commands


COMMANDS = [command for path in DOCUMENTS for command in _commands(path)]


@dataclass
class Outcome:
    code: int
    stderr: str
    missing: list[str]  # files the command names as written, not there after it ran


def _arguments(text: str) -> tuple[list[str], str | None]:
    """The command's arguments (without `tflint-sg` and its comment) and the file its standard
    output is redirected to, if any."""
    words = shlex.split(text, comments=True)[1:]
    if ">" in words:
        at = words.index(">")
        return words[:at] + words[at + 2:], words[at + 1]
    return words, None


def _value(words: list[str], at: int) -> tuple[str, str | None]:
    """The option at `at` and its value, written `--opt VALUE` or `--opt=VALUE`."""
    option, equals, value = words[at].partition("=")
    if equals:
        return option, value
    return option, words[at + 1] if at + 1 < len(words) else None


def _written(words: list[str]) -> list[str]:
    """The files the arguments ask to be written, relative to the directory the run is in."""
    files, chdir = [], "."
    for at, word in enumerate(words):
        option, value = _value(words, at)
        if value is None:
            continue
        if option in FILE_OPTIONS:
            files.append(value)
        elif option in FORMAT_OPTIONS and re.match(r"^[a-z]+:.", value):
            files.append(value.split(":", 1)[1])
        elif option == "--chdir":
            chdir = value
    return [str(Path(chdir) / name) for name in files]


def _copy_named_paths(words: list[str], into: Path) -> None:
    """Copy what the arguments name from the repository, beside fixtures/ and rules/."""
    for word in words:
        for part in {word, word.partition("=")[2], word.partition(":")[2]}:
            if not part or Path(part).is_absolute() or part.startswith(".."):
                continue
            source = (ROOT / part).resolve()
            if source == ROOT or not source.exists() or ROOT not in source.parents:
                continue
            target = into / source.relative_to(ROOT)
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target)


def _stamp(path: Path) -> tuple[int, int] | None:
    """When the file was last written and its size; None when it is not there or empty."""
    if not path.is_file() or not path.stat().st_size:
        return None
    return path.stat().st_mtime_ns, path.stat().st_size


_block_outcomes: dict[tuple[str, int], list[Outcome]] = {}


def _run_block(command: Command, tmp_path_factory) -> list[Outcome]:
    """The outcome of each command of the command's block, run in order in one copy."""
    key = (command.document, command.block)
    if key not in _block_outcomes:
        directory = tmp_path_factory.mktemp("docs")
        (directory / ".git").mkdir()
        for name in ALWAYS_COPIED:
            shutil.copytree(ROOT / name, directory / name, symlinks=True)
        outcomes = []
        for each in (c for c in COMMANDS if (c.document, c.block) == key):
            words, redirect = _arguments(each.text)
            _copy_named_paths(words, directory)
            named = _written(words)
            before = {name: _stamp(directory / name) for name in named}
            run = run_in_process(*words, cwd=directory)
            if redirect:
                (directory / redirect).write_text(run.stdout, encoding="utf-8")
            missing = [name for name in named if _stamp(directory / name) in (None, before[name])]
            if redirect and not (directory / redirect).stat().st_size:
                missing.append(redirect)
            outcomes.append(Outcome(run.code, run.stderr, missing))
        _block_outcomes[key] = outcomes
    return _block_outcomes[key]


@pytest.mark.parametrize("command", COMMANDS, ids=[command.id for command in COMMANDS])
def test_a_documented_command_runs(command, tmp_path_factory):
    in_block = [c for c in COMMANDS if (c.document, c.block) == (command.document, command.block)]
    outcome = _run_block(command, tmp_path_factory)[in_block.index(command)]
    assert "Traceback" not in outcome.stderr, f"{command.text}\n{outcome.stderr}"
    assert outcome.code in (0, 2), f"{command.text}: exit {outcome.code}\n{outcome.stderr}"
    assert not outcome.missing, f"{command.text}: did not write {outcome.missing}"


def test_the_documents_show_commands():
    """The README shows how to run the tool on this repository, and so does the user guide."""
    documents = {command.document for command in COMMANDS}
    assert {"README.md", "docs/user-guide.md", "docs/ci.md"} <= documents, documents


def test_the_quick_start_is_what_ci_runs():
    """The README's quick start is exactly the two commands .ci/run calls."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("\n## Quick start\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.startswith("pip install ")]
    assert quick_start.splitlines() == ci
