"""Suppression comments, handled here once for every rule (rules never see them).

`# tflint-sg-ignore: rule_a, rule_b  # reason` on the first line of the finding's block, or on
the line above it, suppresses those rules there (the block of the finding's subject, or of the
rule or group its primary location points at, or the line of that rule or attribute); `# tflint-sg-ignore-file: rule_a` among the
leading comments of a file suppresses them in the whole file. `all` names every rule, and
`exp:2027-06-30` among the names makes the annotation lapse after that day. `//` comments work
too.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from tflint_sg.findings import Finding
from tflint_sg.locate import Locator

_ANNOTATION = re.compile(r"(?:#|//)\s*tflint-sg-ignore(-file)?\s*:\s*([^#\n]*)(?:#\s*(.*))?")
_EXPIRY = re.compile(r"exp:(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Suppression:
    finding: Finding
    reason: str


def split(findings: list[Finding], locator: Locator, today: datetime.date | None = None
          ) -> tuple[list[Finding], list[Suppression]]:
    """The findings that stand, and those an annotation suppresses (with its reason)."""
    today = today or datetime.date.today()
    kept: list[Finding] = []
    suppressed: list[Suppression] = []
    lines_of: dict[str, list[str]] = {}
    for finding in findings:
        reason = None
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
            reason = _suppressing(lines_of[path], location.start_line, finding.rule, today)
            if reason is not None:
                break
        if reason is None:
            kept.append(finding)
        else:
            suppressed.append(Suppression(finding, reason))
    return kept, suppressed


def _annotated_at(finding: Finding, locator: Locator) -> list:
    """Where an annotation may stand: at the subject's block, or where the fix goes (its
    resource's block, or the rule or attribute itself)."""
    places = [locator.locate(finding.subject)]
    if finding.primary is not None:
        places += [locator.locate(finding.primary.address), locator.place(finding.primary)]
    return list(dict.fromkeys(places))


def _suppressing(lines: list[str], line: int, rule: str, today: datetime.date) -> str | None:
    """The reason of an annotation that suppresses `rule` at `line` (1-based), or None."""
    candidates = [lines[index] for index in (line - 1, line - 2) if 0 <= index < len(lines)]
    for text in candidates:
        match = _ANNOTATION.search(text)
        if match and not match.group(1) and _applies(match, rule, today):
            return (match.group(3) or "").strip() or "suppressed by an annotation"
    for text in lines:  # file-level annotations stand among the leading comments
        stripped = text.strip()
        if stripped and not stripped.startswith(("#", "//")):
            break
        match = _ANNOTATION.search(stripped)
        if match and match.group(1) and _applies(match, rule, today):
            return (match.group(3) or "").strip() or "suppressed in this file"
    return None


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
