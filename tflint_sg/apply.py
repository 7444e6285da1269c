"""Writing findings' fixes (findings.Fix) into the .tf files: what --fix, --fix-unsafe and
--diff do. `apply` computes every file's new text and writes nothing; `write` writes it.

A fix is taken whole or not at all: one edit that cannot be made (a file under .terraform/, a
file outside the repository, a place the file does not have, an overlap with an earlier
finding's fix) skips the fix, and the skip is reported so that another run can take it up.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

from tflint_sg.errors import InputError
from tflint_sg.findings import SAFE, Edit, Finding, Fix
from tflint_sg.paths import read_bytes

_BOM = "\ufeff"


@dataclass(frozen=True)
class FileChange:
    path: str  # on this machine
    relative: str  # relative to the repository root, with forward slashes
    old: str  # the file's text as read ("" for a file the fixes create)
    new: str
    fixes: tuple[Fix, ...]  # the fixes with an edit in this file, in the findings' order
    created: bool = False


@dataclass(frozen=True)
class Skipped:
    finding: Finding
    reason: str
    fix: Fix | None = None


@dataclass
class Applied:
    changes: list[FileChange] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)  # the findings whose fix was applied


@dataclass
class _File:
    path: str
    relative: str
    text: str  # without its byte order mark
    bom: bool
    crlf: bool
    created: bool
    line_starts: list[int]
    spans: list[tuple[int, int, str, int]] = field(default_factory=list)  # start, end, text, order
    fixes: list[Fix] = field(default_factory=list)


def chosen_fix(finding: Finding, unsafe: bool) -> Fix | None:
    """The first fix --fix may apply: safe, or any with --fix-unsafe."""
    return next((fix for fix in finding.changes if unsafe or fix.applicability == SAFE), None)


def apply(findings: list[tuple[Finding, Path]], unsafe: bool = False) -> Applied:
    """Each finding's chosen fix applied to the text of its files, in the findings' order;
    `findings` pairs each finding with its repository root (a locator's `paths.root`)."""
    applied = Applied()
    files: dict[str, _File] = {}
    order = 0
    for finding, root in findings:
        fix = chosen_fix(finding, unsafe)
        if fix is None:
            if finding.changes:
                applied.skipped.append(Skipped(finding, "its fixes are unsafe (--fix-unsafe applies them)"))
            continue
        if not fix.edits:
            applied.skipped.append(Skipped(finding, fix.note or "the fix has no edit to make", fix))
            continue
        try:
            placed = [_place(edit, _file(files, edit.path, root)) for edit in fix.edits]
        except InputError as error:
            applied.skipped.append(Skipped(finding, str(error), fix))
            continue
        new = [(file, span) for file, span in placed if span not in [s[:3] for s in file.spans]]
        clash = next((file for index, (file, span) in enumerate(new) if _overlaps(
            span, file.spans + [(*other, 0) for same, other in new[:index] if same is file])), None)
        if clash is not None:
            applied.skipped.append(Skipped(
                finding, f"{clash.relative}: its edit overlaps an earlier finding's fix (or its own); "
                "run --fix again", fix))
            continue
        for file, (start, end, text) in new:
            order += 1
            file.spans.append((start, end, text, order))
        for file in {id(file): file for file, _ in placed}.values():
            file.fixes.append(fix)
        applied.fixed.append(finding)
    for path in sorted(files):
        file = files[path]
        if not file.spans:
            continue
        new_text = file.text
        # From the end backwards, so earlier offsets stay true; two insertions at one place
        # keep the findings' order.
        for start, end, text, _ in sorted(file.spans, key=lambda s: (s[0], s[1], s[3]), reverse=True):
            new_text = new_text[:start] + text + new_text[end:]
        bom = _BOM if file.bom else ""
        applied.changes.append(FileChange(file.path, file.relative, bom + file.text, bom + new_text,
                                          tuple(file.fixes), file.created))
    return applied


def _file(files: dict[str, _File], path: str, root: Path) -> _File:
    absolute = os.path.abspath(path)
    if absolute in files:
        return files[absolute]
    resolved = Path(absolute).resolve()
    if ".terraform" in resolved.parts:
        raise InputError(path, "is in a module `terraform init` installed (.terraform/): never edited")
    try:
        relative = resolved.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        raise InputError(path, "is outside the repository: never edited") from None
    created = not os.path.exists(absolute)
    data = b"" if created else read_bytes(absolute)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(path, f"is not UTF-8 text (byte {error.start})") from None
    bom = text.startswith(_BOM)
    text = text[1:] if bom else text
    starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]
    crlf = "\n" in text and text.split("\n", 1)[0].endswith("\r")
    files[absolute] = _File(absolute, relative, text, bom, crlf, created, starts)
    return files[absolute]


def _place(edit: Edit, file: _File) -> tuple[_File, tuple[int, int, str]]:
    start = _offset(file, edit.line, edit.column, edit)
    end = _offset(file, edit.end_line, edit.end_column, edit)
    if end < start:
        raise InputError(edit.path, f"line {edit.line}: the edit ends before it starts")
    text = edit.text
    if file.crlf:  # the file's own line ends, for the lines a fix adds
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return file, (start, end, text)


def _offset(file: _File, line: int, column: int, edit: Edit) -> int:
    if not 1 <= line <= len(file.line_starts) or column < 1:
        raise InputError(edit.path, f"line {line}: the file has no such place (the fix was written for "
                                    "another version of it)")
    start = file.line_starts[line - 1]
    line_end = file.line_starts[line] - 1 if line < len(file.line_starts) else len(file.text)
    if start + column - 1 > line_end:
        raise InputError(edit.path, f"line {line}, column {column}: the line is shorter (the fix was written "
                                    "for another version of the file)")
    return start + column - 1


