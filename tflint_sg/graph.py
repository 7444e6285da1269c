"""The model as a documented JSON document (`tflint-sg graph --format json`): endpoints with
their tier, security groups with their rules, and flows with their verdicts and blockers.
Users query it with JMESPath (`--query`, and `policy` blocks in the settings)."""

from __future__ import annotations

from tflint_sg.context import Context
from tflint_sg.network import path

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
    flows = [_flow(context, flow.kind, flow.load_balancer, flow.target, flow.protocol, flow.port,
                   context.verdict(flow), list(flow.via))
             for flow in context.flows if flow.kind != "clients"]
    # Who may reach each data store on its port: load balancers and compute, as verdicts.
    for store_address in sorted(model.data_stores):
        store = model.data_stores[store_address]
        if store.port is None or store_address not in model.endpoints:
            continue
        target = model.endpoints[store_address]
        for source in sorted(set(model.load_balancers) | model.compute):
            if source not in model.endpoints:
                continue
            verdict = path(model, model.endpoints[source], target, "tcp", store.port)
            flows.append(_flow(context, "data", source, store_address, "tcp", store.port, verdict, []))
    return {"graph_version": GRAPH_VERSION, "endpoints": endpoints, "security_groups": groups, "flows": flows}


def _flow(context: Context, kind, source, target, protocol, port, verdict, via) -> dict:
    return {
        "kind": kind,
        "from": source,
        "from_tier": tier(context, source),
        "to": target,
        "to_tier": tier(context, target),
        "protocol": protocol,
        "port": port,
        "status": verdict.status,
        "blockers": [{"endpoint": b.endpoint, "direction": b.direction, "security_group": b.group}
                     for b in verdict.blockers],
        "unresolved": list(verdict.unresolved),
        "via": via,
    }

