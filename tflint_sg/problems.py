"""One problem, one finding: the instances of one resource (count, for_each, module instances)
that a rule finds blocked in the same way are one finding that lists them.

Rules judge instances, since each has its own groups and subnets; a person fixes the resource.
Findings are the same problem when they differ only in the instance keys of their subject: the
same rule, resource, port, load balancer and peer, the same groups blocking, and the same words
once the subject's address is set aside. Anything else that differs (a group of one instance
only, another port) keeps them apart, so merging never hides a difference.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tflint_sg.addresses import name_together, split_key, split_steps, strip_keys
from tflint_sg.findings import Finding, Related
from tflint_sg.network import Blocker

# An address as it stands in a message: not part of a longer name or address.
_EDGE = r"(?<![\w.\]\"-])"
_TAIL = r"(?![\w\[\"-]|\.\w)"


def one_per_problem(findings: list[Finding]) -> list[Finding]:
    """The findings, with those that are one problem merged (the caller sorts them)."""
    candidates: dict[tuple, list[Finding]] = {}
    for finding in findings:
        candidates.setdefault(_facts(finding), []).append(finding)
    merged: list[Finding] = []
    for group in candidates.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        # Only findings that agree on the facts are compared word for word.
        problems: dict[tuple, list[Finding]] = {}
        for finding in group:
            problems.setdefault(_words(finding), []).append(finding)
        merged += [same[0] if len(same) == 1 else _merge(same) for same in problems.values()]
    return merged


def _mask(text: str, address: str) -> str:
    return re.sub(_EDGE + re.escape(address) + _TAIL, "\x00", text)


def _facts(finding: Finding) -> tuple:
    """What findings of one problem share, whatever their words: the rule, the resource, the
    flow, and who blocks it."""
    subject = finding.subject
    blockers = tuple(sorted({(b.direction, b.group, b.admits) for b in finding.blockers}))
    # Places that differ by instance too (each instance's attachment) share one block.
    related = tuple(sorted({(strip_keys(r.address), r.role, r.attribute, r.rule) for r in finding.related
                            if r.address != subject}, key=repr))
    primary = finding.primary and (strip_keys(finding.primary.address), finding.primary.role,
                                   finding.primary.attribute, finding.primary.rule)
    return (finding.rule, strip_keys(subject), finding.load_balancer, finding.protocol, str(finding.port),
            finding.peer, finding.severity, blockers, related, primary, finding.unresolved)


def _words(finding: Finding) -> tuple:
    """The message and fixes with the subject's address set aside."""
    subject = finding.subject
    return (_mask(finding.message, subject), _mask(finding.fix, subject),
            tuple(_mask(fix, subject) for fix in finding.other_fixes))


def _merge(group: list[Finding]) -> Finding:
    first = group[0]
    instances = tuple(sorted({f.subject for f in group}, key=_instance_order))
    resource = strip_keys(first.subject)
    named = name_together(list(instances))
    masked = _mask(first.message, first.subject)
    message = masked.replace("\x00", named, 1).replace("\x00", resource)
    blockers = tuple(dict.fromkeys(
        Blocker(resource if b.endpoint in instances else b.endpoint, b.direction, b.group, b.admits)
        for f in group for b in f.blockers))
    related = _merged_places([r for f in group for r in f.related])
    primaries = _merged_places([f.primary for f in group if f.primary is not None])
    return replace(
        first,
        subject=resource,
        message=message,
        fix=_mask(first.fix, first.subject).replace("\x00", resource),
        other_fixes=tuple(_mask(fix, first.subject).replace("\x00", resource) for fix in first.other_fixes),
        remedies=tuple(replace(remedy, description=_mask(remedy.description, first.subject).replace("\x00", resource))
                       for remedy in first.remedies),
        related=tuple(related),
        primary=primaries[0] if primaries else None,
        blockers=blockers,
        instances=instances,
    )


def _merged_places(places: list[Related]) -> tuple[Related, ...]:
    """Each place once; a place whose address differs between the instances (the subject, each
    instance's attachment) is named by its resource, whose block they share."""
    addresses: dict[tuple, set[str]] = {}
    for place in places:
        addresses.setdefault((strip_keys(place.address), place.role, place.attribute, place.rule), set()).add(
            place.address)
    return tuple(Related(next(iter(seen)) if len(seen) == 1 else resource, role, attribute, rule)
                 for (resource, role, attribute, rule), seen in addresses.items())


def _instance_order(address: str) -> tuple:
    """Instances in index order (web[2] before web[10]), then keys as strings."""
    return tuple((0, key, "") if isinstance(key, int) else (1, 0, str(key))
                 for key in (_key_value(step) for step in split_steps(address)))


def _key_value(step: str):
    _, key = split_key(step)
    if key is None:
        return ""
    inner = key[1:-1]
    return int(inner) if inner.isdigit() else inner
