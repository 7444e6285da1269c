"""SARIF 2.1.0 for GitHub code scanning, built from sarif-om's classes.

sarif-om ships the object model but no serializer; `to_json` walks its attrs classes and
writes each field under its `schema_property_name`, leaving out fields at their defaults.
"""

from __future__ import annotations

from typing import Any

import attr
import msgspec
import sarif_om as om

from pathlib import Path

from tflint_sg import __version__, project, ruledoc
from tflint_sg.errors import Unreadable
from tflint_sg.findings import Finding, Fix, Related, fingerprint
from tflint_sg.locate import Location, Locator, RepositoryPaths, paths_for
from tflint_sg.report.common import Checked, all_findings, severity

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "notice": "note"}


_PLAIN = frozenset({str, int, float, bool})  # written as they are: no call to look inside


def to_json(value: Any) -> Any:
    fields = _fields(type(value))
    if fields is not None:
        document = {}
        for name, property_name, default in fields:
            item = getattr(value, name)
            if item is None or (default is not attr.NOTHING and item == default):
                continue
            document[property_name] = item if type(item) in _PLAIN else to_json(item)
        return document
    if isinstance(value, dict):
        return {key: item if type(item) in _PLAIN else to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [item if type(item) in _PLAIN else to_json(item) for item in value]
    return value


_FIELDS: dict[type, tuple | None] = {}


def _fields(kind: type) -> tuple | None:
    """(attribute, SARIF property, default left out) of a sarif-om class; None for other types."""
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(
            # A result's level is written even at its default, so readers need not know it.
            (field.name, field.metadata.get("schema_property_name", field.name),
             attr.NOTHING if field.name == "level" else field.default)
            for field in attr.fields(kind)) if attr.has(kind) else None
    return _FIELDS[kind]


def _descriptor(rule_id: str) -> om.ReportingDescriptor:
    doc = ruledoc.load(rule_id)
    return om.ReportingDescriptor(
        id=doc.id,
        name=_camel(doc.id),
        short_description=om.MultiformatMessageString(text=doc.summary),
        full_description=om.MultiformatMessageString(text=doc.summary),
        help=om.MultiformatMessageString(text=doc.plain_text, markdown=doc.text),
        help_uri=doc.help_uri,
        default_configuration=om.ReportingConfiguration(level=LEVELS.get(doc.severity, "warning")),
        properties={
            "tags": list(doc.public_tags),
            "precision": "high",
            "problem.severity": "recommendation" if doc.severity == "notice" else doc.severity,
            "security-severity": doc.security_severity,
        },
    )


def _policy_descriptor(policy) -> om.ReportingDescriptor:
    text = f"Policy {policy.name} from the settings: {policy.message}"
    return om.ReportingDescriptor(
        id=policy.name,
        name=_camel(policy.name),
        short_description=om.MultiformatMessageString(text=policy.message),
        full_description=om.MultiformatMessageString(text=text),
        help=om.MultiformatMessageString(text=text, markdown=text),
        default_configuration=om.ReportingConfiguration(level=LEVELS.get(policy.severity, "warning")),
        properties={"tags": ["security", "policy"], "precision": "high",
                    "security-severity": {"error": "7.0", "warning": "5.0"}.get(policy.severity, "3.0")},
    )


def _camel(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("_"))


class _UriBases:
    """The directories outside the repository that artifact URIs are relative to, each named by
    a uriBaseId the run declares. A file inside the repository names no base: GitHub resolves a
    relative URI against the repository root and does not read uriBaseId (its list of the SARIF
    properties code scanning uses leaves it out), so "%SRCROOT%" would tell it nothing."""

    def __init__(self):
        self._ids: dict[Path, str] = {}

    def artifact(self, paths: RepositoryPaths, uri: str) -> om.ArtifactLocation:
        relative, base = paths.artifact(uri)
        if base is None:
            return om.ArtifactLocation(uri=relative)
        if base not in self._ids:
            self._ids[base] = "INPUTROOT" if not self._ids else f"INPUTROOT{len(self._ids) + 1}"
        return om.ArtifactLocation(uri=relative, uri_base_id=self._ids[base])

    def declared(self) -> dict | None:
        """originalUriBaseIds: each base as an absolute URI ending in `/` (SARIF 2.1.0 §3.14.14)."""
        return {
            name: om.ArtifactLocation(uri=base.as_uri().rstrip("/") + "/", description=om.Message(
                text="The directory of an input outside the repository."))
            for base, name in self._ids.items()
        } or None


def _physical(location: Location, locator: Locator, bases: _UriBases) -> om.PhysicalLocation:
    return om.PhysicalLocation(
        artifact_location=bases.artifact(locator.paths, location.uri),
        region=om.Region(start_line=location.start_line, end_line=location.end_line,
                         start_column=location.start_column, end_column=location.end_column),
    )


def _escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def _linked_message(finding: Finding, places: list[Related]) -> str:
    """Embed `[address](id)` links to the related locations, as GitHub renders them.

    SARIF reserves `[` and `]` for links, so the brackets of instance keys are escaped, and an
    address is linked only where it stands whole (not `aws_lb.web` inside `aws_lb.web_2`).
    """
    text = _escape(f"{finding.message} Fix: {finding.fix}" + "".join(f" Or: {fix}" for fix in finding.other_fixes))
    matches: list[tuple[int, int, int]] = []  # start, -length, link id
    for index, related in enumerate(places):
        escaped = _escape(related.address)
        start = text.find(escaped)
        while start >= 0:
            if _whole(text, start, start + len(escaped)):
                matches.append((start, -len(escaped), index + 1))
            start = text.find(escaped, start + 1)
    pieces: list[str] = []
    position = 0
    for start, negative_length, link in sorted(matches):  # at one start, the longest address wins
        if start < position:
            continue
        end = start - negative_length
        pieces.append(text[position:start])
        pieces.append(f"[{text[start:end]}]({link})")
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _whole(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "_.") and not (after.isalnum() or after in '_\\"-')


def _result(finding: Finding, locator: Locator, rule_index: int, level: str, bases: _UriBases) -> om.Result:
    """The primary location is where the fix goes; the subject (each instance named), and every
    other place the message names, are related locations its links point to."""
    places = list(finding.related)
    if finding.primary is not None and not any(place.address == finding.subject for place in places):
        places.insert(0, Related(finding.subject, "subject"))
    related = [
        om.Location(
            id=index + 1,
            physical_location=_physical(locator.place(item), locator, bases),
            logical_locations=[om.LogicalLocation(fully_qualified_name=item.address, kind="resource")],
            message=om.Message(text=item.describe()),
        )
        for index, item in enumerate(places)
    ]
    call_site = locator.call_site(finding.subject)
    if call_site is not None:
        related.append(om.Location(
            id=len(related) + 1,
            physical_location=_physical(call_site, locator, bases),
            message=om.Message(text=f"the module call that creates {finding.subject}"),
        ))
    primary = finding.place
    return om.Result(
        rule_id=finding.rule,
        rule_index=rule_index,
        level=level,
        message=om.Message(text=_linked_message(finding, places)),
        locations=[
            om.Location(
                physical_location=_physical(locator.place(primary), locator, bases),
                logical_locations=[om.LogicalLocation(fully_qualified_name=address, kind="resource")
                                   for address in finding.instances or (finding.subject,)],
                message=om.Message(text=primary.describe()) if finding.primary else None,
            )
        ],
        related_locations=related or None,
        fixes=[_fix(fix, locator, bases) for fix in finding.changes if fix.edits] or None,
        partial_fingerprints={"primaryLocationLineHash": fingerprint(finding)},
        properties={
            "blockers": [
                {"endpoint": b.endpoint, "direction": b.direction, "securityGroup": b.group} for b in finding.blockers
            ],
            **({"networkAclBlockers": [
                {"networkAcl": b.acl, "subnet": b.subnet, "direction": "egress" if b.egress else "ingress",
                 "traffic": b.traffic, "fromPort": b.from_port, "toPort": b.to_port,
                 "ruleNumber": b.rule.number if b.rule is not None else None} for b in finding.acl_blockers]}
               if finding.acl_blockers else {}),
            **{key: value for key, value in (("loadBalancer", finding.load_balancer), ("peer", finding.peer),
                                              ("protocol", finding.protocol),
                                              ("port", finding.port if isinstance(finding.port, int) else
                                               None if finding.port is None else str(finding.port)))
               if value is not None},
            **({"instances": list(finding.instances)} if finding.instances else {}),
        },
    )


def _fix(fix: Fix, locator: Locator, bases: _UriBases) -> om.Fix:
    """One artifactChange per file, in the order the fix first edits it; files named as the
    results' locations name them."""
    by_file: dict[str, list[om.Replacement]] = {}
    for edit in fix.edits:
        by_file.setdefault(edit.path, []).append(om.Replacement(
            deleted_region=om.Region(start_line=edit.line, start_column=edit.column, end_line=edit.end_line,
                                     end_column=edit.end_column),
            inserted_content=om.ArtifactContent(text=edit.text)))
    return om.Fix(description=om.Message(text=fix.description), artifact_changes=[
        om.ArtifactChange(artifact_location=bases.artifact(locator.paths, locator.paths.uri(path)),
                          replacements=replacements)
        for path, replacements in by_file.items()])


def _seen(item: Checked) -> dict:
    result = item.result
    return {
        "path": item.locator.source_uri,
        "loadBalancerFlows": result.load_balancer_flows.as_dict(),
        "dataFlows": result.data_flows.as_dict(),
        "notExpanded": result.not_expanded,
        "undecided": result.undecided,
    }


def _not_read(problem: Unreadable, bases: _UriBases) -> om.Notification:
    """An input that could not be read, at the file (and line) its error names, as findings are."""
    paths = paths_for(problem.path)
    return om.Notification(
        message=om.Message(text=problem.text),
        level="error",
        locations=[om.Location(physical_location=om.PhysicalLocation(
            artifact_location=bases.artifact(paths, paths.uri(problem.path)),
            region=om.Region(start_line=problem.line) if problem.line else None))],
    )


def render(checked: list[Checked], rule_ids: list[str], include_suppressed: bool = False,
           policies: dict | None = None, unreadable: tuple[Unreadable, ...] = ()) -> str:
    policies = policies or {}
    pairs = all_findings(checked)
    reasons: dict[int, str] = {}
    if include_suppressed:
        # GitHub shows a suppressed result as an open alert unless it carries its suppression.
        for item in checked:
            for suppression in item.result.suppressed:
                pairs.append((suppression.finding, item.locator))
                reasons[id(suppression.finding)] = suppression.reason
    used = sorted({finding.rule for finding, _ in pairs} | set(rule_ids))
    pairs.sort(key=lambda pair: (pair[1].place(pair[0].place).uri, pair[1].place(pair[0].place).start_line,
                                 pair[0].sort_key()))
    index = {rule_id: position for position, rule_id in enumerate(used)}
    results = []
    bases = _UriBases()
    for finding, locator in pairs:
        result = _result(finding, locator, index[finding.rule], LEVELS.get(severity(finding), "warning"), bases)
        if id(finding) in reasons:
            result.suppressions = [om.Suppression(kind="inSource", justification=reasons[id(finding)])]
        results.append(result)
    notifications = [_not_read(problem, bases) for problem in unreadable] + [
        om.Notification(message=om.Message(text=error), level="error")
        for item in checked
        for error in item.result.internal_errors
    ]
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="tflint-sg",
                version=__version__,
                semantic_version=__version__,
                information_uri=project.homepage(),
                rules=[_policy_descriptor(policies[rule_id]) if rule_id in policies else _descriptor(rule_id)
                       for rule_id in used],
            )
        ),
        results=results,
        invocations=[
            om.Invocation(
                execution_successful=not notifications,
                tool_execution_notifications=notifications or None,
                # What each input let the analysis see; code scanning keeps it but shows nothing.
                properties={"inputs": [_seen(item) for item in checked]},
            )
        ],
        column_kind="unicodeCodePoints",
        original_uri_base_ids=bases.declared(),
    )
    log = om.SarifLog(runs=[run], version="2.1.0", schema_uri=SCHEMA_URI)
    document = to_json(log)
    try:
        encoded = msgspec.json.encode(document)
    except UnicodeEncodeError:  # a file name that is not UTF-8
        from tflint_sg.report.common import without_surrogates

        encoded = msgspec.json.encode(without_surrogates(document))
    return msgspec.json.format(encoded, indent=2).decode("utf-8") + "\n"
