"""The default text output as people meet it: grouped by file, the flow drawn, colors at a terminal."""

import os
import pty
import subprocess
import sys

from conftest import ROOT, benchmark_generator


def test_the_blocked_flow_is_drawn(tflint_sg):
    out = tflint_sg("fixtures/both_sides_blocked").stdout
    assert ("aws_lb.api -x-> aws_lb_target_group.api:8080 -x-> aws_instance.api "
            "(aws_security_group.alb allows only tcp/443 to 0.0.0.0/0;") in out


def test_findings_are_in_file_order(tflint_sg):
    out = tflint_sg("fixtures/story", "fixtures/expose_db_to_lb").stdout.splitlines()
    files = [line.split(":", 1)[0] for line in out if line.startswith("fixtures/") and line.split(": ")[1:2] in (
        ["error"], ["warning"], ["notice"])]
    assert files == sorted(files) and set(files) == {"fixtures/expose_db_to_lb/main.tf", "fixtures/story/main.tf"}


def _at_a_terminal(env, *options):
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tflint_sg", *options, "fixtures/story"], cwd=ROOT, stdout=terminal,
                               stderr=subprocess.DEVNULL, env=env)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode()


def test_colors_at_a_terminal_unless_no_color():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\033[31merror\033[0m" in _at_a_terminal(env)
    assert "\033[" not in _at_a_terminal({**env, "NO_COLOR": "1"})
    assert "\033[" not in _at_a_terminal(env, "--no-color")


def test_no_colors_in_a_pipe(tflint_sg_process):
    assert "\033[" not in tflint_sg_process("fixtures/story").stdout


def test_the_summary_tells_clean_from_not_decided(tflint_sg):
    clean = tflint_sg("fixtures/story_fixed/plan.json")
    assert clean.code == 0 and "not decided" not in clean.stdout
    # Every flow in `unknowns` goes through a group or prefix list the configuration does not
    # define: no finding, and the summary says the three were not decided rather than clean.
    run = tflint_sg("fixtures/unknowns/plan.json")
    assert run.code == 0
    assert run.stdout.strip().endswith("3 checks not decided (--verbose says why).")
    notes = [line for line in tflint_sg("fixtures/unknowns/plan.json", "-v").stdout.splitlines()
             if line.startswith("note:")]
    assert notes == [
        "note: aws_lb.reports -> aws_instance.batch tcp/80 (traffic): not decided (aws_lb_target_traffic_blocked): "
        "aws_instance.batch: sg-0abc1234def567890 is not created by this configuration",
        "note: aws_lb.reports -> aws_instance.legacy tcp/80 (traffic): not decided (aws_lb_target_traffic_blocked): "
        "aws_instance.legacy: sg-0abc1234def567890 is not created by this configuration",
        "note: aws_lb.reports -> aws_instance.renderer tcp/80 (traffic): not decided (aws_lb_target_traffic_blocked): "
        "aws_security_group.renderer: a rule admits tcp/80 from pl-0123456789abcdef0; a prefix list's addresses "
        "are not in the configuration",
    ]


def test_verbose_names_the_data_store_rules_an_unknown_silenced(tflint_sg, tmp_path):
    # In the benchmark stack, the database's group admits the app tiers through a dynamic block
    # over a local map. A plan keeps no locals, so read alone it cannot tell who the database's
    # clients are: the two rules that judge clients say so. The cache names its client directly.
    # With the source, the local resolves and nothing is left open.
    plan = tmp_path / "plan.json"
    with plan.open("w") as out:
        benchmark_generator().write_plan(out, 2)
    notes = [line for line in tflint_sg(str(plan), "-v").stdout.splitlines() if line.startswith("note:")]
    assert notes == [
        f"note: module.stack[{n}].aws_db_instance.this: not decided (aws_data_store_client_egress_blocked, "
        f"aws_data_store_port_mismatch): module.stack[{n}].module.security.aws_security_group.db admits tcp/5432 "
        "from peers that are not known (value not in the plan's configuration (dynamic block?)), so its clients "
        "are not known"
        for n in range(2)
    ]
    with_source = tflint_sg(str(plan), "--source", "benchmarks/stack", "-v")
    assert with_source.code == 2 and "note:" not in with_source.stdout
    assert "not decided" not in with_source.stdout


def test_the_readme_shows_the_story_as_the_tool_prints_it(tflint_sg):
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("$ tflint-sg fixtures/story\n", 1)[1].split("```", 1)[0]
    assert shown == tflint_sg("fixtures/story").stdout


def test_the_user_guide_shows_the_summary_of_several_inputs_as_the_tool_prints_it(tflint_sg):
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    shown = guide.split("$ tflint-sg fixtures/story fixtures/unknowns\n...\n", 1)[1].split("```", 1)[0]
    printed = tflint_sg("fixtures/story", "fixtures/unknowns").stdout
    assert printed.endswith("\n\n" + shown), printed


def test_a_finding_takes_at_most_eight_lines(tflint_sg):
    """file:line:col and the sentence, the flow, the marked line, the places, the fixes, the docs."""
    for case in ("fixtures/story", "fixtures/health_check_port", "fixtures/modules_three_levels",
                 "fixtures/tier_db_port_mismatch", "fixtures/both_sides_blocked"):
        findings = tflint_sg(case).stdout.split("\n\n")[:-1]
        assert findings and all(len(finding.strip("\n").splitlines()) <= 8 for finding in findings), case
