"""Writes what tflint-sg prints for a set of inputs, in every format, so two versions of the
code can be compared byte for byte (a restructuring must not change a single byte).

    python benchmarks/same_output.py OUT_DIR [INPUT ...]

Without INPUT it takes every fixture (its directory, and its plan.json) and, when it is there,
every plan in ../shared/corpus/plans. Each run is the real command in its own process, from the
repository root, with the code of the checkout named by --code (default: this one) and a parse
cache of its own. Each output file holds the exit code, standard error and standard output.
Compare two runs with `diff -r OUT_A OUT_B`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECKS = {
    "text": ["--verbose"],
    "compact": ["--format", "compact"],
    "json": ["--format", "json"],
    "sarif": ["--format", "sarif"],
    "github": ["--format", "github"],
    "markdown": ["--format", "markdown"],
    "graph-json": ["graph"],
    "graph-mermaid": ["graph", "--format", "mermaid"],
    "graph-dot": ["graph", "--format", "dot"],
}


def default_inputs() -> list[str]:
    inputs = []
    for fixture in sorted((ROOT / "fixtures").iterdir()):
        if fixture.is_dir():
            inputs.append(os.path.relpath(fixture, ROOT))
            if (fixture / "plan.json").is_file():
                inputs.append(os.path.relpath(fixture / "plan.json", ROOT))
    corpus = ROOT.parent / "shared" / "corpus" / "plans"
    if corpus.is_dir():
        inputs.extend(os.path.relpath(plan, ROOT) for plan in sorted(corpus.glob("*.json")))
    return inputs


def run(code: Path, cache: str, out_dir: Path, name: str, path: str, flags: list[str]) -> None:
    arguments = flags[:1] + [path] + flags[1:] if flags[:1] == ["graph"] else flags + [path]
    environment = dict(os.environ, TFLINT_SG_CACHE_DIR=cache, NO_COLOR="1")
    # The working directory comes first on a child's sys.path: put the code under test before it.
    launcher = f"import sys; sys.path.insert(0, {str(code)!r}); from tflint_sg.cli import main; main()"
    completed = subprocess.run([sys.executable, "-c", launcher, *arguments], cwd=ROOT, env=environment,
                               capture_output=True, timeout=600)
    label = path.replace("/", "__").replace(".", "_")
    (out_dir / f"{label}.{name}").write_bytes(
        b"exit %d\n--- stderr\n%s--- stdout\n%s" % (completed.returncode, completed.stderr, completed.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("inputs", nargs="*")
    parser.add_argument("--code", default=str(ROOT), help="the checkout whose tflint_sg runs")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    options = parser.parse_intermixed_args()
    out_dir = Path(options.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = options.inputs or default_inputs()
    with tempfile.TemporaryDirectory() as cache, ThreadPoolExecutor(options.jobs) as pool:
        jobs = [pool.submit(run, Path(options.code).resolve(), cache, out_dir, name, path, flags)
                for path in inputs for name, flags in CHECKS.items()]
        for job in jobs:
            job.result()
    print(f"{len(jobs)} outputs of {len(inputs)} inputs in {out_dir}")


if __name__ == "__main__":
    main()
