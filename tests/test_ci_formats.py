"""The formats for CI systems other than GitHub: JUnit XML (Jenkins, GitLab test reports),
Checkstyle XML (Jenkins warnings-ng) and GitLab Code Quality JSON. Each is valid against a
schema written from what its readers document (tests/schemas/), and says what the compact
format says of the same run."""

import json
import os
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from conftest import FIXTURES, ROOT

SCHEMAS = Path(__file__).parent / "schemas"
STORY = ("fixtures/story/plan.json", "fixtures/story")
CLEAN = "fixtures/story_fixed/plan.json"  # the story with its groups fixed: nothing to report
NOTICE_AND_ERROR = "fixtures/smell_unattached_source"
# A file name a report must escape in XML attributes and text.
BROKEN_NAME = 'plan "a&b" <1>.json'
GITLAB_SCALE = ["info", "minor", "major", "critical", "blocker"]


@pytest.fixture(scope="module")
def junit_schema():
    return xmlschema.XMLSchema11(SCHEMAS / "junit.xsd")


@pytest.fixture(scope="module")
def checkstyle_schema():
    return xmlschema.XMLSchema11(SCHEMAS / "checkstyle.xsd")


@pytest.fixture(scope="module")
def gitlab_schema():
    schema = json.loads((SCHEMAS / "gitlab-codequality.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _compact(tflint_sg, *paths) -> list[tuple[str, int, str, str]]:
    """(file, line, severity, rule) of each finding, as the compact format lists them."""
    found = [re.fullmatch(r"(.+?):(\d+):\d+: (\w+): .* \[([^\]]+)\]", line)
             for line in tflint_sg("--format", "compact", *paths).stdout.splitlines()]
    assert all(found)
    return [(m[1], int(m[2]), m[3], m[4]) for m in found]


def _junit(tflint_sg, schema, *paths, cwd=ROOT):
    run = tflint_sg("--format", "junit", *paths, cwd=cwd)
    assert run.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ') and run.stdout.endswith("\n")
    schema.validate(run.stdout)
    return run, ElementTree.fromstring(run.stdout)


def _checkstyle(tflint_sg, schema, *paths, cwd=ROOT):
    run = tflint_sg("--format", "checkstyle", *paths, cwd=cwd)
    assert run.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle ') and run.stdout.endswith("\n")
    schema.validate(run.stdout)
    return run, ElementTree.fromstring(run.stdout)


def _gitlab(tflint_sg, schema, *paths, cwd=ROOT):
    run = tflint_sg("--format", "gitlab", *paths, cwd=cwd)
    issues = json.loads(run.stdout)
    assert not sorted(schema.iter_errors(issues), key=str), sorted(schema.iter_errors(issues), key=str)[0].message
    assert run.stdout == json.dumps(issues, indent=2, sort_keys=True) + "\n"
    return run, issues


def _broken(tmp_path) -> Path:
    (tmp_path / BROKEN_NAME).write_text('{\n  "format_version": \n')
    return tmp_path / BROKEN_NAME


# --- JUnit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", STORY)
def test_junit_has_a_failed_testcase_for_each_finding_compact_lists(tflint_sg, junit_schema, path):
    run, root = _junit(tflint_sg, junit_schema, path)
    assert run.code == 2
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == path
    cases = suite.findall("testcase")
    # The failure's text starts with where the finding is, as compact says it.
    seen = [(case.get("file"), int(case.find("failure").text.split("\n")[0].rpartition(":")[2]),
             case.find("failure").get("type")) for case in cases]
    compact = _compact(tflint_sg, path)
    assert seen == [(file, line, rule) for file, line, _, rule in compact] and len(seen) == 2
    assert {case.get("classname") for case in cases} == {path}
    assert [case.get("name").split(" ")[0] for case in cases] == [rule for *_, rule in compact]
    assert suite.get("failures") == root.get("failures") == str(len(compact)) and root.get("errors") == "0"


def test_junit_failure_says_the_finding_its_fix_and_its_page(tflint_sg, junit_schema):
    """The failure's message is the headline the text format prints; its text the whole of it."""
    _, root = _junit(tflint_sg, junit_schema, STORY[0])
    headlines = [line.split(": ", 3)[3] for line in tflint_sg(STORY[0]).stdout.splitlines()
                 if line.startswith("fixtures/story/main.tf:")]
    failures = [case.find("failure") for case in root.iter("testcase")]
    assert [failure.get("message") for failure in failures] == headlines
    compact = _compact(tflint_sg, STORY[0])
    for failure, (file, line, _, _) in zip(failures, compact, strict=True):
        where, message, fix, *_, docs = failure.text.split("\n")
        assert where == f"{file}:{line}"
        assert message.startswith(failure.get("message")) and fix.startswith("Fix: ")
        assert docs.startswith("Docs: https://") and docs.endswith(f"/rules/{failure.get('type')}.md")
    assert any(len(line) > len(failure.get("message")) for failure in failures  # a headline of two sentences
               for line in failure.text.split("\n")[1:2])


def test_junit_has_one_suite_per_input_and_an_empty_one_for_a_clean_input(tflint_sg, junit_schema):
    _, root = _junit(tflint_sg, junit_schema, *STORY, CLEAN)
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == sorted([*STORY, CLEAN])
    assert suites[CLEAN].get("tests") == "0" and not suites[CLEAN].findall("testcase")
    assert root.get("tests") == root.get("failures") == str(2 * 2)


def test_junit_marks_an_input_that_cannot_be_read_as_an_error(tflint_sg, junit_schema, tmp_path):
    broken = _broken(tmp_path)
    run, root = _junit(tflint_sg, junit_schema, broken.name, str(FIXTURES / "story" / "plan.json"), cwd=tmp_path)
    assert run.code == 1
    printed = run.stderr.strip().removeprefix("tflint-sg: error: ")
    (suite,) = [s for s in root.findall("testsuite") if s.get("name") == BROKEN_NAME]
    (case,) = suite.findall("testcase")
    assert case.find("error").get("message") == case.find("error").text == printed
    assert suite.get("errors") == root.get("errors") == "1" and suite.get("failures") == "0"
    assert root.get("failures") == "2"  # the input that could be read is still reported


def test_junit_marks_an_input_that_broke_a_rule_as_an_error(tflint_sg, junit_schema, monkeypatch):
    from tflint_sg.rules import ALL_RULES

    def broken(context):
        raise RuntimeError("boom")

    monkeypatch.setattr(ALL_RULES[0], "check", broken)
    run, root = _junit(tflint_sg, junit_schema, STORY[0])
    assert run.code == 1
    (suite,) = root.findall("testsuite")
    errors = [case.find("error") for case in suite.findall("testcase") if case.find("error") is not None]
    assert [error.text for error in errors] == [line.removeprefix("tflint-sg: error: ")
                                                for line in run.stderr.splitlines() if "boom" in line]
    assert suite.get("errors") == "1"


def test_junit_fails_a_notice_that_fails_the_run(tflint_sg, junit_schema):
    run, root = _junit(tflint_sg, junit_schema, "fixtures/smell_mixed_rules")
    assert [level for _, _, level, _ in _compact(tflint_sg, "fixtures/smell_mixed_rules")] == ["notice"]
    assert run.code == 2 and root.get("failures") == "1"


def test_junit_fails_a_notice_only_when_the_run_fails_on_it(junit_schema, monkeypatch):
    """A notice fails the run by default (exit 2), so it fails the report; below the run's
    --minimum-failure-severity it is a passed testcase whose output still says it."""
    from tflint_sg import pipeline, report

    monkeypatch.chdir(ROOT)
    outcomes = {}
    for threshold in (None, "warning"):
        outcome = pipeline.run(pipeline.Options(paths=(NOTICE_AND_ERROR,), minimum_failure_severity=threshold))
        document = report.render("junit", outcome.checked, report.View(failure_threshold=outcome.threshold))
        junit_schema.validate(document)
        cases = ElementTree.fromstring(document).findall("testsuite/testcase")
        levels = [f.severity for item in outcome.checked for f in item.result.findings]
        assert sorted(levels) == ["error", "notice"]
        outcomes[threshold] = sorted((case.find("failure") is not None, case.findtext("system-out") or "")
                                     for case in cases)
    assert [failed for failed, _ in outcomes[None]] == [True, True]
    (passed, out), (failed, _) = outcomes["warning"]
    assert not passed and failed and "aws_security_group_rule_source_unattached" in out and "\nFix: " in out


def test_junit_follows_the_command_lines_failure_threshold(tflint_sg, junit_schema):
    every = _junit(tflint_sg, junit_schema, NOTICE_AND_ERROR)[1]
    run = tflint_sg("--format", "junit", "--minimum-failure-severity", "warning", NOTICE_AND_ERROR)
    junit_schema.validate(run.stdout)
    assert every.get("failures") == "2" and ElementTree.fromstring(run.stdout).get("failures") == "1"


# --- Checkstyle ----------------------------------------------------------------------------


@pytest.mark.parametrize("paths", [STORY[:1], STORY[1:], (NOTICE_AND_ERROR,)])
def test_checkstyle_lists_what_compact_lists_by_file(tflint_sg, checkstyle_schema, paths):
    run, root = _checkstyle(tflint_sg, checkstyle_schema, *paths)
    assert run.code == 2 and root.get("version")
    names = [file.get("name") for file in root.findall("file")]
    assert names == sorted(set(names))
    seen = [(file.get("name"), int(error.get("line")), error.get("severity"), error.get("source"))
            for file in root.findall("file") for error in file.findall("error")]
    as_checkstyle = {"error": "error", "warning": "warning", "notice": "info"}  # TFLint's levels
    assert seen == [(f, line, as_checkstyle[level], rule) for f, line, level, rule in _compact(tflint_sg, *paths)]
    for error in root.iter("error"):
        assert error.get("link").endswith(f"/rules/{error.get('source')}.md")
        assert (ROOT / "rules" / f"{error.get('source')}.md").is_file()


def test_checkstyle_of_a_clean_input_has_no_file(tflint_sg, checkstyle_schema):
    run, root = _checkstyle(tflint_sg, checkstyle_schema, CLEAN)
    assert run.code == 0 and not list(root)


def test_checkstyle_names_an_input_that_cannot_be_read(tflint_sg, checkstyle_schema, tmp_path):
    broken = _broken(tmp_path)
    run, root = _checkstyle(tflint_sg, checkstyle_schema, broken.name, cwd=tmp_path)
    assert run.code == 1
    (file,) = root.findall("file")
    (error,) = file.findall("error")
    assert file.get("name") == BROKEN_NAME and error.get("severity") == "error"
    assert error.get("message") == run.stderr.strip().removeprefix("tflint-sg: error: ")
    assert "input" in error.get("source") and error.get("line") == "3"  # the line the JSON ends on


# --- GitLab Code Quality -------------------------------------------------------------------


@pytest.mark.parametrize("path", STORY)
def test_gitlab_lists_what_compact_lists(tflint_sg, gitlab_schema, path):
    run, issues = _gitlab(tflint_sg, gitlab_schema, path)
    assert run.code == 2
    assert sorted((i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"]) for i in issues) == \
        sorted((file, line, rule) for file, line, _, rule in _compact(tflint_sg, path))
    assert all(not Path(i["location"]["path"]).is_absolute() and (ROOT / i["location"]["path"]).is_file()
               for i in issues)


def test_gitlab_fingerprints_are_unique_in_a_report(tflint_sg, gitlab_schema):
    """The plan and its configuration give the same findings: GitLab would keep one of each."""
    _, issues = _gitlab(tflint_sg, gitlab_schema, *STORY)
    assert len(issues) == 4 and len({issue["fingerprint"] for issue in issues}) == 4


def test_gitlab_fingerprints_survive_moved_lines(tflint_sg, gitlab_schema, tmp_path):
    """The same plan laid out otherwise, at the same place in a repository, keeps its fingerprints."""
    plan = json.loads((FIXTURES / "story" / "plan.json").read_text())
    fingerprints = []
    reordered = {**plan, "resource_changes": plan["resource_changes"][::-1]}
    for name, text in (("indented", json.dumps(plan, indent=2)), ("reordered", json.dumps(reordered))):
        (tmp_path / name / ".git").mkdir(parents=True)
        (tmp_path / name / "infra").mkdir()
        (tmp_path / name / "infra" / "plan.json").write_text(text)
        issues = _gitlab(tflint_sg, gitlab_schema, "infra/plan.json", cwd=tmp_path / name)[1]
        fingerprints.append([(i["check_name"], i["fingerprint"]) for i in issues])
    assert fingerprints[0] == fingerprints[1] and len(fingerprints[0]) == 2


def test_gitlab_ranks_errors_above_notices(tflint_sg, gitlab_schema):
    _, issues = _gitlab(tflint_sg, gitlab_schema, NOTICE_AND_ERROR)
    compact = {rule: level for *_, level, rule in _compact(tflint_sg, NOTICE_AND_ERROR)}
    rank = {compact[i["check_name"]]: GITLAB_SCALE.index(i["severity"]) for i in issues}
    assert set(rank) == {"error", "notice"} and rank["error"] > rank["notice"] > 0  # a notice is to be done


def test_gitlab_of_a_clean_input_is_an_empty_list(tflint_sg, gitlab_schema):
    run, _ = _gitlab(tflint_sg, gitlab_schema, CLEAN)
    assert run.code == 0 and run.stdout == "[]\n"


def test_gitlab_puts_an_input_that_cannot_be_read_above_everything(tflint_sg, gitlab_schema, tmp_path):
    broken = _broken(tmp_path)
    run, issues = _gitlab(tflint_sg, gitlab_schema, broken.name, cwd=tmp_path)
    assert run.code == 1
    (issue,) = issues
    assert issue["description"] == run.stderr.strip().removeprefix("tflint-sg: error: ")
    assert issue["location"] == {"path": BROKEN_NAME, "lines": {"begin": 3, "end": 3}}
    assert issue["severity"] == GITLAB_SCALE[-1]


# --- All three -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["junit", "checkstyle", "gitlab"])
def test_same_input_same_bytes_and_the_output_file_holds_them(tflint_sg, tmp_path, name):
    broken = _broken(tmp_path)
    paths = (broken.name, str(FIXTURES / "story" / "plan.json"), str(FIXTURES / "story"), str(ROOT / CLEAN))
    first = tflint_sg("--format", name, *paths, cwd=tmp_path)
    second = tflint_sg("-f", name, "-o", "report.out", *paths, cwd=tmp_path)
    assert first.code == second.code == 1 and first.stdout
    assert (tmp_path / "report.out").read_bytes() == first.stdout.encode("utf-8")
    assert first.stdout.isascii()  # the same bytes whatever encoding standard output has


@pytest.mark.parametrize("name", ["junit", "checkstyle", "gitlab"])
def test_the_settings_file_can_choose_the_format(tflint_sg, tmp_path, name):
    (tmp_path / ".tflint-sg.hcl").write_text(f'config {{\n  format = "{name}"\n}}\n')
    run = tflint_sg(str(ROOT / CLEAN), cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert run.stdout == tflint_sg("--format", name, str(ROOT / CLEAN), cwd=tmp_path).stdout


def test_a_file_name_that_is_not_utf8_still_makes_valid_reports(tflint_sg, junit_schema, checkstyle_schema,
                                                                 gitlab_schema, tmp_path):
    story = tmp_path / "story"
    story.mkdir()
    (story / ".git").mkdir()
    # A byte that is not UTF-8 in a name: Python keeps it as a lone surrogate, which XML forbids.
    (story / os.fsdecode(b"ma\xffin.tf")).write_bytes((FIXTURES / "story" / "main.tf").read_bytes())
    junit_run, junit = _junit(tflint_sg, junit_schema, ".", cwd=story)
    checkstyle_run, checkstyle = _checkstyle(tflint_sg, checkstyle_schema, ".", cwd=story)
    assert junit_run.code == checkstyle_run.code == 2
    assert {case.get("file") for case in junit.iter("testcase")} == {"ma\ufffdin.tf"}
    assert [file.get("name") for file in checkstyle.iter("file")] == ["ma\ufffdin.tf"]
    # JSON readers refuse lone surrogates too: the byte is written as a URI writes it.
    gitlab = _gitlab(tflint_sg, gitlab_schema, ".", cwd=story)[1]
    assert {issue["location"]["path"] for issue in gitlab} == {"ma%FFin.tf"}
    sarif = tflint_sg("--format", "sarif", ".", cwd=story)
    assert sarif.code == 2 and '"uri": "ma%FFin.tf"' in sarif.stdout
