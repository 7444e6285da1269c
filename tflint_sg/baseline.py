"""Baselines: today's findings recorded, so that only new ones are reported.

A finding is known by its fingerprint (rule, resources without instance keys, port and the
groups that block; never a line number), so edits elsewhere in a file, or another `count`, do
not bring a recorded finding back. Version 1 recorded one fingerprint per instance: those still
match the finding that now covers the instances.
"""

from __future__ import annotations

import json

from tflint_sg.errors import InputError
from tflint_sg.findings import Finding, fingerprint, former_fingerprints
from tflint_sg.paths import read_utf8

VERSION = 2


def write(path: str, findings: list[Finding]) -> None:
    entries = sorted(
        ({"fingerprint": fingerprint(f), "rule": f.rule, "subject": f.subject} for f in findings),
        key=lambda entry: (entry["rule"], entry["subject"], entry["fingerprint"]),
    )
    document = {"tool": "tflint-sg", "baseline_version": VERSION, "findings": entries}
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
    except OSError as error:
        raise InputError(path, f"cannot write the baseline: {error.strerror or error}") from None


def known_fingerprints(path: str) -> set[str]:
    text = read_utf8(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, f"not a baseline: {error.msg}", error.lineno, error.colno) from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InputError(path, "not a baseline: no findings list (write one with --write-baseline)")
    return {entry["fingerprint"] for entry in entries if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str)}


def recorded(finding: Finding, known: set[str]) -> bool:
    """Whether a baseline with these fingerprints holds the finding."""
    return fingerprint(finding) in known or any(former in known for former in former_fingerprints(finding))
