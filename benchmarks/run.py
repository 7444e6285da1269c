"""Times tflint-sg as a user runs it (a whole process: start, read, analyze, write SARIF) on
generated plans and repositories of growing size, and prints a Markdown table.

For each plan it also times the floor to beat, decoding the same file with the standard
library's `json.load` (in a process of its own, and the decode alone), fits wall time against
size to report how the cost grows (an exponent of 1 is linear), and, when checkov is found
(--checkov PATH, or on PATH), times it on the same inputs and prints the ratio.

    python benchmarks/run.py              # plans of 100 to 20,000 resources, a 50,000-line repository
    python benchmarks/run.py --large      # also 100,000 resources (about 200 MB)
    python benchmarks/run.py --quick      # small sizes only, to try the harness
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (a script beside this one, not a package)

PLAN_RESOURCES = (100, 1_000, 5_000, 10_000, 20_000)
LARGE_RESOURCES = (100_000,)
QUICK_RESOURCES = (100, 1_000)
REPOSITORY_STACKS = (125, 160)  # 1,001 files / 39,000 lines; 1,281 files / 50,000 lines
JSON_LOAD = ("import json, sys, time\n"
             "start = time.perf_counter()\n"
             "with open(sys.argv[1], 'rb') as handle:\n"
             "    json.load(handle)\n"
             "print(time.perf_counter() - start)\n")
# The floors as the tool runs: in one process, the garbage collector off (cli.main turns it off),
# each the best of three: `json.load` with the collector on and off, and the tool's own typed
# decode (msgspec structs, values kept raw), which is all a plan's bytes must cost it.
PLAN_FLOORS = ("import gc, json, sys, time\n"
               "from tflint_sg.load.plan.decode import decode_plan\n"
               "data = open(sys.argv[1], 'rb').read()\n"
               "def best(decode, collect):\n"
               "    (gc.enable if collect else gc.disable)()\n"
               "    times = []\n"
               "    for _ in range(3):\n"
               "        start = time.perf_counter(); value = decode(); times.append(time.perf_counter() - start)\n"
               "        del value; gc.collect()\n"
               "    return min(times)\n"
               "print(best(lambda: json.loads(data), True), best(lambda: json.loads(data), False),\n"
               "      best(lambda: decode_plan(data, sys.argv[1]), False))\n")
# The parser's floor for HCL: python-hcl2's lark parse of each file alone (no tree walk, no
# cache), in one process with the collector off, as a cold run's parse workers do.
PARSE_FLOOR = ("import gc, sys, time\n"
               "import hcl2\n"
               "gc.disable(); hcl2.parses_to_tree('')\n"
               "texts = [open(path).read() for path in sys.argv[1:]]\n"
               "start = time.perf_counter()\n"
               "for text in texts:\n"
               "    hcl2.parses_to_tree(text)\n"
               "print(time.perf_counter() - start)\n")
STORY = Path(__file__).resolve().parent.parent / "fixtures" / "story" / "plan.json"
PRE_COMMIT_ROOTS = 30


@dataclass
class Measure:
    wall: float  # seconds, the median of the repeats
    peak: int  # bytes, the largest resident set of the repeats
    output: str = ""


def run(command: list[str], repeats: int, env: dict | None = None, before=None, cwd: Path | None = None) -> Measure:
    walls, peaks, output = [], [], ""
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                   cwd=cwd)
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        # Linux reports kilobytes, macOS bytes.
        peaks.append(usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024))
        output = out.decode(errors="replace")
        if os.waitstatus_to_exitcode(status) not in (0, 1, 2):
            raise SystemExit(f"{command[0]} failed: {output[-500:]}")
    return Measure(statistics.median(walls), max(peaks), output)


def generate_in_a_process(arguments: list[str]) -> None:
    # Not in this process: Linux counts a parent's peak memory in the peak of the children it
    # starts, so a harness grown by writing a 200 MB plan would inflate every figure after.
    subprocess.run([sys.executable, str(Path(__file__).with_name("generate.py")), *arguments], check=True,
                   stderr=subprocess.DEVNULL)


def tflint_sg_command(given: str | None) -> list[str]:
    found = given or shutil.which("tflint-sg")
    return [found] if found else [sys.executable, "-m", "tflint_sg"]


def tool_python(tool: list[str]) -> str:
    """The interpreter that runs `tool`, for the floors, which import its packages: the one a
    console script's first line names (through `env`, or the `exec` line of pip's /bin/sh
    launcher), when it can import tflint_sg; else this one."""
    candidates = []
    if tool[0] != sys.executable:
        try:
            with open(tool[0], "rb") as handle:
                head = handle.read(1024).decode(errors="replace").splitlines()
        except OSError:
            head = []
        words = head[0][2:].split() if head and head[0].startswith("#!") else []
        if words and os.path.basename(words[0]) == "env" and len(words) > 1:
            candidates.append(shutil.which(words[1]) or "")
        elif words and os.path.basename(words[0]) == "sh":
            for line in head[1:3]:
                if "exec" in line and '"' in line:
                    candidates.append(line.split('"')[1])
        elif words:
            candidates.append(words[0])
    for python in candidates:
        if python and os.path.exists(python) and subprocess.run(
                [python, "-c", "import tflint_sg"], capture_output=True).returncode == 0:
            return python
    return sys.executable


def checkov_command(given: str | None) -> list[str] | None:
    found = given or shutil.which("checkov")
    return [found] if found else None


def fit_exponent(points: list[tuple[float, float]]) -> float | None:
    """The slope of log(time) against log(size): 1 is linear, 2 quadratic."""
    if len(points) < 2:
        return None
    xs = [math.log(size) for size, _ in points]
    ys = [math.log(seconds) for _, seconds in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else None


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            kilobytes = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
        memory = f", {kilobytes / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def bench_version(tool: list[str]) -> str:
    measure = run(tool + ["--version"], repeats=11)
    return f"`tflint-sg --version`: {measure.wall * 1000:.0f} ms (median of 11 runs)"


def bench_story(tool: list[str], work: Path, repeats: int, figures: dict) -> str:
    measure = run(tool + [str(STORY), "-o", str(work / "story.txt")], max(repeats, 11))
    figures["story"] = measure
    return f"The story's plan (fixtures/story/plan.json, text output), whole process: {measure.wall * 1000:.0f} ms."


def plan_floors(python: str, plan: Path) -> tuple[float, float, float]:
    """json.load with the collector on, off, and the typed decode, in seconds."""
    done = subprocess.run([python, "-c", PLAN_FLOORS, str(plan)], check=True, capture_output=True, text=True)
    gc_on, gc_off, typed = (float(value) for value in done.stdout.split())
    return gc_on, gc_off, typed


def bench_plans(tool: list[str], checkov: list[str] | None, sizes, work: Path, repeats: int,
                checkov_max: int, figures: dict) -> list[str]:
    per_stack = generate.resources_per_stack()
    rows = ["| resources | plan | size | tflint-sg (SARIF) | peak memory | memory / size | `json.load` process "
            "| `json.load`, GC on | `json.load`, GC off | typed decode | tflint-sg / typed decode "
            "| checkov | checkov / tflint-sg |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    points: dict[str, list[tuple[float, float]]] = {"one line": [], "indented": []}
    for resources in sizes:
        stacks = max(1, round(resources / per_stack))
        for layout, indent in (("one line", False), ("indented", True)):
            plan = work / f"plan-{stacks}-{'indented' if indent else 'line'}.json"
            generate_in_a_process(["--stacks", str(stacks)] + (["--indent"] if indent else []) + [str(plan)])
            size = plan.stat().st_size
            ours = run(tool + [str(plan), "--format", "sarif", "-o", str(work / "out.sarif")], repeats)
            process = run([sys.executable, "-c", JSON_LOAD, str(plan)], repeats)
            gc_on, gc_off, typed = plan_floors(tool_python(tool), plan)
            points[layout].append((stacks * per_stack, ours.wall))
            if not indent:
                figures[f"plan {resources}"] = (ours, size)
            theirs, ratio = "", ""
            if checkov and stacks * per_stack <= checkov_max:
                them = run(checkov + ["-f", str(plan), "--framework", "terraform_plan", "--quiet", "--compact",
                                      "-o", "sarif", "--output-file-path", str(work / "checkov")], 1)
                theirs, ratio = f"{them.wall:.2f} s", f"{them.wall / ours.wall:.0f}x"
            rows.append(f"| {stacks * per_stack:,} | {layout} | {megabytes(size)} | {ours.wall:.2f} s | "
                        f"{megabytes(ours.peak)} | {ours.peak / size:.1f}x | {process.wall:.2f} s | "
                        f"{gc_on:.3f} s | {gc_off:.3f} s | {typed:.3f} s | {ours.wall / typed:.0f}x | "
                        f"{theirs} | {ratio} |")
            plan.unlink()
    rows.append("")
    for layout, measured in points.items():
        # Below a few thousand resources the start-up (about 0.1 s) is most of the time.
        large = [point for point in measured if point[0] >= 5_000]
        exponent = fit_exponent(large)
        if exponent is not None:
            rows.append(f"Time grows as resources^{exponent:.2f} ({layout} plans, {len(large)} sizes from 5,000 "
                        "resources; 1 is linear).")
    return rows


def bench_repositories(tool: list[str], checkov: list[str] | None, sizes, work: Path, repeats: int,
                       figures: dict) -> list[str]:
    rows = ["| stacks | files | lines | first run (empty cache) | second run (cached) | `--no-cache` "
            "| first / `--no-cache` | peak memory | lark parse alone (one core) | checkov "
            "| checkov / tflint-sg (first run) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for stacks in sizes:
        repository = work / f"repo-{stacks}"
        generate_in_a_process(["--stacks", str(stacks), "--hcl", str(repository)])
        (repository / ".git").mkdir()
        files = sorted(repository.rglob("*.tf"))
        lines = sum(path.read_text().count("\n") for path in files)
        cache = work / "cache"
        env = {**os.environ, "TFLINT_SG_CACHE_DIR": str(cache)}
        command = tool + [str(repository), "--format", "sarif", "-o", str(work / "out.sarif")]
        first = run(command, repeats, env, before=lambda: shutil.rmtree(cache, ignore_errors=True))
        second = run(command, repeats, env)
        uncached = run(command + ["--no-cache"], repeats, env)
        parse = subprocess.run([tool_python(tool), "-c", PARSE_FLOOR, *map(str, files)], check=True,
                               capture_output=True, text=True)
        parse_alone = float(parse.stdout)
        figures[f"repository {stacks}"] = (first, second, uncached)
        theirs, ratio = "", ""
        if checkov:
            them = run(checkov + ["-d", str(repository), "--framework", "terraform", "--quiet", "--compact",
                                  "-o", "sarif", "--output-file-path", str(work / "checkov")], 1)
            theirs, ratio = f"{them.wall:.2f} s", f"{them.wall / first.wall:.0f}x"
        rows.append(f"| {stacks} | {len(files):,} | {lines:,} | {first.wall:.2f} s | {second.wall:.2f} s | "
                    f"{uncached.wall:.2f} s | {percent(first.wall / uncached.wall - 1)} | "
                    f"{megabytes(max(first.peak, second.peak))} | {parse_alone:.2f} s "
                    f"({parse_alone / len(files) * 1000:.1f} ms a file) | {theirs} | {ratio} |")
        shutil.rmtree(repository)
    return rows


def bench_pre_commit(tool: list[str], work: Path, repeats: int, figures: dict) -> list[str]:
    """pre-commit after an edit: one file changed in a module that 30 root modules reach three
    calls down, the file's name the only argument (as the hook passes it), the cache warm."""
    repository = work / "monorepo"
    generate_in_a_process(["--monorepo", str(PRE_COMMIT_ROOTS), str(repository)])
    (repository / ".git").mkdir()
    changed = repository / "modules" / "security" / "app.tf"
    original = changed.read_text()
    cache = work / "cache-pre-commit"
    env = {**os.environ, "TFLINT_SG_CACHE_DIR": str(cache)}
    command = tool + [str(changed.relative_to(repository))]  # the text format, as the hook prints it
    edits = iter(range(1, 1_000_000))

    def edit() -> None:
        changed.write_text(original + f"# edit {next(edits)}\n")

    # Fills the cache from the tree before the edits, as the commits before this one did.
    run(command, 1, env, cwd=repository)
    measure = run(command, repeats, env, before=edit, cwd=repository)
    inputs = summary_inputs(measure.output)
    if inputs is None:
        raise SystemExit(f"the pre-commit case did not run: {measure.output[-500:]}")
    figures["pre-commit"] = (measure, inputs)
    shutil.rmtree(repository)
    shutil.rmtree(cache, ignore_errors=True)
    return [f"pre-commit, one file changed in a module {PRE_COMMIT_ROOTS} root modules reach three calls down "
            f"(cache warm): {measure.wall:.2f} s, {inputs} inputs checked."]


