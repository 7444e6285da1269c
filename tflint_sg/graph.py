"""The model as a documented JSON document (`tflint-sg graph --format json`): endpoints with
their tier and the ports nothing admits, security groups with their rules, and flows with their
verdicts, blockers and whether the configuration means them. Users query it with JMESPath
(`--query`, and `policy` blocks in the settings); both pictures of the tiers (`graph --format
mermaid` and the markdown report) are drawn from it alone, so they cannot disagree."""

from __future__ import annotations

from tflint_sg.context import Context
from tflint_sg.model import INGRESS, Endpoint, Port
from tflint_sg.network import BLOCKED
from tflint_sg.rules.queries import covers_port, groups_not_known, ingress_rules, interface_endpoint_clients, \
    judged_stores, rules_cannot_be_judged, store_clients
from tflint_sg.network_acls import AclBlocker
from tflint_sg.topology import CLIENTS, DATA, DYNAMIC, Flow

GRAPH_VERSION = 1


def tier(context: Context, address: str) -> str:
    model = context.model
    if address in model.load_balancers:
        return "load balancer"
    if address in model.data_stores:
        return "data store"
    if address in model.interface_endpoints:
        return "VPC endpoint"
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
            "port": _port(model, address),
            "unreachable": _unreachable(context, address, endpoint),
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
    clients = _clients_by_store(context)
    flows = [_flow(context, flow, flow.kind != DATA or flow.source in clients.get(flow.target, ()))
             for flow in context.flows + context.data_flows if flow.kind != CLIENTS]
    return {"graph_version": GRAPH_VERSION, "endpoints": endpoints, "security_groups": groups, "flows": flows}


def _port(model, address: str) -> Port | None:
    """Where a data store or interface endpoint listens."""
    served = model.data_stores.get(address) or model.interface_endpoints.get(address)
    return served.port if served is not None else None


def _clients_by_store(context: Context) -> dict[str, set[str]]:
    """Each judged store's app tier, as the data-store rules infer it, and each interface
    endpoint's callers: the data flows meant."""
    clients = {store.address: {client.address for client in store_clients(context, store, endpoint)}
               for store, endpoint in judged_stores(context)}
    clients.update((endpoint.address, {client.address for client in callers})
                   for _, endpoint, callers in interface_endpoint_clients(context))
    return clients


def _unreachable(context: Context, address: str, endpoint: Endpoint) -> list[dict]:
    """The ports the endpoint serves (a data store's port, a load balancer's listeners) that no
    rule of its groups admits from anywhere. Only a decided answer counts: groups or rules that
    are not all known leave a port out."""
    model = context.model
    served: list[tuple[str | None, str, Port]] = []
    if _port(model, address) is not None:
        served.append((None, "tcp", _port(model, address)))
    balancer = model.load_balancers.get(address)
    if balancer is not None and balancer.has_security_groups:
        served += sorted((listener.address, listener.protocol, listener.port) for listener in model.listeners
                         if listener.load_balancer == address and listener.port is not None)
    if not served or groups_not_known(context, endpoint):
        return []
    return [{"listener": listener, "protocol": protocol, "port": port}
            for listener, protocol, port in served
            if not rules_cannot_be_judged(context, endpoint, INGRESS, port, protocol)
            and all(covers_port(rule, port, protocol) == BLOCKED for rule in ingress_rules(context, endpoint))]


def acl_blocker_document(blocker: AclBlocker) -> dict:
    return {"network_acl": blocker.acl, "subnet": blocker.subnet, "peer_subnet": blocker.peer,
            "direction": "egress" if blocker.egress else "ingress",
            "traffic": blocker.traffic, "from_port": blocker.from_port, "to_port": blocker.to_port,
            "rule_number": blocker.rule.number if blocker.rule is not None else None,
            "declared_by": blocker.rule.declared_by if blocker.rule is not None else blocker.acl}


def _acls(context: Context, flow: Flow, intended: bool) -> dict | None:
    """The flow through the network ACLs, for the flows the ACL rules check (None for others)."""
    if not intended or flow.kind == DYNAMIC:
        return None
    verdict = context.acl_verdict(flow)
    return {"status": verdict.status, "blockers": [acl_blocker_document(b) for b in verdict.blockers],
            "unresolved": list(verdict.unresolved)}


def _flow(context: Context, flow: Flow, intended: bool) -> dict:
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
        # The load balancers' flows are configured; a data flow is meant when the store's rules
        # name the source's tier (the rest show who else can reach a store).
        "intended": intended,
        "network_acls": _acls(context, flow, intended),
    }

