"""What every writer needs: results paired with their locator, in a stable order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tflint_sg import ruledoc
from tflint_sg.analysis import Result
from tflint_sg.coverage import FlowCounts
from tflint_sg.errors import Unreadable
from tflint_sg.findings import Finding
from tflint_sg.locate import Location, Locator, paths_for

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


@dataclass
class Checked:
    result: Result
    locator: Locator


def severity(finding: Finding) -> str:
    """The severity a report shows: the runner has already applied the settings' overrides."""
    return ruledoc.effective_severity(finding)


def all_findings(checked: list[Checked]) -> list[tuple[Finding, Locator]]:
    pairs = [(finding, item.locator) for item in checked for finding in item.result.findings]
    def order(pair: tuple[Finding, Locator]) -> tuple:
        location = pair[1].place(pair[0].place)
        return (location.uri, location.start_line, pair[0].sort_key())

    return sorted(pairs, key=order)


def rule_page(rule_id: str) -> str:
    """The rule's page; empty for a policy from the settings, which has none."""
    return ruledoc.load(rule_id).help_uri if ruledoc.exists(rule_id) else ""


def with_fixes(finding: Finding) -> str:
    """The message and the ways out, on one line."""
    return " ".join([finding.message, f"Fix: {finding.fix}"] + [f"Or: {fix}" for fix in finding.other_fixes])


def details(finding: Finding, location: Location) -> str:
    """A finding as a few plain lines, for readers that show text as it is written: where,
    what, the ways out, the rule's page."""
    page = rule_page(finding.rule)
    return "\n".join([f"{location.uri}:{location.start_line}", finding.message, f"Fix: {finding.fix}"]
                     + [f"Or: {fix}" for fix in finding.other_fixes] + ([f"Docs: {page}"] if page else []))


# How reports that have no place for a run's errors name them where a finding would be.
INPUT_ERROR = "tflint-sg.input_error"  # an input that could not be read
INTERNAL_ERROR = "tflint-sg.internal_error"  # a rule or policy that broke on an input


@dataclass(frozen=True)
class Problem:
    """What kept the run from checking an input: CI reports list it with the findings, so that
    a run that failed never reads as a clean one."""

    kind: str  # INPUT_ERROR or INTERNAL_ERROR
    uri: str  # the file the error names (an input that broke a rule: the input), as findings name files
    line: int | None
    text: str  # the line the run printed


def problems(checked: list[Checked], unreadable: tuple[Unreadable, ...]) -> list[Problem]:
    found = [Problem(INPUT_ERROR, paths_for(problem.path).uri(problem.path), problem.line, problem.text)
             for problem in unreadable]
    return found + [Problem(INTERNAL_ERROR, item.locator.source_uri, None, error)
                    for item in checked for error in item.result.internal_errors]


# Characters XML 1.0 cannot carry at all, not even as references.
# (A lone surrogate is how Python keeps a byte of a file name that is not UTF-8.)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# The lone surrogates by which Python keeps the bytes of a file name that are not UTF-8.
_KEPT_BYTE = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value):
    """`value` (JSON-like) with each kept byte of a file name written as a URI writes it, `%FF`,
    and any other lone surrogate replaced: JSON readers take neither."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", _KEPT_BYTE.sub(lambda byte: f"%{ord(byte.group()) - 0xDC00:02X}", value))
    if isinstance(value, dict):
        return {without_surrogates(key): without_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    return value


def xml_document(root: Element) -> str:
    """The document with its declaration, indented, ending in a newline. Characters beyond
    ASCII are written as references, so the bytes are the same whatever encoding standard
    output has."""
    import xml.etree.ElementTree as ElementTree

    for element in root.iter():
        element.attrib = {name: _NOT_XML.sub("\ufffd", value) for name, value in element.attrib.items()}
        if element.text:
            element.text = _NOT_XML.sub("\ufffd", element.text)
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="us-ascii").decode("ascii")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def issues(count: int) -> str:
    return f"{count} issue{'s' if count != 1 else ''}"


def not_decided(count: int) -> str:
    return f"{count} check{'s' if count != 1 else ''} not decided"


def _flows(counts: FlowCounts, kind: str) -> str:
    if not counts.total:
        return f"no {kind} flows"
    flows = f"{counts.total} {kind} flow{'s' if counts.total != 1 else ''}"
    if not counts.undecided:
        return f"{flows}, {'decided' if counts.total == 1 else 'all decided'}"
    if not counts.decided:
        return f"{flows}, {'undecided' if counts.total == 1 else 'none decided'}"
    return f"{flows}: {counts.decided} decided, {counts.undecided} undecided"


def seen(results: list[Result]) -> str:
    """What the analysis could judge, so a run that saw little never reads as a clean one:
    `2 load balancer flows, all decided; no data flows; 1 resource not expanded`."""
    parts = [_flows(sum((r.load_balancer_flows for r in results), FlowCounts()), "load balancer"),
             _flows(sum((r.data_flows for r in results), FlowCounts()), "data")]
    not_expanded = sum(r.not_expanded for r in results)
    if not_expanded:
        parts.append(f"{not_expanded} resource{'s' if not_expanded != 1 else ''} not expanded")
    return "; ".join(parts)


def input_line(item: Checked) -> str:
    """One input's issues and what it let the analysis see, for runs over several inputs."""
    result = item.result
    found = [issues(len(result.findings))] if result.findings else []
    open_checks = [not_decided(result.undecided)] if result.undecided else []
    return f"{item.locator.source_uri}: {'; '.join(found + [seen([result])] + open_checks)}"
