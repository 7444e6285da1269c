"""The command line as users meet it: the story, exit codes, formats, bad input."""

import json

import pytest

from conftest import FIXTURES


def test_story_names_the_blocked_flow_and_the_fix(tflint_sg):
    run = tflint_sg("fixtures/story/plan.json")
    assert run.code == 2
    out = run.stdout
    assert "aws_instance.web[0] and [1]" in out  # one finding for the two instances
    assert "tcp/80" in out
    assert "aws_security_group.public" in out
    assert "admits only tcp/443 from 203.0.113.0/24" in out
    assert "fix: Admit tcp/80 from the load balancer's security group" in out
    assert "aws_data_store_unreachable: aws_db_instance.main" in out  # the database, on 5432
    assert "2 issues found" in out


def test_force_exits_zero_with_issues(tflint_sg):
    assert tflint_sg("--force", "fixtures/story/plan.json").code == 0


def test_clean_plan_exits_zero(tflint_sg):
    run = tflint_sg("fixtures/story_fixed/plan.json")
    assert run.code == 0
    assert "No issues found" in run.stdout


def test_output_file(tflint_sg, tmp_path):
    target = tmp_path / "out.sarif"
    run = tflint_sg("--format", "sarif", "-o", str(target), "fixtures/story/plan.json")
    assert run.code == 2 and run.stdout == ""
    assert json.loads(target.read_text())["runs"][0]["results"]


def test_same_input_same_bytes(tflint_sg_process):
    # Separate processes (each with its own hash seed), as two runs of the command are.
    for fmt in ("text", "json", "sarif"):
        first = tflint_sg_process("--format", fmt, "fixtures/both_sides_blocked/plan.json", "fixtures/story/plan.json")
        second = tflint_sg_process("--format", fmt, "fixtures/both_sides_blocked/plan.json", "fixtures/story/plan.json")
        assert first.stdout == second.stdout


def test_explain_prints_the_rule_document(tflint_sg):
    run = tflint_sg("--explain", "aws_lb_target_traffic_blocked")
    assert run.code == 0
    assert run.stdout.startswith("# aws_lb_target_traffic_blocked")
    assert "## How To Fix" in run.stdout


def test_verbose_lists_unresolved(tflint_sg):
    run = tflint_sg("--verbose", "fixtures/unknowns/plan.json")
    assert run.code == 0
    assert "note:" in run.stdout and "sg-0abc1234def567890" in run.stdout


BAD_INPUTS = {
    "empty.json": b"",
    "not-json.json": b"hello\nworld\n",
    "list.json": b"[1, 2]",
    "empty-object.json": b"{}",
    "truncated.json": b'{"format_version": "1.2", "planned_values": {"root_module": {',
    "state.json": b'{"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {}}}',
    "raw.tfstate": b'{"version": 4, "lineage": "abc", "resources": []}',
    "wrong-type.json": b'{"format_version": "1.2", "resource_changes": "nope"}',
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_1(name, tflint_sg, tmp_path):
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    run = tflint_sg(str(path))
    assert run.code == 1
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0]


def test_missing_file(tflint_sg):
    run = tflint_sg("does-not-exist.json")
    assert run.code == 1
    assert run.stderr.strip() == "tflint-sg: error: does-not-exist.json: no such file"


def test_not_json_names_the_line(tflint_sg, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text('{\n  "format_version": "1.2",\n  oops\n}\n')
    run = tflint_sg(str(path))
    assert f"{path}:3:" in run.stderr


def test_one_bad_input_keeps_the_others_findings(tflint_sg, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    run = tflint_sg("--format", "json", str(bad), "fixtures/story/plan.json")
    assert run.code == 1
    assert len(run.json()["findings"]) == 2


def test_bad_option_exits_1(tflint_sg):
    run = tflint_sg("--format", "xml", "fixtures/story/plan.json")
    assert run.code == 1
    assert "Traceback" not in run.stderr


def test_a_directory_is_one_line_and_exit_1(tflint_sg, tmp_path):
    run = tflint_sg(str(tmp_path))
    assert run.code == 1
    assert run.stderr.startswith(f"tflint-sg: error: {tmp_path}: is a directory with no Terraform files")
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_broken_rule_is_reported_and_the_others_still_run():
    from tflint_sg.analysis import analyze
    from tflint_sg.load.plan.reader import load_plan
    from tflint_sg.rules import aws_lb_target_traffic_blocked

    class Broken:
        ID = "broken_rule"

        @staticmethod
        def check(context):
            raise KeyError("boom")

    result = analyze(load_plan(str(FIXTURES / "story" / "plan.json")), [Broken, aws_lb_target_traffic_blocked])
    assert len(result.internal_errors) == 1
    assert "rule broken_rule" in result.internal_errors[0] and "KeyError" in result.internal_errors[0]
    assert len(result.findings) == 1  # aws_instance.web, both instances
