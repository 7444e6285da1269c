"""--fix's edits as a user sees them in the files: each compared with the text computed by hand."""

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from tflint_sg.apply import apply, unified_diff
from tflint_sg.findings import UNSAFE, Edit, Finding, Fix

INGRESS = ('  ingress {\n    description = "HTTP from the load balancer"\n    from_port   = 80\n'
           '    to_port     = 80\n    protocol    = "tcp"\n    self        = true\n  }\n')


@pytest.fixture
def story(tmp_path):
    """A repository holding a copy of fixtures/story/main.tf."""
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURES / "story" / "main.tf", tmp_path / "main.tf")
    return tmp_path


def closing_brace(path: Path, header: str) -> int:
    """The line of the `}` that closes the top-level block starting with `header`."""
    lines = path.read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    return next(i for i in range(start, len(lines)) if lines[i] == "}") + 1


def finding(*fixes: Fix, subject: str = "aws_instance.web") -> Finding:
    return Finding("aws_lb_target_traffic_blocked", subject, "blocked.", "admit it", changes=fixes)


def insertion(path: Path, line: int, text: str = INGRESS, column: int = 1) -> Edit:
    return Edit(str(path), line, column, line, column, text)


def test_an_insertion_goes_before_the_line_and_keeps_the_rest(story):
    main = story / "main.tf"
    line = closing_brace(main, 'resource "aws_security_group" "public"')
    old = main.read_text()
    result = apply([(finding(Fix("admit tcp/80", (insertion(main, line),))), story)])
    lines = old.split("\n")
    expected = "\n".join(lines[:line - 1]) + "\n" + INGRESS + "\n".join(lines[line - 1:])
    assert [(c.relative, c.old, c.new) for c in result.changes] == [("main.tf", old, expected)]
    assert result.skipped == []
    assert main.read_text() == old  # apply computes; only write writes


def test_a_replacement_within_a_line(story):
    main = story / "main.tf"
    line = next(n for n, text in enumerate(main.read_text().split("\n"), 1) if "from_port   = 443" in text)
    column = main.read_text().split("\n")[line - 1].index("443") + 1
    edit = Edit(str(main), line, column, line, column + 3, "8443")
    change = apply([(finding(Fix("port", (edit,), UNSAFE)), story)], unsafe=True).changes[0]
    assert change.new == change.old.replace("from_port   = 443", "from_port   = 8443")


def test_edits_of_one_fix_apply_from_the_end_so_both_land(story):
    main = story / "main.tf"
    first = closing_brace(main, 'resource "aws_security_group" "public"')
    second = closing_brace(main, 'resource "aws_lb" "web"')
    fix = Fix("two", (insertion(main, first, "# a\n"), insertion(main, second, "# b\n")))
    lines = main.read_text().split("\n")
    lines.insert(second - 1, "# b")
    lines.insert(first - 1, "# a")
    assert apply([(finding(fix), story)]).changes[0].new == "\n".join(lines)


def test_a_later_overlapping_fix_is_skipped_and_reported(story):
    main = story / "main.tf"
    line = closing_brace(main, 'resource "aws_security_group" "public"')
    replace_brace = Edit(str(main), line, 1, line, 2, "}  # one")
    also_brace = Edit(str(main), line, 1, line, 2, "}  # two")
    first, second = finding(Fix("one", (replace_brace,))), finding(Fix("two", (also_brace,)), subject="b")
    result = apply([(first, story), (second, story)])
    assert "}  # one" in result.changes[0].new and "# two" not in result.changes[0].new
    assert [(s.finding, "overlaps" in s.reason) for s in result.skipped] == [(second, True)]
    assert [fix.description for fix in result.changes[0].fixes] == ["one"]


def test_the_same_edit_needed_twice_is_made_once(story):
    main = story / "main.tf"
    edit = insertion(main, closing_brace(main, 'resource "aws_security_group" "public"'))
    result = apply([(finding(Fix("a", (edit,))), story), (finding(Fix("b", (edit,)), subject="x"), story)])
    assert result.changes[0].new.count(INGRESS) == 1 and result.skipped == []


def test_crlf_file_stays_crlf_and_keeps_every_other_byte(story):
    main = story / "main.tf"
    line = closing_brace(main, 'resource "aws_security_group" "public"')
    original = main.read_text()
    main.write_bytes(original.replace("\n", "\r\n").encode())
    change = apply([(finding(Fix("admit", (insertion(main, line),))), story)]).changes[0]
    lines = original.split("\n")
    expected = ("\n".join(lines[:line - 1]) + "\n" + INGRESS + "\n".join(lines[line - 1:])).replace("\n", "\r\n")
    assert change.new == expected


def test_a_byte_order_mark_stays_and_does_not_count_as_a_column(story):
    main = story / "main.tf"
    main.write_bytes(b"\xef\xbb\xbf" + b'locals { a = 1 }\n')
    edit = Edit(str(main), 1, 14, 1, 15, "2")
    change = apply([(finding(Fix("two", (edit,))), story)]).changes[0]
    assert change.new.encode() == b"\xef\xbb\xbf" + b'locals { a = 2 }\n'


