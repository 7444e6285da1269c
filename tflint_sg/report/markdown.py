"""`--format markdown`: a pull-request comment: a summary, a table of findings, and a Mermaid
diagram of the tiers of each input: the picture `graph --format mermaid` draws, with the
endpoints the exposure findings name outlined."""

from __future__ import annotations

from dataclasses import replace

from tflint_sg import ruledoc
from tflint_sg.apply import chosen_fix, suggestion
from tflint_sg.report.common import Checked, all_findings, input_line, not_decided, seen, severity
from tflint_sg.report.diagram import mermaid


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(checked: list[Checked]) -> str:
    findings = all_findings(checked)
    counts: dict[str, int] = {}
    for finding, _ in findings:
        counts[severity(finding)] = counts.get(severity(finding), 0) + 1
    detail = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(counts.items()))
    lines = [f"## tflint-sg: {len(findings)} issue{'s' if len(findings) != 1 else ''}" + (f" ({detail})" if detail else ""),
             "", _seen_paragraph(checked), ""]
    if len(checked) > 1:
        lines += [f"- {input_line(item)}" for item in checked] + [""]
    if findings:
        lines += ["| severity | rule | resource | where | what |", "|---|---|---|---|---|"]
        for finding, locator in findings:
            location = locator.place(finding.place)
            instances = f" ({len(finding.instances)} instances)" if finding.instances else ""
            lines.append(f"| {severity(finding)} | `{finding.rule}` | `{_cell(finding.subject)}`{instances} | "
                         f"`{location.uri}:{location.start_line}` | {_cell(finding.message)} |")
        lines.append("")
        lines += _suggestions(findings)
    for item in checked:
        if item.result.graph is None:
            continue
        exposed = frozenset(address for f in item.result.findings if ruledoc.EXPOSURE in ruledoc.tags(f.rule)
                            for address in f.instances or (f.subject,))
        lines += [f"### Tiers of `{item.locator.source_uri}`", "", "```mermaid",
                  mermaid(item.result.graph, exposed).rstrip("\n"), "```", ""]
    return "\n".join(lines)


def _suggestions(findings) -> list[str]:
    """Each safe fix that is one run of lines, as a suggestion a reviewer can commit (GitHub
    applies it to the lines the comment is anchored at); a new resource as HCL to add."""
    lines: list[str] = []
    for finding, locator in findings:
        fix = chosen_fix(finding, unsafe=False)
        whole = suggestion(fix, locator.paths.root) if fix is not None else None
        # A fix in several places (a new group, and the line that attaches it) is one
        # suggestion per place; a reviewer commits them together.
        parts = [whole] if whole is not None else [
            suggestion(replace(fix, edits=(edit,)), locator.paths.root) for edit in fix.edits] if fix else []
        if not parts or None in parts:
            continue
        for offered in parts:
            lines += _suggestion_lines(finding, fix, offered)
    return (["### Suggested fixes", ""] + lines) if lines else []


def _suggestion_lines(finding, fix, offered) -> list[str]:
    """One suggestion (or HCL to add) under a heading naming the place and the finding."""
    if offered.added:
        heading, language = f"`{offered.relative}` after line {offered.last}: add", "hcl"
    else:
        where = f"line {offered.first}" if offered.first == offered.last else f"lines {offered.first}-{offered.last}"
        heading, language = f"`{offered.relative}` {where}", "suggestion"
    fence = "`" * max(3, _longest_backtick_run(offered.text) + 1)
    return [f"#### {heading} ({finding.rule}, `{_cell(finding.subject)}`)", "", _cell(fix.description), "",
            f"{fence}{language}", offered.text, fence, ""]


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest


def _seen_paragraph(checked: list[Checked]) -> str:
    """What the run could judge: a reviewer must tell a clean result from one that saw little."""
    undecided = sum(item.result.undecided for item in checked)
    inputs = f"{len(checked)} input{'s' if len(checked) != 1 else ''}"
    return (f"In {inputs}: {seen([item.result for item in checked])}"
            + (f"; {not_decided(undecided)}" if undecided else "") + ".")
