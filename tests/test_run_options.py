"""The options a CI job and a monorepo need: several formats in one run, --recursive, --chdir,
--minimum-severity, --list-rules, and the environment variables that set them."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT
from tflint_sg import ruledoc
from tflint_sg.rules import ALL_RULES

STORY = "fixtures/story"


# --- several formats in one run -----------------------------------------------------------


def test_one_run_writes_each_format_as_a_run_of_its_own_would(tflint_sg, tmp_path):
    run = tflint_sg("--format", f"sarif:{tmp_path / 'a.sarif'}", "--format", "text",
                    "--format", f"json:{tmp_path / 'b.json'}", STORY)
    assert run.code == 2
    assert run.stdout == tflint_sg(STORY).stdout
    assert (tmp_path / "a.sarif").read_text() == tflint_sg("--format", "sarif", STORY).stdout
    assert (tmp_path / "b.json").read_text() == tflint_sg("--format", "json", STORY).stdout


def test_output_is_the_file_of_the_format_given_without_one(tflint_sg, tmp_path):
    run = tflint_sg("-f", "compact", "-f", f"sarif:{tmp_path / 'a.sarif'}", "-o", str(tmp_path / "c.txt"), STORY)
    assert run.code == 2 and run.stdout == ""
    assert (tmp_path / "c.txt").read_text() == tflint_sg("-f", "compact", STORY).stdout
    assert json.loads((tmp_path / "a.sarif").read_text())["runs"][0]["results"]


@pytest.mark.parametrize("arguments, problem", [
    (["-f", "text", "-f", "json"], "only one format can go to standard output"),
    (["-f", "sarif:x.sarif", "-o", "y"], "-o names the file of the format given without one"),
    (["-f", "sarif:same", "-f", "json:same"], "two outputs would write same"),
    (["-f", "sarif:out", "-f", "text:./out"], "two outputs would write"),
    (["-f", "json:b.json", "--write-baseline", "b.json"], "two outputs would write"),
    (["-f", "sarif:x.sarif", "--diff"], "--diff prints the fixes as a diff"),
    (["-f", "junk"], "'junk' is not a format"),
    (["-f", "sarif:"], "names no file after the colon"),
])
def test_formats_that_cannot_all_be_written_are_one_line_and_exit_1(tflint_sg, tmp_path, arguments, problem):
    run = tflint_sg(*arguments, str(ROOT / STORY), cwd=tmp_path)
    assert run.code == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and problem in run.stderr
    assert not list(tmp_path.iterdir())  # nothing half written


def test_formats_the_environment_gives_are_named_when_they_cannot_be_written(tflint_sg, tmp_path):
    run = tflint_sg(str(ROOT / STORY), "-o", "report.txt", cwd=tmp_path, env={"TFLINT_SG_FORMAT": "sarif:x.sarif"})
    assert run.code == 1 and "every format TFLINT_SG_FORMAT gives names its own" in run.stderr


def test_diff_is_the_one_output_whatever_the_environment_says(tflint_sg, tmp_path):
    shutil.copytree(FIXTURES / "story", tmp_path / "story", ignore=shutil.ignore_patterns("*.json"))
    (tmp_path / "story" / ".git").mkdir()
    run = tflint_sg("--diff", "-o", "fixes.diff", ".", cwd=tmp_path / "story", env={"TFLINT_SG_FORMAT": "sarif:x"})
    assert run.code == 2, run.stderr
    assert (tmp_path / "story" / "fixes.diff").read_text().startswith("--- ")
    assert not (tmp_path / "story" / "x").exists()


def test_query_applies_to_the_json_format_among_several(tflint_sg, tmp_path):
    run = tflint_sg("-f", "json:" + str(tmp_path / "rules.json"), "-f", "text", "--query", "findings[].rule", STORY)
    assert run.stdout == tflint_sg(STORY).stdout
    assert json.loads((tmp_path / "rules.json").read_text()) == ["aws_data_store_unreachable",
                                                                 "aws_lb_target_traffic_blocked"]


# --- environment variables ----------------------------------------------------------------


def test_the_environment_sets_the_format_and_the_command_line_wins(tflint_sg, tmp_path):
    compact = tflint_sg("-f", "compact", STORY).stdout
    assert tflint_sg(STORY, env={"TFLINT_SG_FORMAT": "compact"}).stdout == compact
    assert tflint_sg("-f", "text", STORY, env={"TFLINT_SG_FORMAT": "compact"}).stdout == tflint_sg(STORY).stdout
    both = tflint_sg(STORY, env={"TFLINT_SG_FORMAT": f"compact json:{tmp_path / 'e.json'}"})
    assert both.stdout == compact and json.loads((tmp_path / "e.json").read_text())["findings"]


def test_the_environment_wins_over_the_settings_file(tflint_sg, tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  format = "json"\n}\n')
    story = str(ROOT / STORY)
    assert tflint_sg(story, cwd=tmp_path).stdout.startswith("{")
    assert tflint_sg(story, cwd=tmp_path, env={"TFLINT_SG_FORMAT": "compact"}).stdout.startswith("fixtures/story/")


def test_a_bad_value_from_the_environment_names_the_variable(tflint_sg):
    run = tflint_sg(STORY, env={"TFLINT_SG_MINIMUM_SEVERITY": "high"})
    assert run.code == 1 and "(from TFLINT_SG_MINIMUM_SEVERITY)" in run.stderr and "'high'" in run.stderr
    assert "TFLINT_SG" not in tflint_sg("--minimum-severity", "high", STORY).stderr


# --- the minimum severity -----------------------------------------------------------------

# fixtures/smell_mixed_rules reports a notice only; expose_db_public a warning only; the story two errors.
CASES = ["fixtures/smell_mixed_rules", "fixtures/expose_db_public", STORY]


def _rules(run) -> list[tuple[str, str]]:
    return [(finding["rule"], finding["severity"]) for finding in run.json()["findings"]]


@pytest.mark.parametrize("minimum, shown", [
    ("notice", {"error", "warning", "notice"}),
    ("warning", {"error", "warning"}),
    ("error", {"error"}),
])
def test_findings_below_the_minimum_severity_are_left_out_of_report_and_exit_code(tflint_sg, minimum, shown):
    every = _rules(tflint_sg("-f", "json", *CASES))
    assert {severity for _, severity in every} == {"error", "warning", "notice"}
    run = tflint_sg("-f", "json", "--minimum-severity", minimum, *CASES)
    assert _rules(run) == [pair for pair in every if pair[1] in shown]
    alone = tflint_sg("--minimum-severity", minimum, "fixtures/smell_mixed_rules")
    assert alone.code == (2 if minimum == "notice" else 0)
    left_out = len(every) - len(_rules(run))
    assert sum(entry["left_out_below_minimum_severity"] for entry in run.json()["inputs"]) == left_out
    assert ("less severe left out" in tflint_sg("--minimum-severity", minimum, *CASES).stdout) == (left_out > 0)


def test_the_settings_file_and_the_environment_set_the_minimum_severity(tflint_sg, tmp_path):
    (tmp_path / ".tflint-sg.hcl").write_text('config {\n  minimum_severity = "warning"\n}\n')
    case = str(FIXTURES / "smell_mixed_rules")
    assert tflint_sg(case, cwd=tmp_path).code == 0
    assert tflint_sg("--minimum-severity", "notice", case, cwd=tmp_path).code == 2
    assert tflint_sg(case, env={"TFLINT_SG_MINIMUM_SEVERITY": "error"}).code == 0


# --- --recursive --------------------------------------------------------------------------


def _inputs(run) -> list[str]:
    return [entry["path"] for entry in run.json()["inputs"]]


def test_recursive_at_the_top_of_this_repository_checks_every_fixture_root_and_nothing_installed(tflint_sg):
    run = tflint_sg("--recursive", "-f", "json", ".")
    assert run.code == 2, run.stderr
    inputs = _inputs(run)
    fixture_roots = sorted(f"fixtures/{case.name}" for case in FIXTURES.iterdir()
                           if case.is_dir() and any(case.glob("*.tf")))
    assert sorted(path for path in inputs if path.startswith("fixtures/")) == fixture_roots
    assert not [path for path in inputs if ".terraform" in path or "/modules/" in path]


def test_recursive_checks_each_root_not_the_modules_it_calls(tflint_sg, tmp_path):
    (tmp_path / ".git").mkdir()
    for root in ("live/prod", "live/stage"):
        shutil.copytree(FIXTURES / "story", tmp_path / root, ignore=shutil.ignore_patterns("*.json"))
        (tmp_path / root / "app.tf").write_text('module "app" {\n  source = "../../modules/app"\n}\n')
    (tmp_path / "modules" / "app").mkdir(parents=True)
    (tmp_path / "modules" / "app" / "main.tf").write_text("# a module the roots call\n")
    installed = tmp_path / "live" / "prod" / ".terraform" / "modules" / "vpc"
    installed.mkdir(parents=True)
    (installed / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("no Terraform here\n")
    (tmp_path / "modules" / "unused").mkdir()
    (tmp_path / "modules" / "unused" / "main.tf").write_text("# a module nothing calls yet\n")
    run = tflint_sg("--recursive", "-f", "json", cwd=tmp_path)
    assert run.code == 2, run.stderr
    assert _inputs(run) == ["live/prod", "live/stage", "modules/unused"]
    assert _inputs(tflint_sg("--recursive", "-f", "json", "live/stage", cwd=tmp_path)) == ["live/stage"]
    # A folder of modules is checked for what it holds: not the roots elsewhere that call it.
    modules = tflint_sg("--recursive", "-f", "json", "-v", "modules", cwd=tmp_path)
    assert _inputs(modules) == ["modules/unused"] and modules.code == 0
    only_called = tflint_sg("--recursive", "modules/app", cwd=tmp_path)
    assert only_called.code == 0
    assert "no Terraform root module below modules/app (only modules that root modules outside it call)" \
        in only_called.stderr


def test_recursive_where_there_is_no_terraform_is_a_clean_run_with_its_reports(tflint_sg, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print()\n")
    run = tflint_sg("--recursive", "-f", "sarif:out.sarif", "-f", "text", ".", cwd=tmp_path)
    assert run.code == 0
    assert "no Terraform root module below ." in run.stderr
    (sarif_run,) = json.loads((tmp_path / "out.sarif").read_text())["runs"]
    assert sarif_run["results"] == []


def test_recursive_names_each_directory_without_a_root_module(tflint_sg, tmp_path):
    (tmp_path / "empty").mkdir()
    run = tflint_sg("--recursive", "empty", str(ROOT / STORY), cwd=tmp_path)
    assert run.code == 2 and run.stderr == "tflint-sg: warning: no Terraform root module below empty\n"


def test_graph_reads_recursively_too(tflint_sg, tmp_path):
    (tmp_path / ".git").mkdir()
    shutil.copytree(FIXTURES / "story", tmp_path / "a", ignore=shutil.ignore_patterns("*.json"))
    shutil.copytree(FIXTURES / "story_fixed", tmp_path / "b", ignore=shutil.ignore_patterns("*.json"))
    run = tflint_sg("graph", "--recursive", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert [entry["path"] for entry in run.json()["inputs"]] == ["a", "b"]


# --- --chdir ------------------------------------------------------------------------------


def test_chdir_reads_paths_settings_and_output_from_the_directory(tflint_sg, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "story", work / "infra")
    (work / ".git").mkdir()
    (work / ".tflint-sg.hcl").write_text('config {\n  format = "compact"\n}\n')
    run = tflint_sg("--chdir", str(work), "-o", "report.txt", "infra", cwd=tmp_path)
    assert run.code == 2, run.stderr
    text = (work / "report.txt").read_text()
    assert text.startswith("infra/main.tf:") and len(text.splitlines()) == 2
    assert not (tmp_path / "report.txt").exists()


def test_the_command_comes_back_to_the_working_directory_it_started_in(tmp_path, monkeypatch):
    """For a caller in the same process (an editor, a test): --chdir is the command's alone."""
    from tflint_sg import cli

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        cli.main(["--chdir", str(ROOT), "--force", "-o", str(tmp_path / "out.txt"), STORY])
    assert os.getcwd() == str(tmp_path) and (tmp_path / "out.txt").read_text().startswith("fixtures/story/")


