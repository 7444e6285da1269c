"""What both load-balancer reachability rules share: turning a blocked flow into a finding."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from tflint_sg.context import Context
from tflint_sg.findings import Finding, Related, Undecided
from tflint_sg.model import EGRESS, INGRESS, describe_ports
from tflint_sg.network import ALLOWED, BLOCKED, UNDECIDED, Verdict, peer_of
from tflint_sg.remedy import UNSAFE, Remedy, SetPort
from tflint_sg.rules.places import admitting_steps, fix_site
from tflint_sg.rules.queries import ACL_ALSO, acl_drops
from tflint_sg.topology import HEALTH_CHECK, TRAFFIC, Flow


def blocked_flow_findings(context: Context, rule_id: str, kind: str, what: str) -> Iterator[Finding | Undecided]:
    """A finding for each flow of `kind` that security groups block; `what` names the traffic."""
    for flow in context.flows:
        if flow.kind != kind:
            continue
        verdict = context.verdict(flow)
        if verdict.status == BLOCKED:
            yield _finding(context, rule_id, flow, verdict, what)
        elif verdict.status == UNDECIDED:
            yield undecided_flow(flow, verdict)


def undecided_flow(flow: Flow, verdict: Verdict) -> Undecided:
    return Undecided(flow_subject(flow), "; ".join(sorted(set(verdict.unresolved))) or "unresolved values")


def flow_subject(flow: Flow) -> str:
    """How a note names a flow: `aws_lb.web -> aws_instance.web tcp/80 (traffic)`."""
    return f"{flow.source} -> {flow.target} {flow.protocol}/{flow.port} ({flow.kind.replace('_', ' ')})"


def _finding(context: Context, rule_id: str, flow: Flow, verdict, what: str) -> Finding:
    model = context.model
    balancer = model.endpoints[flow.source]
    target = model.endpoints[flow.target]
    ports = describe_ports(flow.protocol, flow.port, flow.port)
    groups = ", ".join(flow.target_groups)
    lead = f"{flow.source} sends {what} on {ports} to {flow.target}"
    lead += f" (target group {groups})" if groups else ""
    egress = [b for b in verdict.blockers if b.direction == EGRESS]
    ingress = [b for b in verdict.blockers if b.direction == INGRESS]
    sentences = []
    if egress:
        sentences.append(
            f"On the load balancer, nothing lets {ports} out to the target: " + "; ".join(
                f"{b.group} allows only {_join(b.admits)}" if b.admits
                else f"{b.group} has no egress rules (Terraform removes AWS's default allow-all egress "
                     "when a group declares none)"
                for b in egress) + "."
        )
    if ingress:
        sentences.append(
            f"On the target, nothing admits {ports} from {_source_description(model, flow)}: " + "; ".join(
                f"{b.group} admits only {_join(b.admits)}" if b.admits else f"{b.group} has no ingress rules"
                for b in ingress) + "."
        )
    where = "both sides" if egress and ingress else "the load balancer" if egress else "the target"
    message = f"{lead}, but security groups on {where} block it. " + " ".join(sentences)
    if verdict.unresolved:
        message += " Not decided on the other side: " + "; ".join(sorted(set(verdict.unresolved))) + "."
    acl_blockers = acl_drops(context, flow) if flow.kind in (TRAFFIC, HEALTH_CHECK) else ()
    if acl_blockers:
        message += ACL_ALSO

    peer = (peer_of(balancer, filtered=flow.source_filtered, networks_known=flow.source_networks_known) if ingress
            else peer_of(target))
    site = fix_site(model, verdict.blockers, peer, flow.protocol, flow.port)
    port_places = [Related(address, _PORT_ROLES.get(attribute, "port"), attribute)
                   for address, attribute in flow.port_set_at]
    fixes = []
    if ingress:
        if flow.source_filtered and balancer.groups:
            source = "the load balancer's security group " + " or ".join(balancer.groups)
        else:
            source = "the load balancer's subnets"
        fix = f"Admit {ports} from {source} in a security group attached to {flow.target}"
        shared = set(balancer.groups) & set(target.groups)
        if shared:
            fix += (
                f". {', '.join(sorted(shared))} is on both the load balancer and the target: rather than opening it "
                "further, keep it on the load balancer alone and give the targets a group that admits the load "
                "balancer's group (or a shared group with a self-referencing rule)"
            )
        fixes.append(fix + ".")
    if egress:
        destination = "security group " + " or ".join(target.groups) if target.groups else "the target's subnets"
        fixes.append(f"Allow egress {ports} to {destination} in a security group attached to {flow.source}.")
    fixes = [" ".join(fixes)]
    set_at = (port_places[0].address, port_places[0].attribute) if port_places else None
    steps = admitting_steps(model, verdict.blockers, balancer, target, flow.protocol, flow.port, set_at,
                            sender_filtered=flow.source_filtered)
    remedies = [Remedy(fixes[0], steps)] if steps else []
    primary = site.place
    traffic_port = _traffic_port_instead(context, flow, port_places)
    port_back = _port_that_passes(context, flow, site, port_places)
    if port_back is None and traffic_port is not None:
        fixes.append(traffic_port.description)
        remedies.append(traffic_port)
    if port_back is not None:
        port_back = traffic_port or port_back  # for a health check, "traffic-port" says it best
        peer_name = "the load balancer" if ingress else "the target"
        # The headline says it: the port is as likely the mistake as the group.
        message = message.replace(
            f", but security groups on {where} block it.",
            f", but {site.admitting} admits {peer_name} only on {site.ports_admitted()}: the port may be the "
            "mistake.", 1)
        primary = port_places[0]
        fixes.insert(0, port_back.description)
        remedies.insert(0, port_back)

    related = [Related(flow.target, "target"), Related(flow.source, "load balancer")]
    related += port_places
    related += [Related(group, "target group") for group in flow.target_groups]
    related += [Related(via, "listener or attachment") for via in flow.via]
    related += [site.place]
    related += [Related(blocker.group, "security group") for blocker in verdict.blockers]
    return Finding(
        rule=rule_id,
        subject=flow.target,
        message=message,
        fix=fixes[0],
        other_fixes=tuple(fixes[1:]),
        related=unique_places(related),
        primary=primary,
        remedies=tuple(remedies),
        blockers=verdict.blockers,
        acl_blockers=acl_blockers,
        unresolved=verdict.unresolved,
        load_balancer=flow.source,
        protocol=flow.protocol,
        port=flow.port,
    )


# What a flow's port is, by the attribute that sets it.
_PORT_ROLES = {
    "port": "port",
    "health_check.port": "health check port",
    "load_balancer.container_port": "container port",
    "listener.instance_port": "instance port",
    "health_check.target": "health check target",
    "task_definition": "host port mapping",
}


def _traffic_port_instead(context: Context, flow: Flow, port_places: list[Related]) -> Remedy | None:
    """A health check on a port of its own, where the traffic port passes: check that instead."""
    if flow.kind != HEALTH_CHECK or not port_places or port_places[0].attribute != "health_check.port":
        return None
    traffic = [other for other in context.flows
               if other.kind == TRAFFIC and other.source == flow.source and other.target == flow.target
               and set(other.target_groups) & set(flow.target_groups)]
    if not traffic or any(context.verdict(other).status != ALLOWED for other in traffic):
        return None
    where = port_places[0]
    return Remedy(f"Set health_check.port of {where.address} back to \"traffic-port\" (tcp/{traffic[0].port}, "
                  "which the security groups admit).", (SetPort(where.address, where.attribute, "traffic-port"),), UNSAFE)


def _port_that_passes(context: Context, flow: Flow, site, port_places: list[Related]) -> Remedy | None:
    """When the blocking side admits the peer on another port, and that port would pass both
    sides, the port is as likely the mistake as the group: the fix that sets it there. A port
    that would still be blocked (the load balancer sends nothing out, say) is no way out."""
    if not port_places or not site.port_suspect or flow.kind not in (TRAFFIC, HEALTH_CHECK):
        return None
    candidates = sorted({rule.from_port for rule in site.admits_peer_elsewhere if rule.from_port == rule.to_port})
    passing = [port for port in candidates if context.verdict(replace(flow, port=port)).status == ALLOWED]
    if not passing:
        return None
    where, port = port_places[0], passing[0]
    if where.attribute == "task_definition":
        # The mapping is in JSON inside the task definition: described, not written.
        return Remedy(f"Map the container port to host port {port} in the task definition of {where.address} (its "
                      f"portMappings), where {site.admitting} admits the load balancer.", (), UNSAFE)
    return Remedy(f"Set {where.attribute} of {where.address} to {port}, where {site.admitting} admits the load "
                  "balancer.", (SetPort(where.address, where.attribute, port),), UNSAFE)


def unique_places(places: list[Related]) -> tuple[Related, ...]:
    """The related locations: one per place, the first role wins. The primary place is among
    them, so that the message's links reach every address it names."""
    unique: dict[tuple, Related] = {}
    for item in places:
        unique.setdefault((item.address, item.attribute, item.rule), item)
    return tuple(unique.values())


def _join(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _source_description(model, flow: Flow) -> str:
    balancer = model.endpoints[flow.source]
    parts = []
    if flow.source_filtered and balancer.groups:
        parts.append("the load balancer's security group " + ", ".join(balancer.groups))
    if flow.source_networks_known and balancer.networks:
        parts.append("its subnets " + ", ".join(str(n) for n in balancer.networks))
    elif not flow.source_networks_known:
        parts.append("the clients it passes through")
    return " or ".join(parts) or "the load balancer"
