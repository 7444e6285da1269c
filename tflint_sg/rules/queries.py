"""Queries several rules share: which stores and interface endpoints can be judged, who their
clients are, and whether a side's rules can be judged at all."""

from __future__ import annotations

from typing import Iterator

from tflint_sg.context import Context
from tflint_sg.findings import Undecided
from tflint_sg.model import INGRESS, DataStore, Endpoint, InterfaceEndpoint, Port, Rule
from tflint_sg.network import BLOCKED, ports_match
from tflint_sg.topology import Flow


def judged_stores(context: Context) -> Iterator[tuple[DataStore, Endpoint]]:
    """Stores whose port and groups are known, with their endpoint."""
    for address in sorted(context.model.data_stores):
        store = context.model.data_stores[address]
        endpoint = context.model.endpoints.get(address)
        if endpoint is not None and _why_not_judged(context, store, endpoint) is None:
            yield store, endpoint


def unjudged_stores(context: Context) -> Iterator[Undecided]:
    """The stores `judged_stores` leaves out, and why."""
    for address in sorted(context.model.data_stores):
        endpoint = context.model.endpoints.get(address)
        reason = endpoint and _why_not_judged(context, context.model.data_stores[address], endpoint)
        if reason:
            yield Undecided(address, reason)


def _why_not_judged(context: Context, store: DataStore, endpoint: Endpoint) -> str | None:
    if store.port is None:
        return store.why_port_unknown or "its port is not known"
    if store.other_way_in:
        return store.other_way_in
    return groups_not_known(context, endpoint)


def groups_not_known(context: Context, endpoint: Endpoint) -> str | None:
    """Why the endpoint's security groups, and so their rules, are not all known (None: they are)."""
    if endpoint.unresolved_groups:
        return f"its security groups are not known ({'; '.join(endpoint.unresolved_groups)})"
    outside = [group for group in endpoint.groups if group not in context.model.groups]
    if outside:
        return f"its security group {', '.join(outside)} is not created by this configuration"
    return None


def unknown_clients(context: Context, endpoint: Endpoint, port: Port) -> Iterator[Undecided]:
    """Rules on the store's port whose peers are not known: the tiers they name stay unknown."""
    for rule in ingress_rules(context, endpoint):
        if rule.unresolved and covers_port(rule, port) != BLOCKED:
            yield Undecided(endpoint.address, f"{rule.group} admits tcp/{port} from peers that are not known "
                                              f"({'; '.join(rule.unresolved)}), so its clients are not known")


def ingress_rules(context: Context, endpoint: Endpoint) -> list[Rule]:
    return [rule for group in endpoint.groups for rule in context.model.groups[group].rules_in(INGRESS)]


def named_clients(context: Context, endpoint: Endpoint, port: Port) -> list[Endpoint]:
    """Compute endpoints a store's rules name (by a group they carry, or `self` on a group both
    carry): the tiers the configuration clearly means to reach the store (a CIDR is not). A rule
    off the store's port counts only in a group no other store carries: a data-tier group shared
    by a database and a cache names each one's clients on its own port."""
    model = context.model
    shared = {group for group in endpoint.groups
              if any(address != endpoint.address and address in model.data_stores
                     for address in context.endpoints_carrying(group))}
    named: set[str] = set()
    for rule in ingress_rules(context, endpoint):
        if rule.group in shared and covers_port(rule, port) == BLOCKED:
            continue
        naming = set(rule.groups) | ({rule.group} if rule.self_ref else set())
        for group in naming:
            named.update(address for address in context.endpoints_carrying(group)
                         if address in model.compute)
    return [model.endpoints[address] for address in sorted(named)]


def store_clients(context: Context, store: DataStore, endpoint: Endpoint) -> list[Endpoint]:
    """A store's clients: the tiers its rules name, and those its address is handed to in their
    environment (a function given the proxy's endpoint), by address."""
    clients = {client.address: client for client in named_clients(context, endpoint, store.port)}
    clients.update((address, context.model.endpoints[address]) for address in store.handed_to)
    return [clients[address] for address in sorted(clients)]


# Said after a security-group finding whose flow a network ACL drops as well.
ACL_ALSO = " A network ACL drops it too (aws_network_acl_traffic_blocked or _return_traffic_blocked says where)."


def acl_drops(context: Context, *flows: Flow) -> tuple:
    """The network ACL entries (or implicit denies) that drop any of the flows, beside the
    security groups that block them: fixing the groups alone would not open the path."""
    drops: dict = {}
    for flow in flows:
        verdict = context.acl_verdict(flow)
        if verdict.status == BLOCKED:
            drops.update(dict.fromkeys(verdict.blockers))
    return tuple(drops)


def covers_port(rule: Rule, port: Port, protocol: str = "tcp") -> str:
    """Whether the rule's protocol and ports include protocol/port, whatever its source."""
    return ports_match(rule, protocol, port)


def rules_cannot_be_judged(context: Context, endpoint: Endpoint, direction: str, port: Port,
                           protocol: str = "tcp") -> bool:
    """Rules that may be missing from the model (unknown inline rules, rules of an unresolved
    group, groups Terraform rewrites) leave a "no rule covers it" answer open."""
    for address in endpoint.groups:
        group = context.model.groups[address]
        if direction in group.incomplete or direction in group.uncertain:
            return True
    return any(rule.direction == direction and covers_port(rule, port, protocol) != BLOCKED
               for rule in context.model.floating_rules)


def interface_endpoint_clients(context: Context) -> Iterator[tuple[InterfaceEndpoint, Endpoint, list[Endpoint]]]:
    """Each interface endpoint that can be judged, with the compute shown to call its service
    through it: the callers the configuration shows (`InterfaceEndpoint.callers`), and, when
    private DNS sends every call to the service in the VPC there, the tiers its groups name.
    Without private DNS, a tier its groups name may call the service by its public name,
    through a NAT gateway: nothing shows that it uses the endpoint."""
    model = context.model
    for address in sorted(model.interface_endpoints):
        vpce = model.interface_endpoints[address]
        endpoint = model.endpoints[address]
        if _why_endpoint_not_judged(context, vpce, endpoint) is not None:
            continue
        clients = {client: model.endpoints[client] for client, _ in vpce.callers}
        if vpce.private_dns:
            clients.update((client.address, client) for client in named_clients(context, endpoint, vpce.port))
        yield vpce, endpoint, [clients[client] for client in sorted(clients)]


def unjudged_interface_endpoints(context: Context) -> Iterator[Undecided]:
    model = context.model
    for address in sorted(model.interface_endpoints):
        reason = _why_endpoint_not_judged(context, model.interface_endpoints[address], model.endpoints[address])
        if reason:
            yield Undecided(address, reason)


def _why_endpoint_not_judged(context: Context, vpce: InterfaceEndpoint, endpoint: Endpoint) -> str | None:
    if vpce.port is None:
        return vpce.why_port_unknown or "its port is not known"
    if vpce.private_dns is None and not vpce.callers:
        return "whether private DNS sends the service's calls to it is not known"
    return groups_not_known(context, endpoint)
