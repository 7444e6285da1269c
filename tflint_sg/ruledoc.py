"""Rule documents: rules/<id>.md is the one source of a rule's metadata, SARIF help and --explain."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

REQUIRED_SECTIONS = ("Example", "Why", "How To Fix")
DOCS_URL = "https://github.com/tflint-sg/tflint-sg/blob/main/rules/{id}.md"


@dataclass(frozen=True)
class RuleDoc:
    id: str
    severity: str  # error, warning, notice
    security_severity: str  # a number as a string, as GitHub reads it
    tags: tuple[str, ...]
    summary: str
    description: str  # the paragraph under the metadata
    sections: dict[str, str] = field(default_factory=dict)  # Example, Why, How To Fix
    text: str = ""  # the whole document

    @property
    def help_uri(self) -> str:
        return DOCS_URL.format(id=self.id)


def parse(text: str) -> RuleDoc:
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ValueError("a rule document starts with '# <rule id>'")
    rule_id = lines[0][2:].strip()
    meta: dict[str, str] = {}
    body: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[1:]:
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
        elif not line.strip() and not body:
            continue  # blank lines around the metadata
        elif ":" in line and not body and line.split(":", 1)[0].replace(" ", "").isalpha():
            key, value = line.split(":", 1)
            meta[key.strip().lower()] = value.strip()
        else:
            body.append(line)
    for required in ("severity", "summary"):
        if required not in meta:
            raise ValueError(f"rule document {rule_id} has no '{required.title()}:' line")
    for section in REQUIRED_SECTIONS:
        if not "\n".join(sections.get(section, [])).strip():
            raise ValueError(f"rule document {rule_id} has no '## {section}' section")
    return RuleDoc(
        id=rule_id,
        severity=meta["severity"],
        security_severity=meta.get("security severity", "5.0"),
        tags=tuple(t.strip() for t in meta.get("tags", "security").split(",") if t.strip()),
        summary=meta["summary"],
        description="\n".join(body).strip(),
        sections={name: "\n".join(content).strip() for name, content in sections.items()},
        text=text,
    )


_cache: dict[str, RuleDoc] = {}


def _read(name: str) -> str:
    """From the installed package data, or from rules/ beside the package in a source checkout."""
    try:
        return resources.files("tflint_sg.ruledocs").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return (Path(__file__).resolve().parent.parent / "rules" / name).read_text(encoding="utf-8")


def exists(rule_id: str) -> bool:
    try:
        load(rule_id)
    except (OSError, ValueError):
        return False
    return True


def load(rule_id: str) -> RuleDoc:
    if rule_id not in _cache:
        text = _read(f"{rule_id}.md")
        _cache[rule_id] = parse(text)
    return _cache[rule_id]
