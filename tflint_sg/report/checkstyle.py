"""`--format checkstyle`: Checkstyle XML as TFLint writes it, for readers of that format
(Jenkins' warnings-ng `checkStyle` tool, reviewdog): one <file> a file, sorted by name, one
<error> a finding in the order of the other reports.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from tflint_sg.errors import Unreadable
from tflint_sg.report.common import Checked, all_findings, problems, rule_page, severity, with_fixes, xml_document

# The format's version that writers of it give (ESLint, among others); readers do not check it.
FORMAT_VERSION = "4.3"
# Checkstyle's levels are error, warning, info and ignore; TFLint writes a notice as info.
LEVELS = {"error": "error", "warning": "warning", "notice": "info"}


def render(checked: list[Checked], unreadable: tuple[Unreadable, ...] = ()) -> str:
    files: dict[str, list[dict[str, str]]] = {}
    for finding, locator in all_findings(checked):
        location = locator.place(finding.place)
        files.setdefault(location.uri, []).append({
            "source": finding.rule,
            "line": str(location.start_line),
            **({"column": str(location.start_column)} if location.start_column else {}),
            "severity": LEVELS.get(severity(finding), "warning"),
            "message": with_fixes(finding),
            **({"link": rule_page(finding.rule)} if rule_page(finding.rule) else {}),
        })
    for problem in problems(checked, unreadable):
        files.setdefault(problem.uri, []).append({
            "source": problem.kind,
            **({"line": str(problem.line)} if problem.line else {}),
            "severity": "error",
            "message": problem.text,
        })
    root = ElementTree.Element("checkstyle", {"version": FORMAT_VERSION})
    for name in sorted(files):
        element = ElementTree.SubElement(root, "file", {"name": name})
        for error in files[name]:
            ElementTree.SubElement(element, "error", error)
    return xml_document(root)