def summary_inputs(output: str) -> int | None:
    """How many inputs the text format's summary says were checked."""
    for line in reversed(output.splitlines()):
        words = line.split()
        if "input" in line and "in" in words:
            try:
                return int(words[words.index("in") + 1].replace(",", ""))
            except (ValueError, IndexError):
                return None
    return None


def percent(fraction: float) -> str:
    return f"{fraction * 100:+.0f}%"


TARGETS = (  # case, the figure this run measured, the target, as the issue set them
    ("warm, 50k lines (1,281 files)", "< 0.35 s"),
    ("cold with cache writes vs `--no-cache`", "< +5%"),
    ("story plan, whole process", "< 80 ms"),
    ("plan, 10,000 resources", "< 0.4 s"),
    ("plan, 100,000 resources", "< 3 s, memory < 3x the file"),
    ("pre-commit: one changed file in a shared module called by 30 roots (3 levels deep), warm",
     "< 0.4 s, all 30 callers checked"),
)


def targets_table(figures: dict) -> list[str]:
    measured = {}
    if "repository 160" in figures:
        first, second, uncached = figures["repository 160"]
        measured[TARGETS[0][0]] = f"{second.wall:.2f} s"
        measured[TARGETS[1][0]] = f"{percent(first.wall / uncached.wall - 1)} ({first.wall:.2f} s vs {uncached.wall:.2f} s)"
    if "story" in figures:
        measured[TARGETS[2][0]] = f"{figures['story'].wall * 1000:.0f} ms"
    if "plan 10000" in figures:
        measured[TARGETS[3][0]] = f"{figures['plan 10000'][0].wall:.2f} s"
    if "plan 100000" in figures:
        ours, size = figures["plan 100000"]
        measured[TARGETS[4][0]] = f"{ours.wall:.2f} s, memory {ours.peak / size:.1f}x the file"
    if "pre-commit" in figures:
        measure, inputs = figures["pre-commit"]
        measured[TARGETS[5][0]] = f"{measure.wall:.2f} s, {inputs} callers checked"
    rows = ["| case | this run | target |", "|---|---:|---:|"]
    rows += [f"| {case} | {measured.get(case, 'not run')} | {target} |" for case, target in TARGETS]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--large", action="store_true", help="also 100,000 resources")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("--tflint-sg", metavar="PATH", help="the tflint-sg executable (default: on PATH)")
    parser.add_argument("--checkov", metavar="PATH", help="the checkov executable (default: checkov on PATH)")
    parser.add_argument("--checkov-max-resources", type=int, default=5_000,
                        help="largest plan to time checkov on (it is slow)")
    args = parser.parse_args(argv)
    tool = tflint_sg_command(os.path.abspath(args.tflint_sg) if args.tflint_sg else None)
    checkov = checkov_command(args.checkov)
    sizes = QUICK_RESOURCES if args.quick else PLAN_RESOURCES + (LARGE_RESOURCES if args.large else ())
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="tflint-sg-bench-") as directory:
        work = Path(directory)
        lines = [bench_version(tool), bench_story(tool, work, args.repeats, figures), ""]
        lines += bench_pre_commit(tool, work, args.repeats, figures)
        lines += ["", "Plans (generated three-tier stacks, 28 resources each; floors in one process, "
                  "the best of 3):", ""]
        lines += bench_plans(tool, checkov, sizes, work, args.repeats, args.checkov_max_resources, figures)
        lines += ["", "Repositories (a module copy per stack, 8 files each):", ""]
        lines += bench_repositories(tool, checkov, REPOSITORY_STACKS[:1] if args.quick else REPOSITORY_STACKS,
                                    work, args.repeats, figures)
        if not checkov:
            lines += ["", "checkov: not found (--checkov PATH to compare)."]
    head = [f"Machine: {machine()}.", f"tflint-sg: {' '.join(tool)}.", "",
            f"Targets (medians of {args.repeats} runs, the story's of {max(args.repeats, 11)}; this run):", ""]
    print("\n".join(head + targets_table(figures) + [""] + lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
