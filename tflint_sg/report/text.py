"""Human-readable output for a terminal or a pre-commit log."""

from __future__ import annotations

from tflint_sg import ruledoc
from tflint_sg.coverage import most_frequent
from tflint_sg.findings import Finding, Related
from tflint_sg.locate import Location, Locator
from tflint_sg.report.common import Checked, all_findings, input_line, issues, not_decided, seen, severity

SOURCE_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")


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
    sources = SourceLines()
    for finding, locator in findings:
        lines += _finding(finding, locator, sources, verbose, color)
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
    left_out = sum(item.result.left_out for item in checked)
    if left_out:
        summary += f"; {left_out} less severe left out (minimum severity)"
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


def _finding(finding: Finding, locator: Locator, sources: SourceLines, verbose: bool, color: bool) -> list[str]:
    """As compilers print a diagnostic: where, what, the line to change, the other places, the fix."""
    location = locator.place(finding.place)
    level = severity(finding)
    lines = [f"{location.uri}:{location.start_line}:{location.start_column or 1}: {_paint(level, _COLORS.get(level, '0'), color)}: "
             f"{finding.rule}: {finding.headline if not verbose else finding.message}"]
    drawn = flow_line(finding)
    if drawn:
        lines.append(f"  {drawn}")
    lines += sources.excerpt(locator.path_of(location.uri), location, color)
    notes = _notes(finding, locator, location, every=verbose)
    if notes:
        lines.append("  see: " + "; ".join(notes))
    if verbose:
        # An error's groups block a path; a warning's groups open one.
        label = "blocked by" if level == "error" else "open through"
        for blocker in finding.blockers:
            side = "ingress of" if blocker.direction == "ingress" else "egress of"
            lines.append(f"  {label} {blocker.group} ({side} {blocker.endpoint})")
    lines.append(f"  fix: {finding.fix}")
    if finding.other_fixes:  # one line, so that a finding stays within eight
        lines.append("  or: " + " Or: ".join(finding.other_fixes))
    if ruledoc.exists(finding.rule):  # a policy from the settings has no document
        lines.append(f"  docs: {ruledoc.load(finding.rule).help_uri}")
    return lines


_NOTED = 4  # other places named on the note line


def _notes(finding: Finding, locator: Locator, primary: Location, every: bool = False) -> list[str]:
    """The other places, as `file:line role address`, each line once: the subject first (the
    first few of them unless `every`)."""
    own = [place for place in finding.related if place.address == finding.subject and not place.attribute]
    places = (own[:1] or [Related(finding.subject, "subject")]) if finding.primary is not None else []
    places += [place for place in finding.related if place not in places]
    seen = {(primary.uri, primary.start_line)}
    named: set[str] = set()
    notes = []
    for place in places:
        location = locator.place(place)
        # Each place once, and each resource once: its port rather than its block again.
        if (location.uri, location.start_line) in seen or place.address in named:
            continue
        seen.add((location.uri, location.start_line))
        named.add(place.address)
        notes.append(f"{_short(location.uri, primary.uri)}:{location.start_line} {place.describe()}")
    call = locator.call_site(finding.subject)
    if call is not None and (call.uri, call.start_line) not in seen:
        notes.append(f"{_short(call.uri, primary.uri)}:{call.start_line} module call")
    if every or len(notes) <= _NOTED:
        return notes
    return notes[:_NOTED] + [f"{len(notes) - _NOTED} more (--verbose lists them)"]


def _short(uri: str, beside: str) -> str:
    """A file beside the primary one by its name alone, as compilers do for notes."""
    folder, _, name = uri.rpartition("/")
    return name if folder == beside.rpartition("/")[0] else uri


class SourceLines:
    """The lines of the files findings point at, each file read once per report."""

    _CONTEXT_WIDTH = 100

    def __init__(self):
        self._files: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._files:
            try:
                with open(path, encoding="utf-8-sig") as handle:
                    self._files[path] = handle.read().splitlines()
            except (OSError, UnicodeDecodeError):
                self._files[path] = []
        return self._files[path]

    def excerpt(self, path: str | None, location: Location, color: bool) -> list[str]:
        """The first line of the span, with the span marked under it (rustc's and ruff's style)."""
        if path is None or not path.endswith(SOURCE_SUFFIXES):
            return []
        lines = self.lines(path)
        if not 0 < location.start_line <= len(lines):
            return []
        text = lines[location.start_line - 1].expandtabs(4).rstrip()
        if len(text) > self._CONTEXT_WIDTH:
            text = text[: self._CONTEXT_WIDTH - 1] + "…"
        start = (location.start_column or len(text) - len(text.lstrip()) + 1) - 1
        end = location.end_column - 1 if location.end_column and location.end_line == location.start_line else len(text)
        end = max(min(end, len(text)), start + 1)
        number = str(location.start_line)
        gutter = " " * len(number)
        return [f"  {number} | {text}",
                f"  {gutter} | {' ' * start}{_paint('^' * (end - start), '1;31' if color else '0', color)}"]


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
