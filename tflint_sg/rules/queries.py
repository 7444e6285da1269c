"""Queries several rules share: which stores can be judged, who their clients are, and whether
a side's rules can be judged at all."""

from __future__ import annotations

from typing import Iterator

from tflint_sg.context import Context
from tflint_sg.model import INGRESS, DataStore, Endpoint, Rule
from tflint_sg.network import BLOCKED, ports_match


def judged_stores(context: Context) -> Iterator[tuple[DataStore, Endpoint]]:
    """Stores whose port and groups are known, with their endpoint."""
    for address in sorted(context.model.data_stores):
        store = context.model.data_stores[address]
        endpoint = context.model.endpoints.get(address)
        if store.port is None or endpoint is None or endpoint.unresolved_groups:
            continue
        if any(address not in context.model.groups for address in endpoint.groups):
            continue
        yield store, endpoint


def ingress_rules(context: Context, endpoint: Endpoint) -> list[Rule]:
    return [rule for group in endpoint.groups for rule in context.model.groups[group].rules_in(INGRESS)]


def named_clients(context: Context, endpoint: Endpoint, port: int) -> list[Endpoint]:
    """Compute endpoints a store's rules name (by a group they carry, or `self` on a group both
    carry): the tiers the configuration clearly means to reach the store (a CIDR is not). A rule
    off the store's port counts only in a group no other store carries: a data-tier group shared
    by a database and a cache names each one's clients on its own port."""
    model = context.model
    shared = {group for address, store in model.data_stores.items() if address != endpoint.address
              for group in model.endpoints[address].groups} if endpoint.address in model.endpoints else set()
    clients = []
    rules = ingress_rules(context, endpoint)
    for address in sorted(model.compute):
        client = model.endpoints[address]
        if any((set(rule.groups) & set(client.groups) or (rule.self_ref and rule.group in client.groups))
               and (covers_port(rule, port) != BLOCKED or rule.group not in shared)
               for rule in rules):
            clients.append(client)
    return clients


def covers_port(rule: Rule, port: int, protocol: str = "tcp") -> str:
    """Whether the rule's protocol and ports include protocol/port, whatever its source."""
    return ports_match(rule, protocol, port)


def rules_cannot_be_judged(context: Context, endpoint: Endpoint, direction: str, port: int,
                           protocol: str = "tcp") -> bool:
    """Rules that may be missing from the model (unknown inline rules, rules of an unresolved
    group, groups Terraform rewrites) leave a "no rule covers it" answer open."""
    for address in endpoint.groups:
        group = context.model.groups[address]
        if direction in group.incomplete or direction in group.uncertain:
            return True
    return any(rule.direction == direction and covers_port(rule, port, protocol) != BLOCKED
               for rule in context.model.floating_rules)
