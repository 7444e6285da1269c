"""Heredoc closing markers as Terraform reads them, before python-hcl2's grammar sees the text.

Terraform ends a heredoc at the first line that holds only its marker, with any spaces or tabs
before and after it (`<<EOT` and `<<-EOT` alike), and the line must end with a line break: a
marker on the last line of a file without one leaves the heredoc unterminated. The grammar
allows the spaces before the marker but not after it, so `mend_markers` drops them from such
lines; the line count stays the same, so every line number the parser reports still holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tflint_sg.load.hcl.template import string_end

_NOTABLE = re.compile(r'["#/<]')  # what may start a string, a comment or a heredoc
_OPENER = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\n")
_BLANKS = " \t"


@dataclass(frozen=True)
class Unterminated:
    """A heredoc with no closing marker: Terraform's error points at the end of the file."""

    marker: str
    opened_on: int  # the line of `<<MARKER`


def mend_markers(text: str) -> tuple[str, Unterminated | None]:
    """The text with trailing blanks removed from heredoc closing-marker lines, and the first
    heredoc that has no closing marker (everything after its opener is its body), if any."""
    if "<<" not in text:
        return text, None
    pieces: list[str] = []
    done = 0  # text before this offset is in pieces
    position = 0
    while True:
        found = _NOTABLE.search(text, position)
        if found is None:
            break
        position = found.start()
        char = text[position]
        if char == '"':
            position = string_end(text, position)
            continue
        if char == "#" or text.startswith("//", position):
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
            continue
        if text.startswith("/*", position):
            end = text.find("*/", position + 2)
            position = len(text) if end < 0 else end + 2
            continue
        if char == "<":
            opener = _OPENER.match(text, position)
            if opener:
                marker = opener.group(1)
                line_start = opener.end()
                while True:
                    line_end = text.find("\n", line_start)
                    if line_end < 0:
                        return "".join(pieces) + text[done:], Unterminated(marker, text.count("\n", 0, position) + 1)
                    line = text[line_start:line_end]
                    if line.strip(_BLANKS) == marker:
                        kept = line.rstrip(_BLANKS)
                        if kept != line:
                            pieces.append(text[done:line_start] + kept)
                            done = line_end
                        break
                    line_start = line_end + 1
                position = line_end + 1
                continue
        position += 1
    return "".join(pieces) + text[done:], None
