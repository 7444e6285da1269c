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


@dataclass
class Measure:
    wall: float  # seconds, the median of the repeats
    peak: int  # bytes, the largest resident set of the repeats
    output: str = ""


def run(command: list[str], repeats: int, env: dict | None = None, before=None) -> Measure:
    walls, peaks, output = [], [], ""
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
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


def bench_plans(tool: list[str], checkov: list[str] | None, sizes, work: Path, repeats: int,
                checkov_max: int) -> list[str]:
    per_stack = generate.resources_per_stack()
    rows = ["| resources | plan | size | tflint-sg (SARIF) | peak memory | memory / size | `json.load` process "
            "| `json.load` alone | checkov | checkov / tflint-sg |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    points: dict[str, list[tuple[float, float]]] = {"one line": [], "indented": []}
    for resources in sizes:
        stacks = max(1, round(resources / per_stack))
        for layout, indent in (("one line", False), ("indented", True)):
            plan = work / f"plan-{stacks}-{'indented' if indent else 'line'}.json"
            generate_in_a_process(["--stacks", str(stacks)] + (["--indent"] if indent else []) + [str(plan)])
            size = plan.stat().st_size
            ours = run(tool + [str(plan), "--format", "sarif", "-o", str(work / "out.sarif")], repeats)
            floor = run([sys.executable, "-c", JSON_LOAD, str(plan)], repeats)
            decode_alone = float(floor.output.strip())
            points[layout].append((stacks * per_stack, ours.wall))
            theirs, ratio = "", ""
            if checkov and stacks * per_stack <= checkov_max:
                them = run(checkov + ["-f", str(plan), "--framework", "terraform_plan", "--quiet", "--compact",
                                      "-o", "sarif", "--output-file-path", str(work / "checkov")], 1)
                theirs, ratio = f"{them.wall:.2f} s", f"{them.wall / ours.wall:.0f}x"
            rows.append(f"| {stacks * per_stack:,} | {layout} | {megabytes(size)} | {ours.wall:.2f} s | "
                        f"{megabytes(ours.peak)} | {ours.peak / size:.1f}x | {floor.wall:.2f} s | "
                        f"{decode_alone:.2f} s | {theirs} | {ratio} |")
            plan.unlink()
    rows.append("")
    for layout, measured in points.items():
        # Below a few thousand resources the start-up (about 0.2 s) is most of the time.
        large = [point for point in measured if point[0] >= 5_000]
        exponent = fit_exponent(large)
        if exponent is not None:
            rows.append(f"Time grows as resources^{exponent:.2f} ({layout} plans, {len(large)} sizes from 5,000 "
                        "resources; 1 is linear).")
    return rows


def bench_repositories(tool: list[str], checkov: list[str] | None, sizes, work: Path, repeats: int) -> list[str]:
    rows = ["| stacks | files | lines | first run (empty cache) | second run (cached) | `--no-cache` "
            "| peak memory | checkov | checkov / tflint-sg (first run) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for stacks in sizes:
        repository = work / f"repo-{stacks}"
        generate_in_a_process(["--stacks", str(stacks), "--hcl", str(repository)])
        (repository / ".git").mkdir()
        files = list(repository.rglob("*.tf"))
        lines = sum(path.read_text().count("\n") for path in files)
        cache = work / "cache"
        env = {**os.environ, "TFLINT_SG_CACHE_DIR": str(cache)}
        command = tool + [str(repository), "--format", "sarif", "-o", str(work / "out.sarif")]
        first = run(command, repeats, env, before=lambda: shutil.rmtree(cache, ignore_errors=True))
        second = run(command, repeats, env)
        uncached = run(command + ["--no-cache"], repeats, env)
        theirs, ratio = "", ""
        if checkov:
            them = run(checkov + ["-d", str(repository), "--framework", "terraform", "--quiet", "--compact",
                                  "-o", "sarif", "--output-file-path", str(work / "checkov")], 1)
            theirs, ratio = f"{them.wall:.2f} s", f"{them.wall / first.wall:.0f}x"
        rows.append(f"| {stacks} | {len(files):,} | {lines:,} | {first.wall:.2f} s | {second.wall:.2f} s | "
                    f"{uncached.wall:.2f} s | {megabytes(max(first.peak, second.peak))} | {theirs} | {ratio} |")
        shutil.rmtree(repository)
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
    tool = tflint_sg_command(args.tflint_sg)
    checkov = checkov_command(args.checkov)
    sizes = QUICK_RESOURCES if args.quick else PLAN_RESOURCES + (LARGE_RESOURCES if args.large else ())
    with tempfile.TemporaryDirectory(prefix="tflint-sg-bench-") as directory:
        work = Path(directory)
        lines = [f"Machine: {machine()}.", f"tflint-sg: {' '.join(tool)}.", "", bench_version(tool), "",
                 "Plans (generated three-tier stacks, 28 resources each):", ""]
        lines += bench_plans(tool, checkov, sizes, work, args.repeats, args.checkov_max_resources)
        lines += ["", "Repositories (a module copy per stack, 8 files each):", ""]
        lines += bench_repositories(tool, checkov, REPOSITORY_STACKS[:1] if args.quick else REPOSITORY_STACKS,
                                    work, args.repeats)
        if not checkov:
            lines += ["", "checkov: not found (--checkov PATH to compare)."]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
