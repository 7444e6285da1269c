"""`--format gitlab`: a GitLab Code Quality report, for `artifacts:reports:codequality`: a
JSON list of issues with the fields GitLab reads (description, check_name, fingerprint,
severity, location.path and location.lines), paths relative to the repository root (but for a
plan outside it read without its source, which is named as it was given).
"""

from __future__ import annotations

import hashlib
import json

from tflint_sg.errors import Unreadable
from tflint_sg.findings import fingerprint
from tflint_sg.report.common import Checked, all_findings, problems, severity, with_fixes, without_surrogates

# GitLab documents its five severities only as a scale, from `blocker` down to `info` (it sorts
# issues so), and through the Code Climate spec it implements as "the potential impact of the
# issue found". By impact: an error is traffic the configuration intends that it blocks, or a
# store none of its clients reach, an outage once applied: critical. A warning is an exposure
# or a listener nothing reaches, a risk that does not break the application: major. A notice
# is hygiene that leaves a group's rules uncertain: minor; not info, which reads as nothing to
# do, when a notice fails a run by default. Blocker is kept for an input that could not be
# checked at all (PROBLEM_SEVERITY), which must rank above whatever was found elsewhere.
SEVERITIES = {"error": "critical", "warning": "major", "notice": "minor"}
PROBLEM_SEVERITY = "blocker"


def render(checked: list[Checked], unreadable: tuple[Unreadable, ...] = ()) -> str:
    issues = []
    for finding, locator in all_findings(checked):
        location = locator.place(finding.place)
        # GitLab keeps one issue a fingerprint. The same finding can come from two inputs (a
        # plan and its configuration in one run), so the input is part of it; never a line,
        # so that a finding keeps its fingerprint when lines move.
        issues.append(_issue(with_fixes(finding), finding.rule, (locator.source_uri, fingerprint(finding)),
                             SEVERITIES.get(severity(finding), "major"), location.uri, location.start_line,
                             location.end_line))
    for problem in problems(checked, unreadable):
        issues.append(_issue(problem.text, problem.kind, (problem.kind, problem.uri, problem.text), PROBLEM_SEVERITY,
                             problem.uri, problem.line or 1, problem.line or 1))
    issues.sort(key=lambda issue: (issue["location"]["path"], issue["location"]["lines"]["begin"],
                                   issue["check_name"], issue["fingerprint"]))
    taken: set[str] = set()
    for issue in issues:  # two findings of one identity in one input: the later one numbered
        base, number = issue["fingerprint"], 1
        while issue["fingerprint"] in taken:
            number += 1
            issue["fingerprint"] = _digest((base, str(number)))
        taken.add(issue["fingerprint"])
    return json.dumps(without_surrogates(issues), indent=2, sort_keys=True) + "\n"


def _issue(description: str, check: str, identity: tuple[str, ...], level: str, path: str, begin: int,
           end: int) -> dict:
    return {"description": description, "check_name": check, "fingerprint": _digest(identity), "severity": level,
            "location": {"path": path, "lines": {"begin": begin, "end": max(end, begin)}}}


def _digest(identity: tuple[str, ...]) -> str:
    return hashlib.sha256("\x00".join(identity).encode("utf-8")).hexdigest()[:32]
