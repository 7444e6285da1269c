"""`--format junit`: JUnit XML, as Jenkins' junit step and GitLab's `artifacts:reports:junit`
read it.

Each input is a <testsuite> named by its path, and each finding a <testcase> in it: named by
its rule and subject, its classname the input (GitLab shows the classname as the suite), its
`file` where the finding points. A finding that fails the run has a <failure>; an input that
could not be read, or that broke a rule, is a testcase with an <error>. An input without
findings is an empty suite, so the report still shows that it was checked. (Jenkins' junit
step fails a build whose reports hold no testcase at all, unless given `allowEmptyResults:
true`: a run that found nothing writes such a report.)
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from tflint_sg.errors import Unreadable
from tflint_sg.findings import SEVERITIES, Finding, fingerprint
from tflint_sg.locate import Locator
from tflint_sg.report.common import Checked, all_findings, details, problems, severity, xml_document


def render(checked: list[Checked], unreadable: tuple[Unreadable, ...] = (), failure_threshold: str = "notice") -> str:
    suites: dict[str, list[ElementTree.Element]] = {item.locator.source_uri: [] for item in checked}
    findings = all_findings(checked)
    for (finding, locator), name in zip(findings, _names(findings)):
        location = locator.place(finding.place)
        case = ElementTree.Element("testcase", {"name": name, "classname": locator.source_uri, "file": location.uri})
        # A finding below the run's threshold (--minimum-failure-severity) does not fail the
        # run, so it does not fail the report either: CI would otherwise mark a build the
        # exit code passed. Its text is still there to read.
        if _fails(severity(finding), failure_threshold):
            ElementTree.SubElement(case, "failure", {"message": finding.headline, "type": finding.rule}).text = \
                details(finding, location)
        else:
            ElementTree.SubElement(case, "system-out").text = details(finding, location)
        suites[locator.source_uri].append(case)
    seen: dict[tuple[str, str], int] = {}
    for problem in problems(checked, unreadable):
        # An input a rule and a policy both broke on has two: numbered, so that each is kept.
        number = seen[problem.uri, problem.kind] = seen.get((problem.uri, problem.kind), 0) + 1
        name = problem.kind if number == 1 else f"{problem.kind} {number}"
        case = ElementTree.Element("testcase", {"name": name, "classname": problem.uri, "file": problem.uri})
        ElementTree.SubElement(case, "error", {"message": problem.text, "type": problem.kind}).text = problem.text
        suites.setdefault(problem.uri, []).append(case)

    root = ElementTree.Element("testsuites", {"name": "tflint-sg"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for name in sorted(suites):
        cases = suites[name]
        counts = {"tests": len(cases), "failures": _count(cases, "failure"), "errors": _count(cases, "error")}
        suite = ElementTree.SubElement(root, "testsuite", {"name": name, **_text(counts), "skipped": "0"})
        suite.extend(cases)
        totals = {key: totals[key] + counts[key] for key in totals}
    root.attrib.update(_text(totals))
    return xml_document(root)


def _fails(level: str, threshold: str) -> bool:
    return level not in SEVERITIES or SEVERITIES.index(level) <= SEVERITIES.index(threshold)


def _names(findings: list[tuple[Finding, Locator]]) -> list[str]:
    """`RULE SUBJECT`. GitLab keeps only the first of an input's testcases that share a name: a
    name two findings of one input share (one rule, one subject, two flows) gets the finding's
    fingerprint, which stays the same from run to run, so that runs still compare."""
    plain = [(locator.source_uri, f"{finding.rule} {finding.subject}") for finding, locator in findings]
    return [name if plain.count((source, name)) == 1 else f"{name} ({fingerprint(finding)[:12]})"
            for (source, name), (finding, _) in zip(plain, findings)]


def _count(cases: list[ElementTree.Element], outcome: str) -> int:
    return sum(case.find(outcome) is not None for case in cases)


def _text(counts: dict[str, int]) -> dict[str, str]:
    return {key: str(value) for key, value in counts.items()}
