"""The benchmark generator writes what Terraform writes: its plan of 12 stacks is the real plan
of 12 stacks (benchmarks/stack/plan-12.json, made by benchmarks/plan_stacks.sh), and the
tool reads it as it reads the real one."""

import io
import json

from conftest import ROOT, benchmark_generator

STACK = ROOT / "benchmarks" / "stack"


def _document(text: str) -> list:
    # Key order matters (Terraform's order), so objects are compared as lists of pairs. Only the
    # timestamp and relevant_attributes, which Terraform lists in no fixed order, are normalized.
    pairs = json.loads(text, object_pairs_hook=list)
    normalized = []
    for key, value in pairs:
        if key == "timestamp":
            value = None
        elif key == "relevant_attributes":
            value = sorted(value, key=json.dumps)
        normalized.append((key, value))
    return normalized


def _generated(stacks: int, indent: bool = False) -> str:
    out = io.StringIO()
    benchmark_generator().write_plan(out, stacks, indent)
    return out.getvalue()


def test_the_generated_plan_is_terraforms_plan():
    real = (STACK / "plan-12.json").read_text()
    generated = _generated(12)
    assert "\n" not in generated.rstrip("\n")  # one line, as Terraform prints it
    assert len(generated) == len(real)  # same escaping and spacing
    assert _document(generated) == _document(real)


def test_the_indented_variant_holds_the_same_plan():
    indented = _generated(12, indent=True)
    assert indented.count("\n") > 10_000
    assert json.loads(indented) == json.loads(_generated(12))


def test_every_generated_stack_gets_its_finding(tflint_sg, tmp_path):
    # Each stack's ALB forwards HTTP (80) to the web ASG, whose group admits only 443 from the
    # ALB's group: one traffic finding per stack, on that stack's ASG.
    plan = tmp_path / "plan.json"
    plan.write_text(_generated(12))
    run = tflint_sg(str(plan), "--format", "json")
    assert run.code == 2, run.stderr
    findings = run.json()["findings"]
    assert sorted((f["rule"], f["target"], f["port"]) for f in findings) == sorted(
        ("aws_lb_target_traffic_blocked", f"module.stack[{n}].aws_autoscaling_group.web", 80) for n in range(12)
    )


def test_the_pre_commit_case_reaches_every_root_through_three_calls(tflint_sg, tmp_path):
    # The benchmark's pre-commit case passes one file of the shared module, as the hook does:
    # every root module that reaches it, three calls up, is checked.
    repository = tmp_path / "monorepo"
    changed = benchmark_generator().write_monorepo(repository, 4)
    (repository / ".git").mkdir()
    run = tflint_sg(str(changed.relative_to(repository)), cwd=repository)
    assert run.code == 2
    assert [line.split(":")[0] for line in run.stdout.splitlines() if line.startswith("live/")] == \
        ["live/00", "live/01", "live/02", "live/03"]
    assert "in 4 inputs" in run.stdout
