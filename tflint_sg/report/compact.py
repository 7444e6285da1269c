"""`--format compact`: one line a finding, `file:line:col: severity: message [rule]`."""

from __future__ import annotations

from tflint_sg.report.common import Checked, all_findings, severity


def render(checked: list[Checked]) -> str:
    lines = []
    for finding, locator in all_findings(checked):
        location = locator.place(finding.place)
        lines.append(f"{location.uri}:{location.start_line}:{location.start_column or 1}: {severity(finding)}: "
                     f"{finding.message} [{finding.rule}]")
    return "".join(line + "\n" for line in lines)
