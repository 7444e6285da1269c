"""--fix end to end, with real Terraform, on every fixture that has findings.

Each case is copied, fixed as a user would fix it (`tflint-sg --fix` on the directory, with the
variable values its plan was made with), then planned offline as the fixtures' plans are made, and checked
again from the new plan and from the directory. A blocked path must be gone, in both modes,
with no finding that was not there before; findings of the other rules (exposure, smells),
which no fix is written for, stay as they were. The edits may change only blocks the findings
name and add security groups or rule resources, and --fix on the fixed copy changes nothing.

Terraform is slow to start (the AWS provider's schema is read by each command), so the cases
run in the background from the start of the session (conftest's `start_in_background`), two
at a time, while the other tests run; each test waits for its case. Without `terraform` on PATH
or the provider mirror (fixtures/regenerate.sh says where it is looked for), these tests skip.
`terraform plan` validates the configuration before planning, so no separate validate is run.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import FIXTURES

BLOCKED_PATH_RULES = frozenset({
    "aws_lb_target_traffic_blocked", "aws_lb_target_health_check_blocked", "aws_lb_target_clients_blocked",
    "aws_ecs_service_dynamic_ports_blocked", "aws_data_store_port_mismatch", "aws_data_store_unreachable",
    "aws_data_store_client_egress_blocked", "aws_network_acl_traffic_blocked", "aws_network_acl_return_traffic_blocked",
    "aws_db_proxy_target_blocked", "aws_vpc_endpoint_unreachable", "aws_lb_authenticate_egress_blocked",
})
# What a fix may add: a security group, or a rule of one.
ADDED_TYPES = frozenset({"aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                         "aws_vpc_security_group_egress_rule", "aws_network_acl_rule"})
MIRROR = Path(os.environ.get("TF_PROVIDER_MIRROR", "/opt/tf-plugins"))
TIMEOUT = 600


def bad_cases() -> list[str]:
    cases = []
    for directory in sorted(FIXTURES.iterdir()):
        expected = directory / "expected.json"
        if expected.is_file() and json.loads(expected.read_text()).get("findings"):
            cases.append(directory.name)
    return cases


def _missing_terraform() -> str | None:
    if shutil.which("terraform") is None:
        return "terraform is not on PATH"
    if not (MIRROR / "registry.terraform.io").is_dir():
        return f"no provider mirror at {MIRROR} (set TF_PROVIDER_MIRROR)"
    return None


@dataclass
class CaseRun:
    case: str
    unsafe: bool = False  # whether --fix-unsafe was given (a blocked path has only unsafe fixes)
    before: list[dict] = field(default_factory=list)  # from the plan, else the directory
    before_source: list[dict] = field(default_factory=list)
    fix_stderr: str = ""
    texts_before: dict[str, str] = field(default_factory=dict)
    texts_after: dict[str, str] = field(default_factory=dict)
    terraform_failure: str | None = None
    planned: bool = False
    after_plan: list[dict] | None = None
    after_source: list[dict] = field(default_factory=list)
    again_stderr: str = ""
    texts_again: dict[str, str] = field(default_factory=dict)


class _Runner:
    def __init__(self, work: Path):
        self.work = work
        config = work / "cli.tfrc"
        config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path    = "{MIRROR}"\n'
                          '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')
        # Copies of the environment made now: tests running in process change it.
        # A fixture may leave its region to the environment, as fixtures/offline_terraform.sh sets it.
        self.terraform_env = {"AWS_REGION": "us-east-1", **os.environ, "TF_CLI_CONFIG_FILE": str(config),
                              "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
        self.tool_env = {**os.environ, "TFLINT_SG_CACHE_DIR": str(work / "parse-cache")}
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="fix-end-to-end")
        self.runs: dict[str, Future] = {}

    def start(self, case: str) -> None:
        if case not in self.runs:
            self.runs[case] = self.pool.submit(self._run, case)

    def result(self, case: str) -> CaseRun:
        self.start(case)
        return self.runs[case].result()

    def _tool(self, directory: Path, *args: str) -> subprocess.CompletedProcess:
        run = subprocess.run([sys.executable, "-m", "tflint_sg", *args], cwd=directory, capture_output=True,
                             text=True, env=self.tool_env, timeout=TIMEOUT)
        assert run.returncode in (0, 2), f"tflint-sg {' '.join(args)} in {directory}: {run.stderr}"
        return run

    def _findings(self, directory: Path, target: str, *args: str) -> list[dict]:
        return json.loads(self._tool(directory, "-f", "json", *args, target).stdout)["findings"]

    def _terraform(self, directory: Path, *args: str) -> str | None:
        run = subprocess.run(["terraform", *args, "-no-color"], cwd=directory, capture_output=True, text=True,
                             env=self.terraform_env, timeout=TIMEOUT)
        if run.returncode != 0:
            return f"terraform {args[0]} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
        return None

    def _run(self, case: str) -> CaseRun:
        source = FIXTURES / case
        copy = self.work / case
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("expected.json", "plan.args"))
        (copy / ".git").mkdir()
        plan_args = (source / "plan.args").read_text().split() if (source / "plan.args").is_file() else []
        # The directory read with the values the plan was given.
        variables = [arg for value in plan_args for arg in ("--var", value.split("=", 1)[1])]
        has_plan = (copy / "plan.json").is_file()
        run = CaseRun(case)
        run.before_source = self._findings(copy, ".", *variables)
        run.before = self._findings(copy, "plan.json") if has_plan else run.before_source
        run.unsafe = any(f["rule"] in BLOCKED_PATH_RULES and f["changes"]
                         and all(change["applicability"] == "unsafe" for change in f["changes"]) for f in run.before)
        run.texts_before = _tf_texts(copy)
        # As a user would: the plan first (it may show what the directory alone cannot), then
        # the directory, for a fix another makes possible (a plan made before the edits
        # cannot show it).
        fixes = ["--fix", *(["--fix-unsafe"] if run.unsafe else [])]
        targets = [[*fixes, "plan.json"]] if has_plan else []
        targets.append([*fixes, *variables, "."])
        run.fix_stderr = "".join(self._tool(copy, *args).stderr for args in targets)
        run.texts_after = _tf_texts(copy)
        if run.texts_after != run.texts_before:
            (copy / "plan.json").unlink(missing_ok=True)
            run.terraform_failure = self._terraform(copy, "init", "-input=false")
            if run.terraform_failure is None and not has_plan:
                run.terraform_failure = self._terraform(copy, "validate")  # a case with no plan: its variable
            elif run.terraform_failure is None:
                run.terraform_failure = self._terraform(copy, "plan", "-input=false", "-refresh=false",
                                                        "-out=tfplan", *plan_args)
                if run.terraform_failure is None:
                    shown = subprocess.run(["terraform", "show", "-json", "tfplan"], cwd=copy, capture_output=True,
                                           text=True, env=self.terraform_env, timeout=TIMEOUT)
                    (copy / "plan.json").write_text(shown.stdout)
                    run.planned = shown.returncode == 0
            shutil.rmtree(copy / ".terraform", ignore_errors=True)
        if run.terraform_failure is not None:
            return run  # the test of the plan says why; nothing after it can be checked
        if has_plan:
            run.after_plan = self._findings(copy, "plan.json")
        run.after_source = self._findings(copy, ".", *variables)
        run.again_stderr = "".join(self._tool(copy, *args).stderr for args in targets)
        run.texts_again = _tf_texts(copy)
        return run


def _tf_texts(directory: Path) -> dict[str, str]:
    return {path.relative_to(directory).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(directory.rglob("*.tf")) if ".terraform" not in path.parts}


_runner: _Runner | None = None


def start_in_background(items, tmp_path_factory) -> None:
    """conftest calls this with this module's selected tests before the first test runs."""
    global _runner
    if _missing_terraform() is not None:
        return
    if _runner is None:
        _runner = _Runner(tmp_path_factory.mktemp("fix-end-to-end"))
        atexit.register(_runner.pool.shutdown, wait=False, cancel_futures=True)
    for item in items or ():
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "fixed" in callspec.params:
            _runner.start(callspec.params["fixed"])


