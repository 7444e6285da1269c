"""Rule documents: rules/<id>.md is the one source of a rule's facts, SARIF help and --explain.

A document opens with front matter between two `---` lines, one `key: value` a line:

    ---
    severity: error
    security-severity: 7.0
    tags: [security, availability, load-balancer, blocked]
    summary: One sentence.
    ---
    # <rule id>

    The description paragraph(s), then `## Example`, `## Why` and `## How To Fix`.

The text shown by --explain and in SARIF help is the document as readers have always seen it:
the title, then `Severity:`, `Security severity:`, `Tags:` and `Summary:` lines written from the
front matter, then the rest.

Tags say what kind of problem a rule reports. Reporters read these, never rule ids:
`blocked` (a flow the configuration intends is blocked), `exposure` (a tier is reachable from
where it should not be), `smell` (configuration hygiene), and `unreachable` (a data store admits
none of the clients it is meant to serve). Every rule is exactly one of blocked, exposure or smell. The other
tags (`security`, `availability`, `load-balancer`, ...) are published in SARIF `properties.tags`;
`blocked`, `unreachable` and `smell` are the tool's own and are not published.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from tflint_sg import project
from tflint_sg.findings import SEVERITIES, Finding

REQUIRED_SECTIONS = ("Example", "Why", "How To Fix")
FIELDS = ("severity", "security-severity", "tags", "summary")  # the front matter, all required

BLOCKED = "blocked"
EXPOSURE = "exposure"
SMELL = "smell"
UNREACHABLE = "unreachable"
KINDS = (BLOCKED, EXPOSURE, SMELL)  # each rule carries exactly one
UNPUBLISHED_TAGS = (BLOCKED, SMELL, UNREACHABLE)  # not written to SARIF or the document's Tags: line


@dataclass(frozen=True)
class RuleDoc:
    id: str
    severity: str  # error, warning, notice
    security_severity: str  # a number as a string, as GitHub reads it
    tags: tuple[str, ...]
    summary: str
    description: str  # the paragraphs under the title
    sections: dict[str, str] = field(default_factory=dict)  # Example, Why, How To Fix
    text: str = ""  # the document as --explain and SARIF help show it

    @property
    def plain_text(self) -> str:
        """The document without markdown syntax, for readers that show help as it is written."""
        return plain_text(self.text)

    @property
    def help_uri(self) -> str:
        return project.rule_page(self.id)

    @property
    def public_tags(self) -> tuple[str, ...]:
        """The tags SARIF publishes, in the document's order."""
        return tuple(tag for tag in self.tags if tag not in UNPUBLISHED_TAGS)

    @property
    def kind(self) -> str:
        return next(tag for tag in self.tags if tag in KINDS)


def _front_matter(lines: list[str]) -> tuple[dict[str, str | tuple[str, ...]], list[str]]:
    """The front matter's fields, and the lines after it."""
    if not lines or lines[0] != "---":
        raise ValueError("a rule document starts with front matter, between two '---' lines")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise ValueError("a rule document's front matter has no closing '---' line") from None
    meta: dict[str, str | tuple[str, ...]] = {}
    for line in lines[1:end]:
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not colon or key not in FIELDS:
            raise ValueError(f"front matter line {line!r}: the fields are {', '.join(FIELDS)}")
        if key in meta:
            raise ValueError(f"front matter names {key} twice")
        if key == "tags":
            if not (value.startswith("[") and value.endswith("]")):
                raise ValueError("front matter tags are a list: tags: [a, b]")
            meta[key] = tuple(tag.strip() for tag in value[1:-1].split(",") if tag.strip())
        else:
            meta[key] = value
    missing = [name for name in FIELDS if not meta.get(name)]
    if missing:
        raise ValueError(f"front matter has no {', '.join(missing)}")
    return meta, lines[end + 1:]


