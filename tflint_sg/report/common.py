"""What every writer needs: results paired with their locator, in a stable order."""

from __future__ import annotations

from dataclasses import dataclass

from tflint_sg import ruledoc
from tflint_sg.analysis import Result
from tflint_sg.coverage import FlowCounts
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
        location = pair[1].place(pair[0].place)
        return (location.uri, location.start_line, pair[0].sort_key())

    return sorted(pairs, key=order)


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