@pytest.fixture
def fixed(request, tmp_path_factory) -> CaseRun:
    reason = _missing_terraform()
    if reason is not None:
        pytest.skip(f"{reason}: cannot plan the fixed copies")
    start_in_background(None, tmp_path_factory)
    return _runner.result(request.param)


# --- reading the copies ---------------------------------------------------------------------

def top_level_blocks(text: str) -> tuple[dict[tuple[str, ...], str], list[str]]:
    """The file's top-level blocks by their header words (`resource`, type, name), each with its
    text, and the lines outside every block. Braces are counted, as in conftest.block_lines."""
    blocks: dict[tuple[str, ...], str] = {}
    outside: list[str] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        header = re.match(r'^([A-Za-z_]\w*)((?:\s+"[^"]*")*)\s*\{', line)
        if header is None:
            outside.append(line)
            index += 1
            continue
        key = (header.group(1), *re.findall(r'"([^"]*)"', header.group(2)))
        depth, start = 0, index
        while True:
            depth += lines[index].count("{") - lines[index].count("}")
            index += 1
            if depth <= 0:
                break
        blocks[key] = "\n".join(lines[start:index])
    return blocks, outside


def named_blocks(findings: list[dict]) -> set[tuple[str, str]]:
    """(type, name) of every resource the findings name (their subject, blockers, places and
    instances, without module paths or instance keys), and ("module", name) of every module
    call on their way: a fix for a module `terraform init` installed goes in its call."""
    addresses = set()
    for finding in findings:
        addresses.add(finding["subject"])
        addresses.update(finding.get("instances") or ())
        addresses.update(item["address"] for item in finding["related"])
        addresses.add(finding["primary"]["address"])
        for blocker in finding["blockers"]:
            addresses.update((blocker["endpoint"], blocker["security_group"]))
        addresses.update(blocker["network_acl"] for blocker in finding.get("network_acl_blockers", ()))
    named = set()
    for address in addresses:
        steps = re.sub(r'\[[^\]]*\]', "", address).split(".")
        if len(steps) >= 2:
            named.add((steps[-2], steps[-1]))
        named.update(("module", steps[i + 1]) for i, step in enumerate(steps[:-1]) if step == "module")
    return named


