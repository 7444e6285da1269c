"""--fix, --fix-unsafe and --diff on the command line, and the fixes in SARIF, JSON and Markdown.

The fixes are made by hand here (in place of the fix writer's), attached to the story's
blocked load balancer flow: the edit
adds to aws_security_group.public an ingress rule admitting tcp/80 from the group itself,
which is what the finding asks for (the group is on the load balancer and the targets)."""

import json
import shutil
from dataclasses import replace

import pytest

from conftest import FIXTURES
from test_apply import INGRESS, closing_brace
from tflint_sg.findings import UNSAFE, Edit, Fix

BLOCKED = "aws_lb_target_traffic_blocked"


@pytest.fixture
def story(tmp_path):
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURES / "story" / "main.tf", tmp_path / "main.tf")
    return tmp_path


def offer_fix(monkeypatch, main, applicability="safe"):
    """Findings of the blocked flow carry the ingress insertion, as the fix writer would make it."""
    from tflint_sg import fixwrite

    def with_fix(findings, model, locator):
        line = closing_brace(main, 'resource "aws_security_group" "public"')
        fix = Fix("admit tcp/80 from aws_security_group.public in aws_security_group.public",
                  (Edit(str(main), line, 1, line, 1, INGRESS),), applicability)
        return [replace(f, changes=(fix,)) if f.rule == BLOCKED else f for f in findings]

    monkeypatch.setattr(fixwrite, "write_fixes", with_fix)


def with_ingress(text: str, line: int) -> str:
    lines = text.split("\n")
    return "\n".join(lines[:line - 1]) + "\n" + INGRESS + "\n".join(lines[line - 1:])


def test_fix_writes_the_file_says_so_and_reports_what_remains(tflint_sg, story, monkeypatch):
    main = story / "main.tf"
    offer_fix(monkeypatch, main)
    old = main.read_text()
    line = closing_brace(main, 'resource "aws_security_group" "public"')
    before = tflint_sg("-f", "compact", ".", cwd=story)
    assert BLOCKED in before.stdout
    run = tflint_sg("--fix", "-f", "compact", ".", cwd=story)
    assert main.read_text() == with_ingress(old, line)
    assert "fixed main.tf: admit tcp/80 from aws_security_group.public in aws_security_group.public" in run.stderr
    assert BLOCKED not in run.stdout  # the report is of the changed files
    assert "aws_data_store" in run.stdout and run.code == 2  # the database's finding remains
    again = tflint_sg("--fix", "-f", "compact", ".", cwd=story)  # the finding is gone: nothing to do
    assert main.read_text() == with_ingress(old, line) and "fixed" not in again.stderr
    assert again.stdout == run.stdout and again.code == 2


def patched(old: str, diff: str) -> str:
    """`old` with a unified diff's hunks applied, as `patch` would, checking every context line."""
    lines, result, position = old.split("\n"), [], 0
    for hunk in diff.split("\n@@ ")[1:]:
        header, *body = hunk.rstrip("\n").split("\n")
        first = int(header.split()[0].lstrip("-").split(",")[0])
        result += lines[position:first - 1]
        position = first - 1
        for text in body:
            if text[0] in " -":
                assert lines[position] == text[1:]
                position += 1
            if text[0] in " +":
                result.append(text[1:])
    return "\n".join(result + lines[position:])


def test_diff_prints_the_change_and_writes_nothing(tflint_sg, story, monkeypatch):
    main = story / "main.tf"
    offer_fix(monkeypatch, main)
    old = main.read_text()
    line = closing_brace(main, 'resource "aws_security_group" "public"')
    run = tflint_sg("--diff", ".", cwd=story)
    assert main.read_text() == old and run.code == 2  # the finding is still there
    assert run.stdout.startswith("--- a/main.tf\n+++ b/main.tf\n@@ ")
    assert run.stdout.count("\n+") == 1 + INGRESS.count("\n") and "\n-" not in run.stdout  # 1: +++ b/
    assert patched(old, run.stdout) == with_ingress(old, line)


