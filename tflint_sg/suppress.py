"""Suppression comments, handled here once for every rule (rules never see them).

`# tflint-sg-ignore: rule_a, rule_b  # reason` on the first line of the finding's block, or on
the line above it, suppresses those rules there (the block of the finding's subject, or of the
rule or group its primary location points at, or the line of that rule or attribute); `# tflint-sg-ignore-file: rule_a` among the
leading comments of a file suppresses them in the whole file. `all` names every rule, and
`exp:2027-06-30` among the names makes the annotation lapse after that day. `//` comments work
too.

Mistakes in annotations are warnings (`annotation_warnings`), over every file a run reads: an
unknown rule, a malformed annotation, one that has expired, a file-level one where it has no
effect.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tflint_sg.findings import Finding
from tflint_sg.locate import Locator

_ANNOTATION = re.compile(r"(?:#|//)\s*tflint-sg-ignore(-file)?\s*:\s*([^#\n]*)(?:#\s*(.*))?")
_EXPIRY = re.compile(r"exp:(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Suppression:
    finding: Finding
    reason: str
    annotation: tuple[str, int] | None = None  # the annotation's file and line


def split(findings: list[Finding], locator: Locator, today: datetime.date | None = None
          ) -> tuple[list[Finding], list[Suppression]]:
    """The findings that stand, and those an annotation suppresses (with its reason)."""
    today = today or datetime.date.today()
    kept: list[Finding] = []
    suppressed: list[Suppression] = []
    lines_of: dict[str, list[str]] = {}
    for finding in findings:
        annotation = None
        for location in _annotated_at(finding, locator):
            path = locator.path_of(location.uri)
            if path is None or not path.endswith((".tf", ".tf.json", ".tofu", ".tofu.json")):
                continue
            if path not in lines_of:
                try:
                    with open(path, encoding="utf-8-sig") as handle:
                        lines_of[path] = handle.read().splitlines()
                except (OSError, UnicodeDecodeError):
                    lines_of[path] = []
            annotation = _suppressing(lines_of[path], location.start_line, finding.rule, today)
            if annotation is not None:
                break
        if annotation is None:
            kept.append(finding)
        else:
            reason, line = annotation
            suppressed.append(Suppression(finding, reason, (path, line)))
    return kept, suppressed


def _annotated_at(finding: Finding, locator: Locator) -> list:
    """Where an annotation may stand: at the subject's block, or where the fix goes (its
    resource's block, or the rule or attribute itself)."""
    places = [locator.locate(finding.subject)]
    if finding.primary is not None:
        places += [locator.locate(finding.primary.address), locator.place(finding.primary)]
    return list(dict.fromkeys(places))


def _suppressing(lines: list[str], line: int, rule: str, today: datetime.date) -> tuple[str, int] | None:
    """The reason and line (1-based) of an annotation that suppresses `rule` at `line`, or None."""
    for index in (line - 1, line - 2):
        match = _ANNOTATION.search(lines[index]) if 0 <= index < len(lines) else None
        if match and not match.group(1) and _applies(match, rule, today):
            return (match.group(3) or "").strip() or "suppressed by an annotation", index + 1
    for index in range(_leading_comments(lines)):
        match = _ANNOTATION.search(lines[index].strip())
        if match and match.group(1) and _applies(match, rule, today):
            return (match.group(3) or "").strip() or "suppressed in this file", index + 1
    return None


def _leading_comments(lines: list[str]) -> int:
    """How many lines a file begins with that are comments or blank: where file-level
    annotations stand."""
    for index, text in enumerate(lines):
        stripped = text.strip()
        if stripped and not stripped.startswith(("#", "//")):
            return index
    return len(lines)


def _applies(match: re.Match, rule: str, today: datetime.date) -> bool:
    words = [word.strip() for word in re.split(r"[,\s]+", match.group(2)) if word.strip()]
    for word in words:
        expiry = _EXPIRY.fullmatch(word)
        if expiry:
            try:
                if datetime.date.fromisoformat(expiry.group(1)) < today:
                    return False
            except ValueError:
                return False
    names = [word for word in words if not _EXPIRY.fullmatch(word)]
    return rule in names or "all" in names


# --- mistakes in annotations ---------------------------------------------------------------

_KINDS = ("tflint-sg-ignore", "tflint-sg-ignore-file")
# Any comment that starts like an annotation, so that a misspelt one is reported, not skipped.
_MENTION = re.compile(r"(?:#|//)\s*(tflint-sg-ignore[\w-]*)")


