"""What both network ACL rules share: the flows they check and the finding for a dropped one.

The flows are those the configuration intends, as the security group rules read them: each
load balancer's traffic and health checks to its targets, each compute tier a data store's
groups name, towards the store's port, and each interface VPC endpoint's callers.
"""

from __future__ import annotations

from typing import Iterator

from tflint_sg.context import Context
from tflint_sg.findings import Finding, Related, Undecided
from tflint_sg.model import describe_ports
from tflint_sg.network import BLOCKED, UNDECIDED
from tflint_sg.network_acls import REPLY, REQUEST, AclBlocker
from tflint_sg.remedy import AclEntry, AllowInAcl, Remedy
from tflint_sg.rules.lb_flows import flow_subject, unique_places
from tflint_sg.rules.queries import interface_endpoint_clients, judged_stores, store_clients
from tflint_sg.topology import HEALTH_CHECK, TRAFFIC, Flow, data_flow


def checked_flows(context: Context) -> list[Flow]:
    flows = [flow for flow in context.flows if flow.kind in (TRAFFIC, HEALTH_CHECK)]
    for store, endpoint in judged_stores(context):
        flows += [data_flow(client.address, store.address, store.port)
                  for client in store_clients(context, store, endpoint)]
    for vpce, endpoint, clients in interface_endpoint_clients(context):
        flows += [data_flow(client.address, endpoint.address, vpce.port) for client in clients]
    return flows


def acl_findings(context: Context, rule_id: str, traffic: str) -> Iterator[Finding | Undecided]:
    """A finding for each checked flow whose `traffic` (REQUEST, or REPLY when the request
    passes) a network ACL drops; the request rule also names what stays undecided."""
    seen: set[Flow] = set()
    for flow in checked_flows(context):
        if flow in seen:
            continue
        seen.add(flow)
        verdict = context.acl_verdict(flow)
        if verdict.status == UNDECIDED and traffic == REQUEST:
            yield Undecided(flow_subject(flow), "network ACLs: " + "; ".join(verdict.unresolved))
        if verdict.status != BLOCKED:
            continue
        requests = [b for b in verdict.blockers if b.traffic == REQUEST]
        if traffic == REQUEST and requests or traffic == REPLY and not requests:
            yield _finding(context, rule_id, flow, verdict, list(verdict.blockers))


def _finding(context: Context, rule_id: str, flow: Flow, verdict, blockers: list[AclBlocker]) -> Finding:
    model = context.model
    what = {TRAFFIC: "traffic", HEALTH_CHECK: "health checks"}.get(flow.kind, "connections")
    ports = describe_ports(flow.protocol, flow.port, flow.port)
    traffic = blockers[0].traffic
    lead = f"{flow.source} sends {what} on {ports} to {flow.target}"
    if traffic == REQUEST:
        message = f"{lead}, but a network ACL drops the request: "
    else:
        message = (f"{lead}; the request gets there, but a network ACL drops the reply, which comes back from "
                   f"port {flow.port} to the sender's ephemeral ports ({verdict.reply_ports}): ")
    message += _describe([blocker for blocker in blockers if blocker.traffic == traffic]) + "."
    replies = [blocker for blocker in blockers if blocker.traffic != traffic]
    if replies:
        message += (f" The reply, from port {flow.port} back to the sender's ephemeral ports ({verdict.reply_ports}), "
                    "is dropped too: " + _describe(replies) + ".")
    if context.verdict(flow).status == BLOCKED:
        message += " Security groups block it too."
    if verdict.unresolved:
        message += " Not decided elsewhere on the way: " + "; ".join(verdict.unresolved) + "."
    entries: dict[str, list[AclEntry]] = {}
    for blocker in blockers:
        entries.setdefault(blocker.acl, []).append(AclEntry(
            blocker.egress, flow.protocol, blocker.from_port, blocker.to_port, blocker.peer,
            str(model.subnet_networks[blocker.peer]), blocker.rule.number if blocker.rule is not None else None))
    fix = " ".join(_fix_words(acl, list(dict.fromkeys(items))) for acl, items in sorted(entries.items()))
    steps = tuple(AllowInAcl(acl, tuple(dict.fromkeys(items))) for acl, items in sorted(entries.items()))
    first = blockers[0]
    primary = (Related(first.rule.declared_by, "network ACL entry", rule=first.rule) if first.rule is not None
               else Related(first.acl, "network ACL"))
    related = [Related(flow.target, "target"), Related(flow.source, "source"), primary]
    related += [Related(b.acl, "network ACL") for b in blockers] + [Related(b.subnet, "subnet") for b in blockers]
    is_balancer = flow.source in model.load_balancers
    return Finding(
        rule=rule_id,
        subject=flow.target,
        message=message,
        fix=fix,
        related=unique_places(related),
        primary=primary,
        remedies=(Remedy(fix, steps),),
        acl_blockers=tuple(blockers),
        unresolved=verdict.unresolved,
        load_balancer=flow.source if is_balancer else None,
        peer=None if is_balancer else flow.source,
        protocol=flow.protocol,
        port=flow.port,
    )


def _describe(blockers: list[AclBlocker]) -> str:
    """The blockers, those of one ACL entry (or implicit deny) on one way said once."""
    grouped: dict[tuple, tuple[list[str], list[str]]] = {}
    for blocker in blockers:
        key = (blocker.acl, blocker.traffic, blocker.egress, blocker.from_port, blocker.to_port,
               blocker.rule.number if blocker.rule is not None else None)
        subnets, peers = grouped.setdefault(key, ([], []))
        subnets.append(blocker.subnet) if blocker.subnet not in subnets else None
        peers.append(blocker.peer) if blocker.peer not in peers else None
    said = []
    for (acl, traffic, egress, low, high, number), (subnets, peers) in grouped.items():
        ports = f"port {low}" if low == high else f"ports {low}-{high}"
        way = (f"out of {_join(subnets)} to {_join(peers)}" if egress else f"into {_join(subnets)} from {_join(peers)}")
        by = f"rule {number} denies it" if number is not None else "no rule allows it (the implicit deny)"
        said.append(f"{acl} drops the {traffic} on {ports} {way}: {by}")
    return "; ".join(said)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _fix_words(acl: str, entries: list[AclEntry]) -> str:
    parts = []
    for entry in entries:
        ports = str(entry.from_port) if entry.from_port == entry.to_port else f"{entry.from_port}-{entry.to_port}"
        where = f", numbered below {entry.before}" if entry.before is not None else ""
        parts.append(f"{'egress' if entry.egress else 'ingress'} {entry.protocol}/{ports} "
                     f"{'to' if entry.egress else 'from'} {entry.peer_network} ({entry.peer_subnet}){where}")
    return f"Add to {acl} an entry that allows " + "; and one that allows ".join(parts) + "."
