"""How much one input let the analysis see: its flows by verdict, the resources it could not
expand, and why things stayed open, so a clean run and a run that saw little read differently."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from tflint_sg.context import Context
from tflint_sg.network import ALLOWED, BLOCKED, UNDECIDED
from tflint_sg.rules.queries import (interface_endpoint_clients, judged_stores, store_clients,
                                    unjudged_interface_endpoints, unjudged_stores, unknown_clients)
from tflint_sg.topology import data_flow


@dataclass(frozen=True)
class FlowCounts:
    allowed: int = 0
    blocked: int = 0
    undecided: int = 0

    @property
    def decided(self) -> int:
        return self.allowed + self.blocked

    @property
    def total(self) -> int:
        return self.decided + self.undecided

    def as_dict(self) -> dict[str, int]:
        """As the JSON and SARIF reports give it."""
        return {"decided": self.decided, "undecided": self.undecided, "allowed": self.allowed,
                "blocked": self.blocked}

    def __add__(self, other: FlowCounts) -> FlowCounts:
        return FlowCounts(self.allowed + other.allowed, self.blocked + other.blocked,
                          self.undecided + other.undecided)


def count_load_balancer_flows(context: Context) -> FlowCounts:
    """The flows by verdict, and each target whose target group or target is not resolved as an
    undecided one: a load balancer flow may start there."""
    statuses = [context.verdict(flow).status for flow in context.flows]
    return _by_status(statuses + [UNDECIDED] * len(context.model.unlinked))


def count_data_flows(context: Context) -> FlowCounts:
    """The flows from each data store's app tier (the clients its groups name, as the data-store
    rules judge them) and each interface endpoint's clients. A store whose port, groups or clients are not known has clients nobody
    can count: it is one undecided flow, never none."""
    statuses = [UNDECIDED for _ in unjudged_stores(context)]
    for store, endpoint in judged_stores(context):
        statuses += [context.verdict(data_flow(client.address, store.address, store.port)).status
                     for client in store_clients(context, store, endpoint)]
        if next(unknown_clients(context, endpoint, store.port), None) is not None:
            statuses.append(UNDECIDED)
    statuses += [UNDECIDED for _ in unjudged_interface_endpoints(context)]
    for vpce, endpoint, clients in interface_endpoint_clients(context):
        statuses += [context.verdict(data_flow(client.address, endpoint.address, vpce.port)).status
                     for client in clients]
    return _by_status(statuses)


def _by_status(statuses) -> FlowCounts:
    counts = Counter(statuses)
    return FlowCounts(counts[ALLOWED], counts[BLOCKED], sum(counts.values()) - counts[ALLOWED] - counts[BLOCKED])


# A Terraform address at the start of a note or reason, as `address: what about it`.
_ADDRESS = r"(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(?:data\.)?[a-z][\w-]*\.[\w-]+(?:\[[^\]]*\])?: "
_LEADING_ADDRESS = re.compile(_ADDRESS)
# A flow's reason joins what stayed open on each resource: `a.x: why; b.y: why`.
_NEXT_ADDRESSED_PART = re.compile(rf"; (?={_ADDRESS})")
# An instance key of a resource or module: `[0]`, `["blue"]`.
_INSTANCE_KEY = re.compile(r'(?<=[\w-])\[(?:\d+|"[^"\]]*")\]')


def reasons(why: str) -> list[str]:
    """The reasons in a note's explanation, without the addresses they are about and with every
    instance key as `[*]`, so the same cause reads the same wherever it leaves something open
    (`sg-0abc... is not created by this configuration` for every target that carries it, one
    reason for all the copies of a module called with count or for_each)."""
    found = []
    for part in _NEXT_ADDRESSED_PART.split(why):
        while (match := _LEADING_ADDRESS.match(part)) and match.end() < len(part):
            part = part[match.end():]
        found.append(_INSTANCE_KEY.sub("[*]", part))
    return found


def tally(explanations: list[str]) -> dict[str, int]:
    """How many of the explanations cite each reason (one explanation cites a reason once)."""
    counts: Counter[str] = Counter()
    for why in explanations:
        counts.update(set(reasons(why)))
    return dict(counts)


def most_frequent(counts: dict[str, int]) -> list[tuple[int, str]]:
    """Reasons by how often they occur, then by text: the same counts give the same order."""
    return sorted(((n, reason) for reason, n in counts.items()), key=lambda item: (-item[0], item[1]))
