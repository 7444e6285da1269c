"""`--format json`: a stable document of findings and what stayed unresolved (docs/user-guide.md: JSON output)."""

from __future__ import annotations

import json

from tflint_sg import __version__
from tflint_sg.coverage import most_frequent
from tflint_sg.findings import fingerprint
from tflint_sg.graph import acl_blocker_document
from tflint_sg.report.common import Checked, all_findings, severity

SCHEMA_VERSION = 2


def render(checked: list[Checked]) -> str:
    findings = []
    for finding, locator in all_findings(checked):
        location = locator.place(finding.place)
        entry = {
            "rule": finding.rule,
            "severity": severity(finding),
            "subject": finding.subject,
            **({"instances": list(finding.instances)} if finding.instances else {}),
            **_flow(finding),
            "message": finding.message,
            "fix": finding.fix,
            "other_fixes": list(finding.other_fixes),
            "blockers": [
                {
                    "endpoint": b.endpoint,
                    "direction": b.direction,
                    "security_group": b.group,
                    "admits": list(b.admits),
                }
                for b in finding.blockers
            ],
            **({"network_acl_blockers": [acl_blocker_document(b) for b in finding.acl_blockers]}
               if finding.acl_blockers else {}),
            "related": [_place(r, locator) for r in finding.related],
            # The fixes written as edits, in order: --fix applies the first safe one.
            "changes": [_change(fix, locator) for fix in finding.changes],
            "unresolved": list(finding.unresolved),
            # Where the fix goes (the primary location), and the subject's own block.
            "location": _location(location),
            "primary": _place(finding.place, locator),
            "subject_location": _location(locator.locate(finding.subject)),
            "call_site": _location(locator.call_site(finding.subject)),
            "fingerprint": fingerprint(finding),
        }
        findings.append(entry)
    document = {
        "tool": "tflint-sg",
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "inputs": [
            {
                "path": item.locator.source_uri,
                "flows_checked": item.result.flows_checked,
                "undecided": item.result.undecided,
                "load_balancer_flows": item.result.load_balancer_flows.as_dict(),
                "data_flows": item.result.data_flows.as_dict(),
                "not_expanded": item.result.not_expanded,
                "unresolved": item.result.notes,
                "unresolved_reasons": [{"reason": reason, "count": n}
                                       for n, reason in most_frequent(item.result.reasons)],
                "internal_errors": item.result.internal_errors,
                "suppressed": [{"rule": s.finding.rule, "subject": s.finding.subject, "reason": s.reason,
                                "fingerprint": fingerprint(s.finding)} for s in item.result.suppressed],
                "baselined": len(item.result.baselined),
                "left_out_below_minimum_severity": item.result.left_out,
                **({"graph": item.result.graph} if item.result.graph is not None else {}),
            }
            for item in checked
        ],
        "findings": findings,
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def _flow(finding) -> dict:
    facts: dict = {}
    if finding.load_balancer is not None:
        facts.update(load_balancer=finding.load_balancer, target=finding.subject)
    if finding.peer is not None:
        facts["peer"] = finding.peer
    if finding.port is not None:
        facts.update(protocol=finding.protocol, port=finding.port)
    return facts


def _change(fix, locator) -> dict:
    return {"description": fix.description, "applicability": fix.applicability, "note": fix.note,
            "edits": [{"file": locator.paths.uri(edit.path), "line": edit.line, "column": edit.column,
                       "end_line": edit.end_line, "end_column": edit.end_column, "text": edit.text}
                      for edit in fix.edits]}


def _place(place, locator) -> dict:
    return {"address": place.address, "role": place.role, **({"attribute": place.attribute} if place.attribute else {}),
            "location": _location(locator.place(place))}


def _location(location) -> dict | None:
    if location is None:
        return None
    columns = ({"start_column": location.start_column, "end_column": location.end_column}
               if location.start_column else {})
    return {"file": location.uri, "start_line": location.start_line, "end_line": location.end_line, **columns}
