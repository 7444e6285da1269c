"""Writes N copies of benchmarks/stack: as the plan `terraform show -json` would print, or as a
repository of Terraform files.

Planning thousands of stacks with Terraform takes minutes per size, so the generator plans
none: it replicates the per-stack parts of a real one-stack plan (`stack/plan-1.json`, made by
`plan_stacks.sh 1`) with each copy's address and names, and keeps Terraform's key order,
instance order and string escaping. tests/test_benchmark_generator.py checks the result
against a real plan of 12 stacks.

The repository gives each stack its own copy of the modules (8 files, about 420 lines), each
file made different by the stack's number and network, as repositories that copy a module per
environment are: no two files have the same content.

    python benchmarks/generate.py --stacks 100 out.json
    python benchmarks/generate.py --resources 10000 --indent out.json
    python benchmarks/generate.py --stacks 125 --hcl repo/
    python benchmarks/generate.py --monorepo 30 repo/
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("stack") / "plan-1.json"
FIRST_STACK = "module.stack[0]"
FIRST_NAME = '"shop0'
# Each placeholder stands where the copies of one per-stack list go in the document.
PLANNED, RELEVANT = "@@planned@@", "@@relevant@@"


def resources_per_stack(template: dict | None = None) -> int:
    template = template or json.loads(TEMPLATE.read_bytes())
    return len(template["resource_changes"])


def write_plan(out, stacks: int, indent: bool = False, template_bytes: bytes | None = None) -> None:
    """Writes the plan of `stacks` copies to the text stream `out`."""
    template = json.loads(template_bytes if template_bytes is not None else TEMPLATE.read_bytes())
    skeleton, parts = _split(template, stacks)
    text = _dumps(skeleton, indent)
    for placeholder, items in parts:
        order = range(stacks)
        if placeholder == PLANNED:
            # Terraform lists planned child modules by address as text: [0], [10], [11], [1], ...
            order = sorted(order, key=lambda stack: f"module.stack[{stack}]")
        head, text = text.split(f'"{placeholder}"', 1)
        line_start = head.rfind("\n") + 1
        prefix = head[line_start:] if indent else ""
        out.write(head)
        separator = ",\n" + prefix if indent else ","
        texts = [_indented(_dumps(item, indent), prefix) for item in items]
        out.write(separator.join(_copy(text, stack) for stack in order for text in texts))
    out.write(text)
    out.write("\n")


def write_repository(directory: Path, stacks: int) -> None:
    """Writes a root module calling `stacks` module copies, each under stacks/NNNN."""
    modules = TEMPLATE.parent / "modules"
    root_text = (TEMPLATE.parent / "main.tf").read_text()
    root_text = root_text[:root_text.index('variable "stacks"')]
    calls = [f'module "stack_{stack}" {{\n  source = "./stacks/{stack:04d}"\n  name   = "shop{stack}"\n}}\n'
             for stack in range(stacks)]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(root_text + "\n".join(calls))
    for stack in range(stacks):
        for source in sorted(modules.rglob("*.tf")):
            relative = source.relative_to(modules / "three_tier") if source.is_relative_to(modules / "three_tier") \
                else Path("security") / source.relative_to(modules / "security")
            text = source.read_text().replace('source   = "../security"', 'source   = "./security"')
            text = text.replace('"10.0.0.0/16"', f'"10.{stack % 256}.0.0/16"')
            target = directory / "stacks" / f"{stack:04d}" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"# stack {stack}: {relative}\n" + text)


def write_monorepo(directory: Path, roots: int) -> Path:
    """Writes `roots` root modules (live/NN) that all reach one shared module three calls down:
    live/NN -> modules/app -> modules/three_tier -> modules/security, the shape of a monorepo
    whose environments share their modules. Returns the shared module's file that the
    pre-commit case changes."""
    stack = TEMPLATE.parent
    root_text = (stack / "main.tf").read_text()
    root_text = root_text[:root_text.index('variable "stacks"')]
    for source in sorted((stack / "modules").rglob("*.tf")):
        target = directory / "modules" / source.relative_to(stack / "modules")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    (directory / "modules" / "app").mkdir(parents=True, exist_ok=True)
    (directory / "modules" / "app" / "main.tf").write_text(
        'variable "name" { type = string }\n\nmodule "tier" {\n  source = "../three_tier"\n  name   = var.name\n}\n')
    for root in range(roots):
        live = directory / "live" / f"{root:02d}"
        live.mkdir(parents=True, exist_ok=True)
        (live / "main.tf").write_text(
            root_text + f'module "app" {{\n  source = "../../modules/app"\n  name   = "shop{root}"\n}}\n')
    return directory / "modules" / "security" / "app.tf"


def _split(template: dict, stacks: int) -> tuple[dict, list[tuple[str, list]]]:
    """Takes the per-stack lists out of the template, leaving placeholders."""
    template["variables"]["stacks"]["value"] = str(stacks)
    planned = template["planned_values"]["root_module"]["child_modules"]
    changes = template["resource_changes"]
    relevant = template["relevant_attributes"]
    for items in (planned, changes, relevant):
        assert all(_in_first_stack(item) for item in items), "template holds more than one stack"
    template["planned_values"]["root_module"]["child_modules"] = [PLANNED]
    template["relevant_attributes"] = [RELEVANT]
    # Terraform sorts resource changes by module depth first, then by module instance: every
    # stack's own resources come before any stack's child-module resources. So each run of one
    # module's changes in the template is copied for every stack before the next run.
    runs: list[list] = []
    for change in changes:
        if runs and runs[-1][0]["module_address"] == change["module_address"]:
            runs[-1].append(change)
        else:
            runs.append([change])
    placeholders = [f"@@changes{number}@@" for number in range(len(runs))]
    template["resource_changes"] = placeholders
    parts = [(PLANNED, planned)]
    parts += list(zip(placeholders, runs))
    parts.append((RELEVANT, relevant))
    return template, parts


def _in_first_stack(item: dict) -> bool:
    address = item.get("address") or item.get("resource") or ""
    return address == FIRST_STACK or address.startswith(FIRST_STACK + ".")


def _copy(text: str, stack: int) -> str:
    if stack == 0:
        return text
    return text.replace(FIRST_STACK, f"module.stack[{stack}]").replace(FIRST_NAME, f'"shop{stack}')


def _dumps(value, indent: bool) -> str:
    # Terraform's encoder (Go's encoding/json) escapes <, > and & and leaves other text as is.
    text = json.dumps(value, ensure_ascii=False, indent=2 if indent else None,
                      separators=(",", ": ") if indent else (",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _indented(text: str, prefix: str) -> str:
    return text.replace("\n", "\n" + prefix) if prefix else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--stacks", type=int, help="how many copies of the stack")
    size.add_argument("--resources", type=int, help="at least this many resources")
    size.add_argument("--monorepo", type=int, metavar="ROOTS",
                      help="write ROOTS root modules sharing one module three calls down into OUTPUT")
    parser.add_argument("--indent", action="store_true",
                        help="indent as `jq .` does, instead of Terraform's single line")
    parser.add_argument("--hcl", action="store_true", help="write a repository of .tf files into OUTPUT")
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    if args.monorepo:
        changed = write_monorepo(args.output, args.monorepo)
        print(f"{args.output}: {args.monorepo} root modules sharing {changed.parent}", file=sys.stderr)
        return 0
    stacks = args.stacks or math.ceil(args.resources / resources_per_stack())
    if args.hcl:
        write_repository(args.output, stacks)
        files = list(args.output.rglob("*.tf"))
        lines = sum(path.read_text().count("\n") for path in files)
        print(f"{args.output}: {stacks} stacks, {len(files)} files, {lines:,} lines", file=sys.stderr)
        return 0
    with args.output.open("w", encoding="utf-8", newline="\n") as out:
        write_plan(out, stacks, args.indent)
    print(f"{args.output}: {stacks} stacks, {stacks * resources_per_stack()} resources, "
          f"{args.output.stat().st_size:,} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