@pytest.mark.parametrize("where", ["installed", "outside"])
def test_installed_modules_and_files_outside_the_repository_are_never_edited(story, tmp_path_factory, where):
    if where == "installed":
        target = story / ".terraform" / "modules" / "vpc" / "main.tf"
    else:
        target = tmp_path_factory.mktemp("elsewhere") / "main.tf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("locals {}\n")
    main = story / "main.tf"
    fix = Fix("both", (insertion(main, 1, "# ok\n"), insertion(target, 1, "# no\n")))
    result = apply([(finding(fix), story)])
    assert result.changes == []  # a fix is taken whole or not at all
    assert "never edited" in result.skipped[0].reason


def test_unsafe_fixes_wait_for_fix_unsafe_and_a_later_safe_fix_is_taken(story):
    main = story / "main.tf"
    unsafe = Fix("change the port", (insertion(main, 1, "# unsafe\n"),), UNSAFE)
    safe = Fix("admit", (insertion(main, 1, "# safe\n"),))
    only_unsafe = finding(unsafe)
    assert apply([(only_unsafe, story)]).changes == []
    assert "--fix-unsafe" in apply([(only_unsafe, story)]).skipped[0].reason
    assert apply([(only_unsafe, story)], unsafe=True).changes[0].new.startswith("# unsafe\n")
    assert apply([(finding(unsafe, safe), story)]).changes[0].new.startswith("# safe\n")
    assert apply([(finding(unsafe, safe), story)], unsafe=True).changes[0].new.startswith("# unsafe\n")


def test_a_fix_with_only_a_note_is_reported_not_applied(story):
    note = Fix("admit it in the module", note="the group is in module.vpc, installed by terraform init")
    result = apply([(finding(note), story)])
    assert result.changes == [] and result.skipped[0].reason == note.note


def test_an_edit_for_another_version_of_the_file_is_skipped(story):
    main = story / "main.tf"
    lines = len(main.read_text().split("\n"))
    result = apply([(finding(Fix("late", (insertion(main, lines + 5),))), story)])
    assert result.changes == [] and "no such place" in result.skipped[0].reason


def test_unified_diff_names_files_from_the_repository_root(story):
    (story / "net").mkdir()
    target = story / "net" / "sg.tf"
    target.write_text("a\nb\nc\n")
    change = apply([(finding(Fix("x", (insertion(target, 3, "new\n"),))), story)]).changes
    assert unified_diff(change) == ("--- a/net/sg.tf\n+++ b/net/sg.tf\n@@ -1,3 +1,4 @@\n"
                                    " a\n b\n+new\n c\n")


def test_unified_diff_shows_an_added_block_whole_not_shifted_onto_the_block_above(story):
    target = story / "sg.tf"
    target.write_text('resource "a" "x" {\n  ingress {\n  }\n}\n\nresource "b" "y" {\n}\n')
    added = 'resource "n" "z" {\n  ingress {\n  }\n}\n\n'
    change = apply([(finding(Fix("x", (insertion(target, 6, added),))), story)]).changes
    assert unified_diff(change) == ("--- a/sg.tf\n+++ b/sg.tf\n@@ -3,5 +3,10 @@\n"
                                    '   }\n }\n \n+resource "n" "z" {\n+  ingress {\n+  }\n+}\n+\n'
                                    ' resource "b" "y" {\n }\n')


def test_unified_diff_marks_a_last_line_without_its_end(story):
    target = story / "end.tf"
    target.write_text("a\nb")
    change = apply([(finding(Fix("x", (Edit(str(target), 2, 1, 2, 2, "c"),))), story)]).changes
    assert unified_diff(change) == ("--- a/end.tf\n+++ b/end.tf\n@@ -1,2 +1,2 @@\n a\n-b\n"
                                    "\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


def test_a_suggestion_is_the_run_of_lines_with_the_edits_made(story):
    from tflint_sg.apply import suggestion

    main = story / "main.tf"
    lines = main.read_text().split("\n")
    port = next(n for n, text in enumerate(lines, 1) if "from_port   = 443" in text)
    edits = tuple(Edit(str(main), line, lines[line - 1].index("443") + 1, line, lines[line - 1].index("443") + 4,
                       "8443") for line in (port, port + 1))
    offered = suggestion(Fix("port", edits), story)
    assert (offered.relative, offered.first, offered.last, offered.added) == ("main.tf", port, port + 1, False)
    assert offered.text == "\n".join(lines[port - 1:port + 1]).replace("443", "8443")
    apart = (edits[0], Edit(str(main), port + 5, 1, port + 5, 1, "# x\n"))
    assert suggestion(Fix("apart", apart), story) is None


def test_a_new_resource_is_suggested_as_an_addition(story):
    from tflint_sg.apply import suggestion

    main = story / "main.tf"
    end = len(main.read_text().split("\n"))
    added = '\nresource "aws_security_group" "app" {\n  name = "app"\n}\n'
    offered = suggestion(Fix("add a group", (Edit(str(main), end, 1, end, 1, added),)), story)
    assert offered.added and offered.last == end - 1 and offered.text == added.strip("\n")
