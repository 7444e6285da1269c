"""The matrix of bad inputs: each ends in exit 1 and one line naming the file (and line where
known), or, where Terraform's format allows it, a best-effort run; never a traceback."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, benchmark_generator
from tflint_sg import cli, paths

STORY_PLAN = json.loads((FIXTURES / "story" / "plan.json").read_text())


def _nulls(value):
    if isinstance(value, dict):
        return {k: _nulls(v) if isinstance(v, (dict, list)) else None for k, v in value.items()}
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return None


PLANS = {
    "empty.json": (b"", "empty file"),
    "not-json.json": (b"hello", "not valid JSON"),
    "truncated.json": (json.dumps(STORY_PLAN).encode()[:5000], "truncated"),
    "binary.json": (bytes(range(256)) * 8, "not UTF-8 text"),
    "invalid-utf8.json": (b'{"format_version": "1.2", "x": "\xff"}', "not UTF-8 text: invalid byte 0xff"),
    "list.json": (b"[1, 2]", "top level must be a JSON object"),
    "object.json": (b"{}", "no planned_values or resource_changes"),
    "state.json": (b'{"format_version": "1.0", "values": {"root_module": {}}}', "Terraform state"),
    "raw.tfstate": (b'{"version": 4, "lineage": "x", "resources": []}', "state file"),
    "wrong-types.json": (b'{"format_version": "1.2", "resource_changes": {"a": 1}}', "not a valid Terraform plan"),
    "nested-array.json": (b"[" * 100000 + b"]" * 100000, "top level must be a JSON object"),
    "nested-object.json": (b'{"a":' * 100000 + b"1" + b"}" * 100000, "nested too deeply"),
}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_a_bad_plan_is_one_line(name, tflint_sg, tmp_path):
    data, expected = PLANS[name]
    path = tmp_path / name
    path.write_bytes(data)
    run = tflint_sg(str(path))
    assert run.code == 1 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"tflint-sg: error: {path}") and expected in line, line


@pytest.mark.parametrize("variant", ["nulls", "future", "utf16-bom", "utf16-no-bom"])
def test_plans_read_as_best_they_can(variant, tflint_sg, tmp_path):
    path = tmp_path / "plan.json"
    if variant == "nulls":
        path.write_text(json.dumps(_nulls(STORY_PLAN)))  # Terraform's format allows nulls: nothing to judge
    elif variant == "future":
        path.write_text(json.dumps({**STORY_PLAN, "format_version": "9.9"}))
    else:
        encoded = json.dumps(STORY_PLAN).encode("utf-16-le")
        path.write_bytes((b"\xff\xfe" if variant == "utf16-bom" else b"") + encoded)
    run = tflint_sg(str(path))
    assert run.code in (0, 2) and "Traceback" not in run.stderr
    if variant == "future":
        assert "warning" in run.stderr and "9.9" in run.stderr
    if variant.startswith("utf16"):
        assert run.code == 2  # the story's findings, as from UTF-8


def test_a_200_mb_single_line_plan_in_bounded_memory(tmp_path):
    # 3,500 generated three-tier stacks (98,000 resources) on one line, as Terraform prints a
    # plan. Peak memory must stay a small multiple of the file: a decoder that copies the text
    # or builds every value as Python objects would not.
    plan, sarif = tmp_path / "plan.json", tmp_path / "out.sarif"
    with plan.open("w") as out:
        benchmark_generator().write_plan(out, 3500)
    size = plan.stat().st_size
    assert size > 195_000_000 and plan.read_bytes().count(b"\n") == 1
    measure = (
        "import resource, subprocess, sys\n"
        "code = subprocess.call([sys.executable, '-m', 'tflint_sg', *sys.argv[1:]])\n"
        "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", measure, str(plan), "--format", "sarif", "-o", str(sarif)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    code, peak = map(int, completed.stdout.split())
    assert code == 2 and "Traceback" not in completed.stderr, completed.stderr
    assert len(json.loads(sarif.read_bytes())["runs"][0]["results"]) == 3500  # one per stack
    assert peak < 4 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB plan"


def _story(tmp_path):
    copy = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", copy, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    (copy / ".git").mkdir()
    return copy


def test_invalid_tf_json(tflint_sg, tmp_path):
    copy = _story(tmp_path)
    (copy / "extra.tf.json").write_text('{"resource": {')
    run = tflint_sg(str(copy))
    assert run.code == 1 and f"{copy / 'extra.tf.json'}:1:" in run.stderr and "not valid JSON" in run.stderr


def test_a_module_source_outside_the_repository_is_not_followed(tflint_sg, tmp_path):
    copy = _story(tmp_path)
    (copy / "escape.tf").write_text('module "escape" {\n  source = "../../../etc"\n}\n'
                                    'module "absolute" {\n  source = "/etc"\n}\n')
    run = tflint_sg("--verbose", str(copy))
    assert run.code == 2 and "Traceback" not in run.stderr
    assert "outside the repository" in run.stdout and "is not installed" in run.stdout


def test_a_module_that_calls_itself_and_a_symlink_loop(tflint_sg, tmp_path):
    copy = _story(tmp_path)
    (copy / "self").mkdir()
    (copy / "self" / "main.tf").write_text('module "again" {\n  source = "../self"\n}\n')
    (copy / "loop").mkdir()
    os.symlink("..", copy / "loop" / "up")
    (copy / "loop" / "main.tf").write_text('module "down" {\n  source = "./up/loop"\n}\n')
    (copy / "calls.tf").write_text('module "self" {\n  source = "./self"\n}\nmodule "loop" {\n  source = "./loop"\n}\n')
    run = tflint_sg("--verbose", str(copy))
    assert run.code == 2 and "Traceback" not in run.stderr
    assert "nested deeper than" in run.stdout


def test_a_missing_module_directory(tflint_sg, tmp_path):
    copy = _story(tmp_path)
    (copy / "gone.tf").write_text('module "gone" {\n  source = "./nowhere"\n}\n')
    run = tflint_sg("--verbose", str(copy))
    assert run.code == 2 and "does not exist" in run.stdout


def test_a_module_argument_the_module_does_not_declare(tflint_sg, tmp_path):
    # Terraform refuses the call ("Unsupported argument"): most often the installed module is
    # another version than the call was written for. Its findings would come from the wrong code.
    copy = _story(tmp_path)
    (copy / "svc").mkdir()
    (copy / "svc" / "main.tf").write_text('variable "port" {\n  default = 80\n}\n')
    (copy / "calls.tf").write_text('module "svc" {\n  source = "./svc"\n  port   = 8080\n'
                                   '  count  = 1\n  ingress_rules = {}\n}\n')
    run = tflint_sg(str(copy))
    assert run.code == 1 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert f"{copy / 'calls.tf'}:5:" in line and 'module "svc" declares no variable "ingress_rules"' in line


def test_an_unreadable_file(tflint_sg, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file: test_an_unreadable_file_in_process covers it")
    path = tmp_path / "plan.json"
    path.write_text("{}")
    path.chmod(0)
    run = tflint_sg(str(path))
    assert run.code == 1 and "permission denied" in run.stderr


def test_an_unreadable_file_in_process(tmp_path, monkeypatch, capsys):
    # Root reads any file, so the operating system's refusal is simulated at the one place
    # the tool opens input files; one readable input beside it still gets its findings.
    unreadable = tmp_path / "plan.json"
    unreadable.write_text("{}")
    real_open = open

    def refusing_open(path, *args, **kwargs):
        if os.fspath(path) == str(unreadable):
            raise PermissionError(13, "Permission denied", str(unreadable))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(paths, "open", refusing_open, raising=False)
    with pytest.raises(SystemExit) as exit:
        cli.main([str(unreadable), str(FIXTURES / "story" / "plan.json")])
    out, err = capsys.readouterr()
    assert exit.value.code == 1
    assert err.strip().splitlines() == [f"tflint-sg: error: {unreadable}: permission denied"]
    assert "aws_lb_target_traffic_blocked" in out  # the story's findings are still reported


def test_nothing_in_the_input_is_run(tflint_sg, tmp_path):
    """Module sources with URLs, interpolations that look like code, paths outside the repository:
    nothing is fetched, executed or written."""
    copy = _story(tmp_path)
    marker = tmp_path / "pwned"
    (copy / "hostile.tf").write_text(f'''
module "remote" {{
  source = "git::https://example.invalid/x.git?ref=$(touch {marker})"
}}
module "http" {{
  source = "https://example.invalid/module.zip"
}}
locals {{
  code = "${{file("/etc/passwd")}}"
  shell = "$(touch {marker})"
}}
resource "aws_security_group" "odd" {{
  name = "${{templatefile("/etc/hosts", {{}})}}"
  description = "`touch {marker}`"
}}
''')
    before = set(os.listdir(tmp_path))
    run = tflint_sg("--verbose", str(copy))
    assert run.code == 2 and "Traceback" not in run.stderr
    assert not marker.exists()
    assert set(os.listdir(tmp_path)) == before  # nothing written beside the input
    assert "is not installed" in run.stdout  # the URL modules are noted, never downloaded


def test_a_listener_forwarding_to_a_lambda_target_group(tflint_sg, tmp_path):
    """Found by fuzzing: a forward to a target group the model skips (Lambda, GENEVE) crashed a rule."""
    copy = _story(tmp_path)
    main = copy / "main.tf"
    text = main.read_text()
    anchor = 'resource "aws_lb_target_group" "web" {'
    assert anchor in text
    main.write_text(text.replace(anchor, anchor + '\n  target_type = "lambda"', 1))
    run = tflint_sg("--format", "json", str(copy))
    assert run.code == 2 and "internal error" not in run.stderr
    assert [f["rule"] for f in run.json()["findings"]] == ["aws_data_store_unreachable"]


def test_an_input_not_read_is_never_an_all_clear(tflint_sg, tmp_path):
    copy = _story(tmp_path)
    (copy / "broken.tf").write_text('resource "aws_instance" "x" {\n  ami = \n}\n')
    run = tflint_sg(str(copy))
    assert run.code == 1
    assert run.stderr.splitlines() == [f"tflint-sg: error: {copy / 'broken.tf'}:2:9: HCL syntax error: unexpected '}}'"]
    assert run.stdout == "Nothing checked: 1 input could not be checked.\n"
    # Beside an input that loads, its findings are reported and the summary still says it.
    empty = tmp_path / "empty"
    empty.mkdir()
    run = tflint_sg(str(empty), "fixtures/story/plan.json")
    assert run.code == 1 and "aws_lb_target_traffic_blocked" in run.stdout
    assert run.stdout.rstrip().endswith("in 1 input; 2 load balancer flows, all decided; no data flows; 1 input could not be checked.")


def test_a_variable_with_no_value_is_unknown_not_an_error(tflint_sg, tmp_path):
    # The story's instances admit only 443; a rule whose ports come from a variable nobody set
    # might admit 80, so the flow is not decided: no finding, no error, and -v says why.
    copy = _story(tmp_path)
    (copy / "port.tf").write_text(
        'variable "port" {}\n'
        'resource "aws_security_group_rule" "r" {\n'
        '  type              = "ingress"\n'
        '  security_group_id = aws_security_group.public.id\n'
        '  from_port         = var.port\n'
        '  to_port           = var.port\n'
        '  protocol          = "tcp"\n'
        '  cidr_blocks       = ["10.0.0.0/8"]\n'
        '}\n')
    run = tflint_sg(str(copy), "-v", "--format", "text")
    assert run.stderr == ""
    assert "error: aws_lb_target_traffic_blocked" not in run.stdout
    assert ("note: aws_lb.web -> aws_instance.web[0] tcp/80 (traffic): not decided (aws_lb_target_traffic_blocked): "
            "aws_security_group.public: a rule (aws_security_group_rule.r) admits tcp/var.port from 10.0.0.0/8; whether that "
            "includes tcp/80 depends on a value the configuration does not give") in run.stdout


def test_a_nearby_file_that_is_not_utf8_is_noted(tflint_sg, tmp_path):
    # Looking for the modules that call the given one, tflint-sg reads the directories nearby;
    # one it cannot read is named, not skipped in silence.
    copy = _story(tmp_path)
    (copy / "other").mkdir()
    (copy / "other" / "bad.tf").write_bytes('variable "x" {}\n'.encode("utf-16"))
    run = tflint_sg("-v", str(copy))
    assert run.code == 2 and "Traceback" not in run.stderr
    assert "bad.tf: is not UTF-8 text" in run.stdout and "its module calls are not followed" in run.stdout


# Terraform ends a heredoc at a line holding only its marker, blanks around it allowed (checked
# with `terraform validate` and `terraform console`); a marker that is not alone on its line, or
# is on a last line without a line break, is not one.
HEREDOCS_TERRAFORM_ACCEPTS = {
    "spaces after the marker": ('  a = <<EOT\nhello\nEOT   \n', "hello\n"),
    "blanks around the marker": ('  a = <<EOT\nhello\n\tEOT\t \n', "hello\n"),
    "an indented marker of <<EOT": ('  a = <<EOT\nhello\n    EOT\n', "hello\n"),
    "spaces after a <<-EOT marker": ('  a = <<-EOT\n    hello\n    EOT \n', "hello\n"),
    "a line that only starts with the marker": ('  a = <<EOT\nhello\nEOT x\nEOT\n', "hello\nEOT x\n"),
    "the marker inside a string and a comment": ('  s = "<<EOT"\n  # <<EOT\n  a = <<EOT\nhello\n EOT \n',
                                                 "hello\n"),
}


@pytest.mark.parametrize("case", sorted(HEREDOCS_TERRAFORM_ACCEPTS))
def test_heredoc_closing_markers_terraform_accepts(case, tmp_path):
    from tflint_sg.load.hcl.parse import parse_file

    body, value = HEREDOCS_TERRAFORM_ACCEPTS[case]
    path = tmp_path / "main.tf"
    path.write_text(f"locals {{\n{body}  after = 1\n}}\n")
    (block,) = parse_file(str(path))
    assert block.attributes["a"].expr.value == value
    assert block.attributes["after"].line == body.count("\n") + 2  # the lines after it are where they were


@pytest.mark.parametrize("text, line, column", [
    ('locals {\n  a = <<EOT\nhello\n  b = 1\n}\n', 6, 1),  # no marker: the end of the file
    ('locals {\n  a = <<EOT\nhello\nEOT', 4, 4),  # a marker with no line break after it
    ('locals {\n  a = <<-EOT\n    hello\n    EOT;\n}\n', 6, 1),  # not alone on its line
])
def test_a_heredoc_without_its_closing_marker_is_one_line_at_the_end_of_the_file(
        text, line, column, tflint_sg, tmp_path):
    copy = _story(tmp_path)
    (copy / "heredoc.tf").write_text(text)
    run = tflint_sg(str(copy))
    assert run.code == 1 and "Traceback" not in run.stderr
    (message,) = run.stderr.strip().splitlines()
    assert message.startswith(f"tflint-sg: error: {copy / 'heredoc.tf'}:{line}:{column}: ")
    assert "no closing marker EOT for the heredoc opened on line 2" in message
