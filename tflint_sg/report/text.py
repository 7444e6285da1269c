"""Human-readable output for a terminal or a pre-commit log."""

from __future__ import annotations

from tflint_sg import ruledoc
from tflint_sg.coverage import most_frequent
from tflint_sg.report.common import Checked, all_findings, input_line, issues, not_decided, seen, severity


_COLORS = {"error": "31", "warning": "33", "notice": "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def flow_line(finding) -> str | None:
    """The blocked flow as a picture: `lb -> tg:80 -x-> target (why)`."""
    if finding.load_balancer is None or not finding.blockers or finding.port is None:
        return None
    groups = [r.address for r in finding.related if r.role == "target group"]
    middle = f"{groups[0]}:{finding.port}" if groups else f"{finding.protocol}/{finding.port}"
    ingress = [b for b in finding.blockers if b.direction == "ingress"]
    egress = [b for b in finding.blockers if b.direction == "egress"]
    first = " -x-> " if egress else " -> "
    second = " -x-> " if ingress and finding.severity == "error" else " -> "
    only = "only " if finding.severity == "error" else ""
    why = "; ".join(f"{b.group} {'admits' if b.direction == 'ingress' else 'allows'} "
                    + (f"{only}{', '.join(b.admits)}" if b.admits else "nothing")
                    for b in finding.blockers)
    return f"{finding.load_balancer}{first}{middle}{second}{finding.subject} ({why})"


def render(checked: list[Checked], verbose: bool = False, color: bool = False, unreadable: int = 0) -> str:
    """`unreadable`: how many inputs could not be loaded (their errors are on stderr already)."""
    lines: list[str] = []
    findings = all_findings(checked)
    current_file = None
    for finding, locator in findings:
        location = locator.locate(finding.subject)
        if location.uri != current_file:
            current_file = location.uri
            lines.append(_paint(current_file, "1", color))
        level = severity(finding)
        lines.append(f"{location.uri}:{location.start_line}: {_paint(level, _COLORS.get(level, '0'), color)}: "
                     f"{finding.rule}: {finding.subject}")
        drawn = flow_line(finding)
        if drawn:
            lines.append(f"  {drawn}")
        lines.append(f"  {finding.message}")
        # An error's groups block a path; a warning's groups open one.
        label = "blocked by" if severity(finding) == "error" else "open through"
        for blocker in finding.blockers:
            side = "ingress of" if blocker.direction == "ingress" else "egress of"
            lines.append(f"  {label} {blocker.group} ({side} {blocker.endpoint})")
        lines.append(f"  fix: {finding.fix}")
        if ruledoc.exists(finding.rule):  # a policy from the settings has no document
            lines.append(f"  docs: {ruledoc.load(finding.rule).help_uri}")
        lines.append("")
    if verbose:
        for item in checked:
            # With several inputs, say which one a note belongs to: a module called from two
            # roots gives the same note twice.
            where = f"{item.locator.source_uri}: " if len(checked) > 1 else ""
            for note in item.result.notes:
                lines.append(f"note: {where}{note}")
        if any(item.result.notes for item in checked):
            lines.append("")
        lines += _top_reasons(checked)
    counts: dict[str, int] = {}
    for finding, _ in findings:
        counts[severity(finding)] = counts.get(severity(finding), 0) + 1
    notes = sum(len(item.result.notes) for item in checked)
    inputs = f"{len(checked)} input" + ("s" if len(checked) != 1 else "")
    if findings:
        detail = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(counts.items()))
        summary = f"{issues(len(findings))} found ({detail})"
    else:
        summary = "No issues found"
    summary += f" in {inputs}; {seen([item.result for item in checked])}"
    suppressed = sum(len(item.result.suppressed) for item in checked)
    baselined = sum(len(item.result.baselined) for item in checked)
    if suppressed:
        summary += f"; {suppressed} suppressed by annotations"
    if baselined:
        summary += f"; {baselined} in the baseline"
    # "Clean" and "could not tell" must read differently, with or without --verbose.
    undecided = sum(item.result.undecided for item in checked)
    if undecided:
        summary += f"; {not_decided(undecided)}"
        summary += "" if verbose else " (--verbose says why)"
    elif notes and not verbose:
        summary += f"; {notes} thing{'s' if notes != 1 else ''} could not be resolved (--verbose lists them)"
    if unreadable:
        # Never "No issues found" alone when an input was not read.
        unread = f"{unreadable} input{'s' if unreadable != 1 else ''} could not be checked"
        summary = f"Nothing checked: {unread}" if not checked else f"{summary}; {unread}"
    if len(checked) > 1:
        # Over many root modules, the one that saw little must stand out from the total.
        lines += [input_line(item) for item in checked]
    lines.append(summary + ".")
    return "\n".join(lines) + "\n"


def _top_reasons(checked: list[Checked]) -> list[str]:
    """Why things stayed open, the most frequent first: in a big repository one cause (a group
    from outside, a count unknown until apply) leaves many checks open at once."""
    counts: dict[str, int] = {}
    for item in checked:
        for reason, n in item.result.reasons.items():
            counts[reason] = counts.get(reason, 0) + n
    if all(n == 1 for n in counts.values()):
        return []  # each note above already says its one reason
    return (["reasons, most frequent first:"] + [f"  {n} x {reason}" for n, reason in most_frequent(counts)]
            + [""])