def parse(text: str) -> RuleDoc:
    meta, lines = _front_matter(text.split("\n"))
    if not lines or not lines[0].startswith("# "):
        raise ValueError("after its front matter, a rule document has its title, '# <rule id>'")
    rule_id = lines[0][2:].strip()
    severity, summary, tags = str(meta["severity"]), str(meta["summary"]), tuple(meta["tags"])
    if severity not in SEVERITIES:
        raise ValueError(f"rule document {rule_id}: severity must be one of {', '.join(SEVERITIES)}")
    try:
        float(str(meta["security-severity"]))
    except ValueError:
        raise ValueError(f"rule document {rule_id}: security-severity is a number") from None
    if sum(tag in KINDS for tag in tags) != 1:
        raise ValueError(f"rule document {rule_id}: tags name exactly one of {', '.join(KINDS)}")
    body: list[str] = []
    sections: dict[str, list[str]] = {}
    current = body
    for line in lines[1:]:
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        else:
            current.append(line)
    for section in REQUIRED_SECTIONS:
        if not "\n".join(sections.get(section, [])).strip():
            raise ValueError(f"rule document {rule_id} has no '## {section}' section")
    doc = RuleDoc(
        id=rule_id,
        severity=severity,
        security_severity=str(meta["security-severity"]),
        tags=tags,
        summary=summary,
        description="\n".join(body).strip(),
        sections={name: "\n".join(content).strip() for name, content in sections.items()},
    )
    header = [lines[0], "", f"Severity: {doc.severity}", f"Security severity: {doc.security_severity}",
              f"Tags: {', '.join(doc.public_tags)}", f"Summary: {doc.summary}"]
    return replace(doc, text="\n".join(header + lines[1:]))


def plain_text(markdown: str) -> str:
    """Headings lose their `#` marks, code blocks their fences (their lines are indented
    instead, and kept as they are), inline code its backticks."""
    lines: list[str] = []
    in_code = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            lines.append(f"    {line}" if line else "")
        elif line.startswith("#"):
            lines.append(line.lstrip("#").strip())
        else:
            lines.append(line.replace("`", ""))
    return "\n".join(lines)


_cache: dict[str, RuleDoc | None] = {}  # None: no readable document (a policy's name, a typo)


def _read(name: str) -> str:
    """From the installed package data, or from rules/ beside the package in a source checkout."""
    # Read as plain files where the package is a folder (importlib.resources costs 3-4 ms to
    # import, a tenth of a small run); through it only when the package is in an archive.
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "ruledocs", name), os.path.join(os.path.dirname(here), "rules", name)):
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                return handle.read()
    from importlib import resources

    try:
        return resources.files("tflint_sg.ruledocs").joinpath(name).read_text(encoding="utf-8")
    except ModuleNotFoundError:  # a checkout without the rule's page
        raise FileNotFoundError(f"no document {name}") from None


def find(rule_id: str) -> RuleDoc | None:
    """The rule's document, or None when it has none; read once a process."""
    if rule_id not in _cache:
        try:
            _cache[rule_id] = parse(_read(f"{rule_id}.md"))
        except (OSError, ValueError):
            _cache[rule_id] = None
    return _cache[rule_id]


def exists(rule_id: str) -> bool:
    return find(rule_id) is not None


def load(rule_id: str) -> RuleDoc:
    """The rule's document; OSError or ValueError (saying what is wrong) when it has none."""
    doc = find(rule_id)
    if doc is None:
        return parse(_read(f"{rule_id}.md"))  # raises, with the reason
    return doc


def tags(rule_id: str) -> tuple[str, ...]:
    """The rule's tags; none for a name without a document, such as a policy from the settings."""
    doc = find(rule_id)
    return doc.tags if doc else ()


def effective_severity(finding: Finding, overrides: Mapping[str, str] | None = None) -> str:
    """A finding's severity: its own when it has one (a policy's, or one already settled), else
    the settings' override for its rule, else the rule document's."""
    if finding.severity:
        return finding.severity
    if overrides and finding.rule in overrides:
        return overrides[finding.rule]
    return load(finding.rule).severity