def _identities(findings: list[dict]) -> set[str]:
    return {f"{f['rule']} {f['subject']} {f.get('port')} [{f['fingerprint']}]" for f in findings}


def _blocked(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["rule"] in BLOCKED_PATH_RULES]


# --- the tests -----------------------------------------------------------------------------

CASES = pytest.mark.parametrize("fixed", bad_cases(), indirect=True, ids=str)


@CASES
def test_the_fixed_copy_plans(fixed):
    assert _blocked(fixed.before) or fixed.texts_after == fixed.texts_before, "a fix for no blocked path"
    if _blocked(fixed.before):
        assert fixed.texts_after != fixed.texts_before, f"--fix wrote nothing:\n{fixed.fix_stderr}"
    assert fixed.terraform_failure is None, fixed.terraform_failure
    if fixed.after_plan is not None and fixed.texts_after != fixed.texts_before:
        assert fixed.planned


def _planned(fixed: CaseRun) -> None:
    if fixed.terraform_failure is not None:
        pytest.fail(f"the fixed copy could not be planned: {fixed.terraform_failure}")


@CASES
def test_the_blocked_paths_are_gone_and_nothing_new_appears(fixed):
    _planned(fixed)
    def kept(findings):
        return _identities([f for f in findings if f["rule"] not in BLOCKED_PATH_RULES])

    assert _identities(fixed.after_source) == kept(fixed.before_source), "from the directory"
    if fixed.after_plan is not None:
        assert _identities(fixed.after_plan) == kept(fixed.before), "from the new plan"


@CASES
def test_the_edits_touch_only_what_the_findings_name(fixed):
    named = named_blocks(fixed.before)
    blocking_sides = sum(len(f["blockers"]) + len(f.get("network_acl_blockers", ())) for f in _blocked(fixed.before))
    added_count = 0
    assert set(fixed.texts_after) == set(fixed.texts_before)
    for path, old in fixed.texts_before.items():
        new = fixed.texts_after[path]
        if new == old:
            continue
        old_blocks, old_outside = top_level_blocks(old)
        new_blocks, new_outside = top_level_blocks(new)
        assert [line for line in new_outside if line.strip()] == [line for line in old_outside if line.strip()], path
        assert set(old_blocks) <= set(new_blocks), f"{path}: a block went away"
        for key, text in old_blocks.items():
            if new_blocks[key] != text:
                assert (tuple(key[1:3]) if key[0] == "resource" else key[:2]) in named and key[0] in (
                    "resource", "module"), f"{path}: {key} changed, not named"
        added = [key for key in new_blocks if key not in old_blocks]
        assert all(key[0] == "resource" and key[1] in ADDED_TYPES for key in added), f"{path}: added {added}"
        added_count += len(added)
    assert added_count <= blocking_sides


@CASES
def test_fixing_again_changes_nothing(fixed):
    _planned(fixed)
    assert fixed.texts_again == fixed.texts_after
    assert "fixed " not in fixed.again_stderr, fixed.again_stderr


def test_only_the_clients_of_an_open_nlb_need_unsafe_fixes():
    """The one kind of blocked path whose fix is unsafe by itself (opening a port to every
    address): every other blocked fixture is fixed by plain --fix."""
    reason = _missing_terraform()
    if reason is not None:
        pytest.skip(reason)
    unsafe = sorted(case for case in bad_cases() if _runner is not None and _runner.result(case).unsafe)
    assert unsafe == ["nlb_clients_blocked"]
