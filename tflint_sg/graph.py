"""The model as a documented JSON document (`tflint-sg graph --format json`): endpoints with
their tier, security groups with their rules, and flows with their verdicts and blockers.
Users query it with JMESPath (`--query`, and `policy` blocks in the settings)."""

from __future__ import annotations

from tflint_sg.context import Context
from tflint_sg.topology import CLIENTS, Flow

GRAPH_VERSION = 1


def tier(context: Context, address: str) -> str:
    model = context.model
    if address in model.load_balancers:
        return "load balancer"
    if address in model.data_stores:
        return "data store"
    if address in model.compute:
        return "compute"
    return "other"


def document(context: Context) -> dict:
    model = context.model
    endpoints = [
        {
            "address": address,
            "type": endpoint.type,
            "tier": tier(context, address),
            "security_groups": list(endpoint.groups),
            "unresolved_groups": list(endpoint.unresolved_groups),
            "networks": [str(n) for n in endpoint.networks] if endpoint.networks is not None else None,
            "port": model.data_stores[address].port if address in model.data_stores else None,
        }
        for address, endpoint in sorted(model.endpoints.items())
    ]
    groups = [
        {
            "address": address,
            "rules": [
                {
                    "direction": rule.direction,
                    "protocol": rule.protocol,
                    "from_port": rule.from_port,
                    "to_port": rule.to_port,
                    "cidrs": [str(c) for c in rule.cidrs],
                    "security_groups": list(rule.groups),
                    "self": rule.self_ref,
                    "prefix_lists": list(rule.prefix_lists),
                    "declared_by": rule.declared_by,
                }
                for rule in group.rules
            ],
        }
        for address, group in sorted(model.groups.items())
    ]
    # An NLB's clients reach its targets directly: that is no flow of the load balancer's own.
    flows = [_flow(context, flow) for flow in context.flows + context.data_flows if flow.kind != CLIENTS]
    return {"graph_version": GRAPH_VERSION, "endpoints": endpoints, "security_groups": groups, "flows": flows}


def _flow(context: Context, flow: Flow) -> dict:
    verdict = context.verdict(flow)
    return {
        "kind": flow.kind,
        "from": flow.source,
        "from_tier": tier(context, flow.source),
        "to": flow.target,
        "to_tier": tier(context, flow.target),
        "protocol": flow.protocol,
        "port": flow.port,
        "status": verdict.status,
        "blockers": [{"endpoint": b.endpoint, "direction": b.direction, "security_group": b.group}
                     for b in verdict.blockers],
        "unresolved": list(verdict.unresolved),
        "via": list(flow.via),
    }