def test_a_working_directory_removed_from_under_the_command_is_no_traceback(tflint_sg_process, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    probe = ("import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); sys.argv[1:] = ['--version'];"
             "from tflint_sg import cli; cli.main()")
    completed = subprocess.run([sys.executable, "-c", probe, str(gone)], capture_output=True, text=True, timeout=60,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.returncode == 0 and completed.stdout.startswith("tflint-sg ") and not completed.stderr


def test_chdir_alone_checks_the_directory(tflint_sg, tmp_path):
    assert tflint_sg("--chdir", str(FIXTURES / "story"), "-f", "compact").stdout == \
        tflint_sg("-f", "compact", STORY).stdout


def test_chdir_to_a_missing_directory_is_one_line(tflint_sg, tmp_path):
    run = tflint_sg("--chdir", str(tmp_path / "nowhere"))
    assert run.code == 1 and run.stderr.count("\n") == 1 and "--chdir" in run.stderr


# --- rules, help, colors ------------------------------------------------------------------


def test_list_rules_gives_each_rule_its_severity_and_summary(tflint_sg):
    run = tflint_sg("--list-rules")
    assert run.code == 0
    rows = [line.split(None, 2) for line in run.stdout.splitlines()]
    assert [row[0] for row in rows] == sorted(rule.ID for rule in ALL_RULES)
    for rule_id, severity, summary in rows:
        document = ruledoc.load(rule_id)
        assert (severity, summary) == (document.severity, document.summary)


def test_help_shows_the_check_options_and_the_commands(tflint_sg):
    run = tflint_sg("--help")
    assert run.code == 0
    for text in ("--format FORMAT[:FILE]", "--recursive", "--chdir", "--minimum-severity", "--list-rules",
                 "--no-color", "TFLINT_SG_FORMAT", "graph", "check"):
        assert text in run.stdout, text