def _overlaps(span: tuple[int, int, str], taken: list[tuple[int, int, str, int]]) -> bool:
    """Replaced text shared with an earlier edit, or an insertion inside text it replaces."""
    start, end, _ = span
    for other_start, other_end, _, _ in taken:
        if start < other_end and other_start < end:
            return True
        if start == end and other_start < start < other_end:
            return True
        if other_start == other_end and start < other_start < end:
            return True
    return False


def write(changes: list[FileChange]) -> None:
    """Writes each file's new text, byte for byte as computed. Raises InputError."""
    for change in changes:
        try:
            with open(change.path, "wb") as handle:
                handle.write(change.new.encode("utf-8"))
        except OSError as error:
            raise InputError(change.path, f"cannot be written: {error.strerror or error}") from None


def unified_diff(changes: list[FileChange]) -> str:
    """`git diff`'s form, paths relative to the repository root under a/ and b/."""
    pieces: list[str] = []
    for change in changes:
        old, new = _lines(change.old), _lines(change.new)
        groups = list(_grouped(_slid_opcodes(old, new)))
        if not groups:
            continue
        pieces.append(f"--- {'/dev/null' if change.created else 'a/' + change.relative}\n")
        pieces.append(f"+++ b/{change.relative}\n")
        for group in groups:
            first, last = group[0], group[-1]
            pieces.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    pieces.extend(_marked(" ", old[i1:i2]))
                else:
                    pieces.extend(_marked("-", old[i1:i2]))
                    pieces.extend(_marked("+", new[j1:j2]))
    return "".join(pieces)


def _slid_opcodes(old: list[str], new: list[str]) -> list[list]:
    """difflib's opcodes, with each pure insertion or deletion moved down as far as the lines
    allow: an added block that ends in `}` then reads as the block it is, not as the `}` of the
    block above it followed by most of the new one."""
    codes = [list(code) for code in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()]
    for index in range(1, len(codes) - 1):
        tag, before, after = codes[index][0], codes[index - 1], codes[index + 1]
        if before[0] != "equal" or after[0] != "equal" or tag not in ("insert", "delete"):
            continue
        lines = new if tag == "insert" else old
        start, end = (codes[index][3], codes[index][4]) if tag == "insert" else (codes[index][1], codes[index][2])
        following = after[2] - after[1]
        shift = 0
        while shift < following and lines[start + shift] == lines[end + shift]:
            shift += 1
        if shift:
            before[2] += shift
            before[4] += shift
            for position in range(1, 5):
                codes[index][position] += shift
            after[1] += shift
            after[3] += shift
    return [code for code in codes if code[0] != "equal" or code[2] > code[1]]


def _grouped(codes: list[list], context: int = 3):
    """The opcodes in hunks with `context` lines around each change, as `diff -u` prints them."""
    if len(codes) == 1 and codes[0][0] == "equal" or not codes:
        return
    codes = [list(code) for code in codes]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = [tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2]
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = [tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)]
    group: list[list] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append([tag, i1, i1 + context, j1, j1 + context])
            yield group
            group = []
            i1, j1 = i2 - context, j2 - context
        group.append([tag, i1, i2, j1, j2])
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> str:
    """A hunk header's range, numbered from 1; an empty range names the line before it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _marked(mark: str, lines: list[str]) -> list[str]:
    return [mark + line if line.endswith("\n") else mark + line + "\n\\ No newline at end of file\n"
            for line in lines]


def _lines(text: str) -> list[str]:
    """Split at line feeds only (HCL's line ends), each line keeping its end."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


@dataclass(frozen=True)
class Suggestion:
    """A fix as a reviewer can accept it: lines first..last of one file, and their new text;
    or, for a fix that adds a resource, the addition (`added`), to be put after line `last`."""

    relative: str
    first: int
    last: int
    text: str
    added: bool = False


def suggestion(fix: Fix, root: Path) -> Suggestion | None:
    """The fix as one replacement of whole lines, when its edits are all in one file and touch
    one run of lines; None otherwise, or when the file may not be edited."""
    if not fix.edits or len({os.path.abspath(edit.path) for edit in fix.edits}) != 1:
        return None
    try:
        files: dict[str, _File] = {}
        placed = sorted((_place(edit, _file(files, edit.path, root)) + (edit,) for edit in fix.edits),
                        key=lambda item: item[1][:2])
    except InputError:
        return None
    file = placed[0][0]
    spans = [span for _, span, _ in placed]
    edits = [edit for _, _, edit in placed]
    if len(edits) == 1 and spans[0][0] == spans[0][1] and edits[0].text.lstrip().startswith(
            ("resource ", "data ", "module ")):
        edit = edits[0]
        return Suggestion(file.relative, edit.line, edit.line - (edit.column == 1), edit.text.strip("\n"), True)
    first = edits[0].line
    last = first - 1
    for edit in edits:
        if edit.line > last + 1:
            return None  # two runs of lines: no one suggestion holds them
        ends_before = edit.end_column == 1 and edit.end_line > edit.line
        last = max(last, edit.end_line - 1 if ends_before else edit.end_line)
    if any(_overlaps(span, [(*other, 0) for other in spans[:index]]) for index, span in enumerate(spans)):
        return None
    start = file.line_starts[first - 1]
    end = file.line_starts[last] if last < len(file.line_starts) else len(file.text)
    region = file.text[start:end]  # with the last line's end, which an edit may replace
    for edit_start, edit_end, text in reversed(spans):
        region = region[:edit_start - start] + text + region[edit_end - start:]
    return Suggestion(file.relative, first, last, region.replace("\r\n", "\n").removesuffix("\n"))
