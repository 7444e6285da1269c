"""`--format github`: GitHub Actions workflow commands, for repositories without code scanning."""

from __future__ import annotations

from tflint_sg.report.common import Checked, all_findings, severity

_LEVELS = {"error": "error", "warning": "warning", "notice": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(checked: list[Checked]) -> str:
    lines = []
    for finding, locator in all_findings(checked):
        location = locator.place(finding.place)
        level = _LEVELS.get(severity(finding), "warning")
        columns = (f"col={location.start_column},endColumn={location.end_column},"
                   if location.start_column and location.start_line == location.end_line else "")
        properties = (f"file={_property(location.uri)},line={location.start_line},endLine={location.end_line},"
                      f"{columns}title={_property(finding.rule)}")
        fixes = " ".join([f"Fix: {finding.fix}"] + [f"Or: {fix}" for fix in finding.other_fixes])
        lines.append(f"::{level} {properties}::{_data(finding.message + ' ' + fixes)}")
    return "".join(line + "\n" for line in lines)