def test_unsafe_fixes_need_fix_unsafe(tflint_sg, story, monkeypatch):
    main = story / "main.tf"
    offer_fix(monkeypatch, main, UNSAFE)
    old = main.read_text()
    run = tflint_sg("--fix", ".", cwd=story)
    assert main.read_text() == old and "--fix-unsafe" in run.stderr
    run = tflint_sg("--fix-unsafe", ".", cwd=story)
    assert main.read_text() != old and "fixed main.tf" in run.stderr


def test_a_plan_without_its_configuration_cannot_be_fixed(tflint_sg, tmp_path):
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURES / "story" / "plan.json", tmp_path / "plan.json")
    run = tflint_sg("--fix", "plan.json", cwd=tmp_path)
    assert run.stderr.count("nothing in it can be fixed") == 1 and run.code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "plan.json"]


def test_sarif_fixes_validate_and_name_the_edit(tflint_sg, story, monkeypatch, validator):
    main = story / "main.tf"
    offer_fix(monkeypatch, main)
    line = closing_brace(main, 'resource "aws_security_group" "public"')
    log = json.loads(tflint_sg("-f", "sarif", ".", cwd=story).stdout)
    validator.validate(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert "fixes" not in results["aws_data_store_unreachable"]
    assert results[BLOCKED]["fixes"] == [{
        "description": {"text": "admit tcp/80 from aws_security_group.public in aws_security_group.public"},
        "artifactChanges": [{
            "artifactLocation": {"uri": "main.tf"},
            "replacements": [{"deletedRegion": {"startLine": line, "startColumn": 1, "endLine": line,
                                                "endColumn": 1},
                              "insertedContent": {"text": INGRESS}}]}]}]
    assert results[BLOCKED]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "main.tf"


def test_json_lists_each_findings_changes(tflint_sg, story, monkeypatch):
    main = story / "main.tf"
    offer_fix(monkeypatch, main)
    line = closing_brace(main, 'resource "aws_security_group" "public"')
    document = json.loads(tflint_sg("-f", "json", ".", cwd=story).stdout)
    assert document["schema_version"] == 2
    changes = {f["rule"]: f["changes"] for f in document["findings"]}
    assert changes["aws_data_store_unreachable"] == []
    assert changes[BLOCKED] == [{
        "description": "admit tcp/80 from aws_security_group.public in aws_security_group.public",
        "applicability": "safe", "note": "",
        "edits": [{"file": "main.tf", "line": line, "column": 1, "end_line": line, "end_column": 1,
                   "text": INGRESS}]}]


def test_markdown_offers_the_fix_as_a_suggestion_on_the_closing_line(tflint_sg, story, monkeypatch):
    main = story / "main.tf"
    offer_fix(monkeypatch, main)
    line = closing_brace(main, 'resource "aws_security_group" "public"')
    run = tflint_sg("-f", "markdown", ".", cwd=story)
    assert run.stderr == ""
    text = run.stdout
    block = f"```suggestion\n{INGRESS}}}\n```\n"
    assert f"#### `main.tf` line {line} ({BLOCKED}, `aws_instance.web`)" in text
    assert block in text and text.count("```suggestion") == 1
    assert text.index("| severity |") < text.index("### Suggested fixes") < text.index("### Tiers")


@pytest.mark.parametrize("output_format", ["sarif", "markdown", "json"])
def test_reports_with_fixes_are_the_same_bytes_each_run(tflint_sg, story, monkeypatch, output_format):
    offer_fix(monkeypatch, story / "main.tf")
    first = tflint_sg("-f", output_format, ".", cwd=story).stdout
    assert "admit tcp/80" in first and tflint_sg("-f", output_format, ".", cwd=story).stdout == first


def test_overlapping_fixes_of_one_run_leave_the_second_for_the_next(tflint_sg, story, monkeypatch):
    """Both findings get an edit of the same closing brace: the first in report order is made."""
    from tflint_sg import fixwrite

    main = story / "main.tf"

    def clashing(findings, model, locator):
        line = closing_brace(main, 'resource "aws_security_group" "public"')
        return [replace(f, changes=(Fix(f"mark {f.rule}", (Edit(str(main), line, 1, line, 2, f"}} # {f.rule}"),)),))
                for f in findings]

    monkeypatch.setattr(fixwrite, "write_fixes", clashing)
    from tflint_sg import cli

    monkeypatch.setattr(cli, "FIX_ROUNDS", 1)  # (these made-up fixes never clear their findings)
    run = tflint_sg("--fix", "-f", "compact", ".", cwd=story)
    assert run.stderr.count("fixed main.tf: mark ") == 1 and run.stderr.count("not fixed: ") == 1
    assert "overlaps an earlier finding's fix" in run.stderr
    assert main.read_text().count("} # aws_") == 1


def test_a_warning_of_the_first_run_is_not_said_again_by_the_second(tflint_sg, story, monkeypatch):
    main = story / "main.tf"
    main.write_text("# tflint-sg-ignore: no_such_rule\n" + main.read_text())
    offer_fix(monkeypatch, main)
    warning = tflint_sg(".", cwd=story).stderr
    assert "no_such_rule" in warning
    run = tflint_sg("--fix", ".", cwd=story)
    assert "fixed main.tf" in run.stderr and run.stderr.count("no_such_rule") == 1


def test_fix_goes_round_until_the_story_is_clean(tflint_sg, story):
    """The real fixes: the instances get a group of their own, and then the database can admit
    it. One --fix does both; a second changes nothing."""
    main = story / "main.tf"
    run = tflint_sg("--fix", ".", cwd=story)
    assert run.code == 0 and run.stdout.startswith("No issues found"), run.stdout + run.stderr
    assert run.stderr.count("fixed main.tf: ") == 2
    fixed = main.read_text()
    assert 'resource "aws_security_group" "web_from_public" {' in fixed
    again = tflint_sg("--fix", ".", cwd=story)
    assert main.read_text() == fixed and "fixed" not in again.stderr and again.code == 0


def test_the_story_fix_is_suggested_in_its_two_places(tflint_sg, story):
    """A new group (HCL to add after the group it sits beside) and the line that attaches it."""
    from conftest import block_lines, line_of

    main = story / "main.tf"
    text = tflint_sg("-f", "markdown", ".", cwd=story).stdout
    after = block_lines(main.read_text().splitlines(), 'resource "aws_security_group" "public"')[1]
    attach = line_of(main, "vpc_security_group_ids = [aws_security_group.public.id]\n".strip())
    assert f"#### `main.tf` after line {after}: add ({BLOCKED}, `aws_instance.web`)" in text
    assert '```hcl\nresource "aws_security_group" "web_from_public" {\n' in text
    assert (f"#### `main.tf` line {attach} ({BLOCKED}, `aws_instance.web`)" in text and
            "```suggestion\n  vpc_security_group_ids = [aws_security_group.public.id, "
            "aws_security_group.web_from_public.id]\n```" in text)


def test_a_plan_is_fixed_once_and_its_report_says_it_is_stale(tflint_sg, story):
    """A plan says what the files made before the edits: --fix on it writes each fix once
    (not once a round from the same stale plan), leaves the fixed finding out of the report
    and says to plan again."""
    shutil.copy(FIXTURES / "story" / "plan.json", story / "plan.json")
    main = story / "main.tf"
    run = tflint_sg("--fix", "-f", "compact", "plan.json", cwd=story)
    fixed = main.read_text()
    assert fixed.count('resource "aws_security_group" "web_from_public"') == 1
    assert run.stderr.count("fixed main.tf: ") == 1, run.stderr
    assert "plan.json was planned before these edits" in run.stderr and "plan again" in run.stderr
    assert BLOCKED not in run.stdout and "aws_data_store_unreachable" in run.stdout and run.code == 2
    again = tflint_sg("--fix", "-f", "compact", "plan.json", cwd=story)
    assert main.read_text() == fixed and "fixed" not in again.stderr
