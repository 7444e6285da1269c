"""`.tflint-sg.hcl` and the rule-selection options, through the real command line."""

from conftest import ROOT, run_in_process

STORY = str(ROOT / "fixtures" / "story")


def _run(*args, cwd, env=None):
    return run_in_process(*args, cwd=cwd, env=env)


def _rules(out: str) -> list[str]:
    return sorted(line.split(": ")[2] for line in out.splitlines() if ": error: " in line or ": warning: " in line
                  or ": notice: " in line)


def test_settings_file_in_the_working_directory(tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text('''
config {
  format = "compact"
  minimum_failure_severity = "error"
}
rule "aws_lb_target_traffic_blocked" {
  enabled = false
}
rule "aws_data_store_unreachable" {
  severity = "warning"
}
''')
    run = _run(STORY, cwd=tmp_path)
    lines = run.stdout.splitlines()
    assert len(lines) == 1 and ": warning: " in lines[0] and lines[0].endswith("[aws_data_store_unreachable]")
    assert run.returncode == 0  # a warning is below the failure severity


def test_command_line_options_win(tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  format = "compact"\n}\n'
                                             'rule "aws_lb_target_traffic_blocked" {\n  enabled = false\n}\n')
    run = _run("--format", "json", "--enable-rule", "aws_lb_target_traffic_blocked", STORY, cwd=tmp_path)
    assert run.stdout.startswith("{")
    assert "aws_lb_target_traffic_blocked" in run.stdout


def test_config_option_and_environment(tmp_path):
    settings = tmp_path / "settings.hcl"
    settings.write_text('rule "aws_lb_target_traffic_blocked" {\n  enabled = false\n}\n')
    for run in (_run("--config", str(settings), "--format", "compact", STORY, cwd=ROOT),
                _run("--format", "compact", STORY, cwd=ROOT, env={"TFLINT_SG_CONFIG": str(settings)})):
        assert "aws_lb_target_traffic_blocked" not in run.stdout and "aws_data_store_unreachable" in run.stdout


def test_only_and_disable(tmp_path):
    only = _run("--only", "aws_data_store_unreachable", "--format", "compact", STORY, cwd=ROOT)
    assert len(only.stdout.splitlines()) == 1
    none = _run("--disable-rule", "aws_data_store_unreachable", "--disable-rule", "aws_lb_target_traffic_blocked",
                STORY, cwd=ROOT)
    assert none.returncode == 0


def test_force_in_settings(tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text("config {\n  force = true\n}\n")
    assert _run(STORY, cwd=tmp_path).returncode == 0


def test_a_bad_settings_file_names_the_line(tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  format = "xml"\n}\n')
    run = _run(STORY, cwd=tmp_path)
    assert run.returncode == 1 and ".tflint-sg.hcl:2: format must be one of" in run.stderr
    (tmp_path / ".tflint-sg.hcl").write_text('rule "no_such_rule" {\n  enabled = false\n}\n')
    run = _run(STORY, cwd=tmp_path)
    assert run.returncode == 1 and "rule 'no_such_rule' does not exist" in run.stderr


def test_an_unknown_rule_option_is_an_error():
    run = _run("--disable-rule", "no_such_rule", STORY, cwd=ROOT)
    assert run.returncode == 1 and "no rule named no_such_rule" in run.stderr


def test_ignore_module(tmp_path):
    """A module call the settings ignore is not followed (one note), as a registry module would be."""
    copy = tmp_path / "modules"
    import shutil
    shutil.copytree(ROOT / "fixtures" / "modules_three_levels", copy,
                    ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    (copy / ".git").mkdir()
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  ignore_module = { "./modules/app" = true }\n}\n')
    run = _run("--verbose", str(copy), cwd=tmp_path)
    assert run.returncode == 0
    assert "ignored by the settings" in run.stdout


def test_an_unknown_setting_is_a_warning_naming_its_line(tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  format = "compact"\n}\n'
                                             'rule "aws_data_store_unreachable" {\n  severty = "warning"\n}\n'
                                             'config {\n  colour = true\n}\n')
    for fmt in ("text", "compact", "json", "sarif"):
        run = _run("--format", fmt, STORY, cwd=tmp_path)
        assert run.returncode == 2  # the run goes on, and the misspelt severity is not applied
        assert run.stderr.splitlines() == [
            "tflint-sg: warning: .tflint-sg.hcl:5: unknown setting 'severty' in 'rule'; did you mean 'severity'?",
            "tflint-sg: warning: .tflint-sg.hcl:8: unknown setting 'colour' in 'config' (format, force, "
            "minimum_failure_severity, minimum_severity, varfile, variables, ignore_module are known)",
        ]
    compact = _run("--format", "compact", STORY, cwd=tmp_path)
    assert "error: " in compact.stdout and compact.stdout.count("[aws_data_store_unreachable]") == 1
    assert ": error: " in [line for line in compact.stdout.splitlines() if "aws_data_store_unreachable" in line][0]


def test_an_unknown_rule_in_the_settings_suggests_the_closest(tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text('rule "aws_data_store_unreachabel" {\n  enabled = false\n}\n')
    run = _run(STORY, cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr == ("tflint-sg: error: .tflint-sg.hcl:1: rule 'aws_data_store_unreachabel' does not exist; "
                          "did you mean 'aws_data_store_unreachable'?\n")
