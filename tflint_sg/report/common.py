"""What every writer needs: results paired with their locator, in a stable order."""

from __future__ import annotations

from dataclasses import dataclass

from tflint_sg import ruledoc
from tflint_sg.analysis import Result
from tflint_sg.findings import Finding
from tflint_sg.locate import Locator


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
        location = pair[1].locate(pair[0].subject)
        return (location.uri, location.start_line, pair[0].sort_key())

    return sorted(pairs, key=order)
