"""Writes docs/rules.md, the index of the rules, from the rule documents rules/*.md: each rule's
kind, default severity and summary as its document's front matter states them, in the order the
rules run. The documents are read by tflint_sg.ruledoc, as --explain and SARIF read them; this
script only lays them out.

    python docs/rules_index.py           # write docs/rules.md
    python docs/rules_index.py --check   # exit 1 when docs/rules.md is not what this writes
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's package, installed or not

from tflint_sg import ruledoc  # noqa: E402
from tflint_sg.rules import ALL_RULES  # noqa: E402

INDEX = ROOT / "docs" / "rules.md"
COMMAND = "python docs/rules_index.py"

HEADER = f"""\
# Rules

<!-- Written by `{COMMAND}` from rules/*.md: edit a rule's document, then run it again. -->

Each rule has one document, `rules/<rule>.md`, which says what it checks, when it stays silent,
an example and the fix; `tflint-sg --explain RULE` prints it, and SARIF's rule metadata is read
from it. A rule's kind is `blocked` (a flow the configuration intends is blocked), `exposure` (a
tier is reachable from where it should not be) or `smell` (configuration hygiene). The severity
is the rule's default; the settings file's `rule` blocks change it (see
[Settings](user-guide.md#settings)). The rules are listed in the order they run.

| rule | kind | severity | summary |
|---|---|---|---|
"""


def documents() -> list[ruledoc.RuleDoc]:
    """Every rule document, in the order the registry runs the rules (any other after them)."""
    order = {rule.ID: position for position, rule in enumerate(ALL_RULES)}
    docs = [ruledoc.parse(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "rules").glob("*.md"))]
    return sorted(docs, key=lambda doc: (order.get(doc.id, len(order)), doc.id))


def render(docs: list[ruledoc.RuleDoc]) -> str:
    rows = [f"| [{doc.id}](../rules/{doc.id}.md) | {doc.kind} | {doc.severity} | {_cell(doc.summary)} |"
            for doc in docs]
    return HEADER + "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    """Text that stays in its table cell."""
    return text.replace("|", "\\|")


def main(argv: list[str]) -> int:
    text = render(documents())
    if argv == ["--check"]:
        if INDEX.read_text(encoding="utf-8") != text:
            print(f"{INDEX.relative_to(ROOT)} is not what the rule documents give: run `{COMMAND}`",
                  file=sys.stderr)
            return 1
        return 0
    if argv:
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 1
    INDEX.write_text(text, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
