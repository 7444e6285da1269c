"""One run for every front end: `check` and `graph` read the same settings and inputs, the
default command, and the pipeline that both call."""

import shutil
import textwrap

from conftest import FIXTURES
from tflint_sg import __version__

# The story's shape, with the target group's port a variable: 80 (the default) is blocked by
# the instance's group, which admits only 443; 443 is admitted.
PORT_FROM_VARIABLE = textwrap.dedent('''
    variable "app_port" {
      type    = number
      default = 80
    }
    resource "aws_vpc" "main" { cidr_block = "10.20.0.0/16" }
    resource "aws_subnet" "a" {
      vpc_id     = aws_vpc.main.id
      cidr_block = "10.20.1.0/24"
    }
    resource "aws_security_group" "lb" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port   = 443
        to_port     = 443
        protocol    = "tcp"
        cidr_blocks = ["0.0.0.0/0"]
      }
      egress {
        from_port   = 0
        to_port     = 0
        protocol    = "-1"
        cidr_blocks = ["0.0.0.0/0"]
      }
    }
    resource "aws_security_group" "app" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = 443
        to_port         = 443
        protocol        = "tcp"
        security_groups = [aws_security_group.lb.id]
      }
    }
    resource "aws_lb" "web" {
      load_balancer_type = "application"
      security_groups    = [aws_security_group.lb.id]
      subnets            = [aws_subnet.a.id]
    }
    resource "aws_lb_target_group" "web" {
      port     = var.app_port
      protocol = "HTTP"
      vpc_id   = aws_vpc.main.id
    }
    resource "aws_lb_listener" "https" {
      load_balancer_arn = aws_lb.web.arn
      port              = 443
      protocol          = "HTTPS"
      default_action {
        type             = "forward"
        target_group_arn = aws_lb_target_group.web.arn
      }
    }
    resource "aws_instance" "web" {
      ami                    = "ami-0123456789abcdef0"
      subnet_id              = aws_subnet.a.id
      vpc_security_group_ids = [aws_security_group.app.id]
    }
    resource "aws_lb_target_group_attachment" "web" {
      target_group_arn = aws_lb_target_group.web.arn
      target_id        = aws_instance.web.id
    }
''')


def _traffic(graph_run) -> set[tuple]:
    (document,) = graph_run.json()["inputs"]
    return {(flow["from"], flow["to"], flow["port"], flow["status"])
            for flow in document["flows"] if flow["kind"] == "traffic"}


def test_check_and_graph_read_the_same_settings(tflint_sg, tmp_path):
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(PORT_FROM_VARIABLE)

    # Without settings, both see port 80, which the app's group does not admit.
    assert _traffic(tflint_sg("graph", "infra", cwd=tmp_path)) == {("aws_lb.web", "aws_instance.web", 80, "blocked")}
    blocked = tflint_sg("--format", "json", "infra", cwd=tmp_path)
    assert blocked.code == 2
    assert [f["rule"] for f in blocked.json()["findings"]] == ["aws_lb_target_traffic_blocked"]

    # The settings file sets the variable (as `variables`, and as a `varfile`): both commands
    # now model port 443, which is admitted.
    (tmp_path / "prod.tfvars").write_text("app_port = 443\n")
    for settings in ('config {\n  variables = ["app_port=443"]\n}\n', 'config {\n  varfile = ["prod.tfvars"]\n}\n'):
        (tmp_path / ".tflint-sg.hcl").write_text(settings)
        graph = tflint_sg("graph", "infra", cwd=tmp_path)
        assert graph.code == 0, graph.stderr
        assert _traffic(graph) == {("aws_lb.web", "aws_instance.web", 443, "allowed")}
        check = tflint_sg("--format", "json", "infra", cwd=tmp_path)
        assert check.code == 0, check.stdout
        assert check.json()["findings"] == []


def test_graph_reports_a_bad_settings_file_as_check_does(tflint_sg, tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  format = "yaml"\n}\n')
    story = str(FIXTURES / "story")
    for command in (["graph", story], [story]):
        run = tflint_sg(*command, cwd=tmp_path)
        assert run.code == 1
        assert run.stderr.startswith("tflint-sg: error: .tflint-sg.hcl:2: format must be one of"), run.stderr


def test_a_directory_named_like_a_subcommand(tflint_sg, tmp_path):
    shutil.copytree(FIXTURES / "story", tmp_path / "graph")
    (tmp_path / "graph" / "plan.json").unlink()
    # `graph` alone is the subcommand (and needs paths); the directory is `./graph`, or
    # `check graph`.
    assert tflint_sg("graph", cwd=tmp_path).code == 1
    for command in (["./graph"], ["check", "graph"], ["check", "--format", "compact", "graph"]):
        run = tflint_sg(*command, cwd=tmp_path)
        assert run.code == 2, (command, run.stderr)
        assert "aws_lb_target_traffic_blocked" in run.stdout