def lapsed(kept: list[Finding], locator: Locator) -> list[Suppression]:
    """Of the findings `split` kept, those an expired annotation would suppress, were it not."""
    _, would_be = split(kept, locator, datetime.date.min)  # no expiry is before date.min
    return would_be


@dataclass
class AnnotationScan:
    """What a run's inputs contribute to the annotation warnings, gathered input by input."""

    today: datetime.date
    files: dict[str, Path] = field(default_factory=dict)  # absolute path -> its repository root
    back: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # (real path, line) -> findings

    def add(self, files: list[str], locator: Locator, kept: list[Finding]) -> None:
        """One input: the Terraform files it read, and the findings it kept after suppression."""
        for path in files:
            # Modules `terraform init` installed are not the repository's to annotate.
            if ".terraform" not in Path(path).parts:
                self.files.setdefault(os.path.abspath(path), locator.paths.root)
        for suppression in lapsed(kept, locator):
            path, line = suppression.annotation
            self.back.setdefault((os.path.realpath(path), line), set()).add(
                f"{suppression.finding.rule} on {suppression.finding.subject}")

    def warnings(self, rule_names: set[str]) -> list[str]:
        return annotation_warnings(self.files, rule_names, self.today, self.back)


def annotation_warnings(files: dict[str, Path], rule_names: set[str], today: datetime.date,
                        back: dict[tuple[str, int], set[str]] | None = None) -> list[str]:
    """`name:line: problem` for every mistaken annotation in `files`, each named relative to the
    repository root it maps to (as findings name files), sorted by name and line. `rule_names`:
    the rules and policies an annotation may name; `back`: by (real path, line), the findings
    reported only because the annotation there expired."""
    from tflint_sg.locate import relative_uri

    found: list[tuple[str, int, int, str]] = []
    for path, root in files.items():
        try:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            continue  # the loader has said what it could not read
        if "tflint-sg-ignore" not in text:
            continue
        name, real = relative_uri(path, root), os.path.realpath(path)
        lines = text.splitlines()
        leading = _leading_comments(lines)
        for index, line in enumerate(lines):
            if "tflint-sg-ignore" not in line:
                continue
            problems = _problems(line, index < leading, rule_names, today, (back or {}).get((real, index + 1), ()))
            found.extend((name, index + 1, order, problem) for order, problem in enumerate(problems))
    return [f"{name}:{line}: {problem}" for name, line, _, problem in sorted(found)]


def _problems(text: str, leading: bool, rule_names: set[str], today: datetime.date, back) -> list[str]:
    from tflint_sg.settings import did_you_mean

    mention = _MENTION.search(text)
    if mention is None:
        return []
    kind = mention.group(1)
    if kind not in _KINDS:
        return [f"unknown annotation {kind!r}, which suppresses nothing{did_you_mean(kind, _KINDS)}"]
    match = _ANNOTATION.search(text)
    if match is None or match.start() != mention.start():
        return [f"{kind!r} needs a colon and the rules it suppresses (# {kind}: rule_name); it suppresses nothing"]
    problems = []
    if match.group(1) and not leading:
        problems.append(f"{kind!r} has no effect after the first line of code: it belongs among the file's "
                        "leading comments")
    words = [word for word in re.split(r"[,\s]+", match.group(2)) if word]
    names = [word for word in words if not word.startswith("exp:")]
    if not names:
        problems.append(f"{kind!r} names no rule (a rule's name, or all); it suppresses nothing")
    for name in names:
        if name != "all" and name not in rule_names:
            problems.append(f"rule {name!r} does not exist{did_you_mean(name, rule_names)}")
    return problems + _expiry_problems([word for word in words if word.startswith("exp:")], today, back)


def _expiry_problems(expiries: list[str], today: datetime.date, back) -> list[str]:
    """What is wrong with an annotation's `exp:` words; `back`: the findings it no longer suppresses."""
    problems, days = [], []
    for word in expiries:
        if not _EXPIRY.fullmatch(word):
            problems.append(f"{word!r} is not a date (exp:YYYY-MM-DD) and sets no expiry")
            continue
        try:
            days.append(datetime.date.fromisoformat(word[len("exp:"):]))
        except ValueError:
            problems.append(f"{word!r} is not a date (exp:YYYY-MM-DD), so the annotation suppresses nothing")
    past = [day for day in days if day < today]
    if past:
        expired = f"the annotation expired on {min(past).isoformat()}"
        if back:
            expired += f"; because of it, {', '.join(sorted(back))} {'is' if len(back) == 1 else 'are'} reported again"
        problems.append(expired)
    return problems
