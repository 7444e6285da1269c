"""The Mermaid diagrams we print are accepted by the real Mermaid library.

`graph --format mermaid` (and the diagram in `--format markdown`) is meant to be pasted into
pull-request comments and READMEs, where a syntax error shows as a red box instead of a picture.
These tests install Mermaid 11 with npm into a temporary directory and run `mermaid.parse()`
under Node (with jsdom standing in for the browser: Mermaid needs a `window` for DOMPurify;
`@mermaid-js/parser` alone does not know flowcharts). They skip when Node or npm is missing or
the install fails (no network).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, fixture_cases, run_in_process

PACKAGES = ("mermaid@11", "jsdom@26")  # jsdom 26 runs on Node 18 and later

# Reads a JSON list of {"id", "file"} and writes a JSON list of results to another file (not to
# stdout, where Mermaid may log).
PARSE_SCRIPT = r"""
import fs from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

const [manifest, output] = process.argv.slice(2);
const results = [];
for (const { id, file } of JSON.parse(fs.readFileSync(manifest, "utf8"))) {
  const text = fs.readFileSync(file, "utf8");
  try {
    const parsed = await mermaid.parse(text);
    results.push({ id, ok: true, diagramType: parsed.diagramType });
  } catch (error) {
    results.push({ id, ok: false, error: String(error && error.message ? error.message : error) });
  }
}
fs.writeFileSync(output, JSON.stringify(results));
"""


class Mermaid:
    """`parse({id: text})` returns {id: {"ok": bool, "diagramType" or "error": str}}."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.calls = 0

    def parse(self, diagrams: dict[str, str]) -> dict[str, dict]:
        self.calls += 1
        work = self.directory / f"batch{self.calls}"
        work.mkdir()
        manifest = []
        for index, (name, text) in enumerate(diagrams.items()):
            path = work / f"{index}.mmd"
            path.write_text(text, encoding="utf-8")
            manifest.append({"id": name, "file": str(path)})
        (work / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        completed = subprocess.run(
            ["node", str(self.directory / "parse.mjs"), str(work / "manifest.json"), str(work / "results.json")],
            cwd=self.directory, capture_output=True, text=True, timeout=120,
        )
        assert completed.returncode == 0, f"the Mermaid harness failed:\n{completed.stderr[-3000:]}"
        return {r["id"]: r for r in json.loads((work / "results.json").read_text(encoding="utf-8"))}


_install: tuple[Path, subprocess.Popen] | None = None


def start_in_background(items, tmp_path_factory) -> None:
    """Starts `npm install` of Mermaid into a temporary directory without waiting for it (the
    `mermaid` fixture waits). conftest calls this with the tests of this module that will run,
    before the first test, so npm works on the other core while the tests before these run."""
    global _install
    if items is not None and not any("mermaid_install" in item.fixturenames for item in items):
        return
    if _install is not None or any(shutil.which(tool) is None for tool in ("node", "npm")):
        return
    directory = tmp_path_factory.mktemp("mermaid")
    (directory / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    env = {**os.environ, "npm_config_update_notifier": "false"}
    # Its output goes to a file: a pipe nobody reads while other tests run could fill up.
    with open(directory / "npm-install.log", "w", encoding="utf-8") as log:
        install = subprocess.Popen(
            ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline",
             "--loglevel=error", "--fetch-retries=1", "--fetch-retry-maxtimeout=10000", *PACKAGES],
            cwd=directory, stdout=log, stderr=subprocess.STDOUT, text=True, env=env,
        )
    _install = directory, install
    atexit.register(_stop_install)


def _stop_install() -> None:
    """An install nobody waited for (the session ended first) is not left running."""
    if _install[1].poll() is None:
        _install[1].kill()
        _install[1].wait()


@pytest.fixture(scope="session")
def mermaid_install(tmp_path_factory) -> tuple[Path, subprocess.Popen]:
    """The `npm install` of Mermaid, under way (started here if conftest has not started it)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: cannot check the diagrams with Mermaid")
    start_in_background(None, tmp_path_factory)
    return _install


@pytest.fixture(scope="session")
def mermaid(mermaid_install) -> Mermaid:
    directory, install = mermaid_install
    try:
        install.wait(timeout=300)
    except subprocess.TimeoutExpired:
        install.kill()
        install.wait()
        pytest.skip(f"npm install {' '.join(PACKAGES)} timed out (no network?)")
    if install.returncode != 0:
        head = (directory / "npm-install.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[:3]
        pytest.skip(f"npm install {' '.join(PACKAGES)} failed (no network?): " + " / ".join(head))
    (directory / "parse.mjs").write_text(PARSE_SCRIPT, encoding="utf-8")
    return Mermaid(directory)


def _run(*args: str):
    return run_in_process(*args)


def _diagrams(case: str) -> dict[str, str]:
    """The diagrams one fixture produces: `graph --format mermaid`, and each ```mermaid block of
    `--format markdown` (the only place exposed endpoints are marked)."""
    folder = f"fixtures/{case}"
    graph = _run("graph", "--format", "mermaid", folder)
    assert graph.code == 0, graph.stderr
    assert graph.stdout.startswith("flowchart LR\n"), graph.stdout
    diagrams = {f"graph:{case}": graph.stdout}
    markdown = _run("--format", "markdown", folder)
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", markdown.stdout, flags=re.S | re.M)
    assert blocks, f"no mermaid block in the markdown report of {folder}:\n{markdown.stdout}{markdown.stderr}"
    for index, block in enumerate(blocks):
        diagrams[f"markdown:{case}:{index}"] = block
    return diagrams


@pytest.fixture(scope="session")
def fixture_diagrams(request) -> tuple[dict[str, str], dict[str, dict]]:
    """Every fixture's diagrams, drawn by the CLI (while npm installs Mermaid) and parsed by
    Mermaid in one go."""
    request.getfixturevalue("mermaid_install")
    diagrams = {name: text for case in fixture_cases() for name, text in _diagrams(case).items()}
    parser = request.getfixturevalue("mermaid")
    return diagrams, parser.parse(diagrams)


def test_every_fixture_has_a_diagram():
    assert len(fixture_cases()) > 10
    assert all((FIXTURES / case / "plan.json").is_file() for case in fixture_cases())


@pytest.mark.parametrize("case", fixture_cases())
def test_fixture_diagrams_parse_with_mermaid(case, fixture_diagrams):
    diagrams, results = fixture_diagrams
    names = [name for name in diagrams if name.split(":")[1] == case]
    assert len(names) >= 2  # the graph and at least one markdown block
    for name in names:
        result = results[name]
        assert result["ok"], f"Mermaid rejects the {name} diagram: {result.get('error')}\n\n{diagrams[name]}"
        assert result["diagramType"].startswith("flowchart"), result


def test_mermaid_rejects_broken_diagrams(mermaid):
    """The harness must be able to fail: broken diagrams are rejected, a good one is accepted."""
    good = (
        'flowchart LR\n  subgraph compute["Compute"]\n    n0["aws_instance.web[0] :80 ⚠ exposed"]\n  end\n'
        "  n1 -- tcp/80 ✗ --> n0\n  n1 -. tcp/dynamic .-> n0\n"
        "  linkStyle 0 stroke:#d00,stroke-width:2px,color:#d00\n  style n0 stroke:#e80,stroke-width:3px\n"
    )
    broken = {
        "syntax": 'flowchart LR\n  n0["aws_lb.web] -- --> \n  end end\n',
        "unclosed subgraph": 'flowchart LR\n  subgraph compute["Compute"]\n    n0["x"]\n',
        "linkStyle out of range": "flowchart LR\n  n0 -- tcp/80 --> n1\n  linkStyle 1 stroke:#d00\n",
        "no diagram type": "tiers LR\n  n0 --> n1\n",
    }
    results = mermaid.parse({"good": good, **broken})
    assert results["good"]["ok"], results["good"]
    for name in broken:
        assert not results[name]["ok"], f"Mermaid accepted the broken diagram ({name}):\n{broken[name]}"


def test_several_inputs_make_one_diagram(mermaid):
    run = _run("graph", "--format", "mermaid", "fixtures/story", "fixtures/nlb", "fixtures/ecs_awsvpc")
    assert run.code == 0, run.stderr
    assert run.stdout.count("flowchart") == 1
    (result,) = mermaid.parse({"several": run.stdout}).values()
    assert result["ok"], result.get("error")