def test_check_is_the_default_command(tflint_sg):
    story = "fixtures/story/plan.json"
    implicit, explicit = tflint_sg("--format", "sarif", story), tflint_sg("check", "--format", "sarif", story)
    assert implicit.code == explicit.code == 2
    assert implicit.stdout == explicit.stdout
    commands = [line.split()[0] for line in tflint_sg("--help").stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert commands == ["check", "graph"]
    # --version wherever it stands, as before there were subcommands.
    for command in (["--version"], [story, "--version"], ["graph", story, "--version"]):
        run = tflint_sg(*command)
        assert (run.code, run.stdout) == (0, f"tflint-sg {__version__}\n"), command


def test_variables_apply_in_command_line_order(tflint_sg, tmp_path):
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(PORT_FROM_VARIABLE)
    (tmp_path / "a.tfvars").write_text("app_port = 443\n")
    # The later one wins, whichever option it comes from (Terraform's rule).
    allowed = tflint_sg("graph", "--var", "app_port=80", "--var-file=a.tfvars", "infra", cwd=tmp_path)
    blocked = tflint_sg("graph", "--var-file", "a.tfvars", "--var=app_port=80", "infra", cwd=tmp_path)
    assert _traffic(allowed) == {("aws_lb.web", "aws_instance.web", 443, "allowed")}
    assert _traffic(blocked) == {("aws_lb.web", "aws_instance.web", 80, "blocked")}


def test_the_pipeline_without_a_command_line():
    from tflint_sg import pipeline, report

    outcome = pipeline.run(pipeline.Options(paths=(str(FIXTURES / "story"),)))
    assert not outcome.failed and outcome.messages == []
    (checked,) = outcome.checked
    assert sorted({f.rule for f in checked.result.findings}) == ["aws_data_store_unreachable",
                                                                "aws_lb_target_traffic_blocked"]
    assert pipeline.exit_code(outcome) == 2
    forced = pipeline.run(pipeline.Options(paths=(str(FIXTURES / "story"),), force=True))
    assert pipeline.exit_code(forced) == 0 and forced.checked[0].result.findings == checked.result.findings
    compact = report.render("compact", outcome.checked, report.View())
    assert compact.count("[aws_lb_target_traffic_blocked]") == 1  # both instances in one finding

    missing = pipeline.run(pipeline.Options(paths=(str(FIXTURES / "nowhere.json"),)))
    assert missing.failed and missing.unreadable == 1 and pipeline.exit_code(missing) == 1
    assert missing.messages == [("error", f"{FIXTURES / 'nowhere.json'}: no such file")]


def test_no_cache_writes_nothing_to_the_cache_settings_file_included(tflint_sg, tmp_path):
    cache = tmp_path / "cache"
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  format = "compact"\n}\n')
    story = str(FIXTURES / "story")
    run = tflint_sg("--no-cache", story, cwd=tmp_path, env={"TFLINT_SG_CACHE_DIR": str(cache)})
    assert run.code == 2 and run.stdout.count("[aws_lb_target_traffic_blocked]") == 1
    assert not cache.exists() or not any(path.is_file() for path in cache.rglob("*"))
    # Without the option, the same run fills it.
    assert tflint_sg(story, cwd=tmp_path, env={"TFLINT_SG_CACHE_DIR": str(cache)}).code == 2
    assert any(path.is_file() for path in cache.rglob("*"))


def test_errors_before_a_failed_baseline_write_are_still_shown(tflint_sg, tmp_path):
    missing = tmp_path / "nowhere.json"
    run = tflint_sg(str(FIXTURES / "story"), str(missing), "--write-baseline", str(tmp_path / "no" / "dir" / "b.json"))
    assert run.code == 1
    lines = run.stderr.splitlines()
    assert lines[0] == f"tflint-sg: error: {missing}: no such file"
    assert lines[1].startswith(f"tflint-sg: error: {tmp_path / 'no' / 'dir' / 'b.json'}: cannot write the baseline")


def test_runs_in_one_process_do_not_share_state(tmp_path, monkeypatch):
    """The pipeline, called twice in one process with no help from the test harness: --no-cache
    ends with its run, and a run of several inputs writes one pack."""
    from tflint_sg import pipeline

    cache = tmp_path / "cache"
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(cache))
    inputs = (str(FIXTURES / "story"), str(FIXTURES / "story_fixed"), str(FIXTURES / "tier_db_ok"))
    uncached = pipeline.run(pipeline.Options(paths=inputs, cache=False))
    assert len(uncached.checked) == 3 and not cache.exists()
    cached = pipeline.run(pipeline.Options(paths=inputs))
    assert [item.result.findings for item in cached.checked] == [item.result.findings for item in uncached.checked]
    assert [path.name for path in cache.rglob("*") if path.is_file()] and \
        len([path for path in cache.rglob("*.pack")]) == 1
