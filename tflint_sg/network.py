"""Security group semantics: may traffic go from one endpoint to another on a protocol and port?

Security groups only allow, and they are stateful: a path needs an egress rule on the sender
and an ingress rule on the receiver; the rules of every group on an endpoint are unioned. Each
question has three answers: allowed, blocked, or undecided (something needed to decide it is
unknown until apply). Only "blocked" becomes a finding, and it names every group that blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tflint_sg.model import EGRESS, INGRESS, Endpoint, Model, Network, Port, Rule, SecurityGroup, SymbolicPort

ALLOWED = "allowed"
BLOCKED = "blocked"
UNDECIDED = "undecided"


@dataclass(frozen=True)
class Peer:
    """The other end of a path, as a rule sees it."""

    address: str
    groups: tuple[str, ...]  # the groups it carries
    groups_complete: bool  # False when some of its groups could not be resolved
    networks: tuple[Network, ...] | None  # where its packets come from / go to; None: unknown


def peer_of(endpoint: Endpoint, *, filtered: bool = True, networks_known: bool = True) -> Peer:
    """`filtered=False` for an NLB without security groups: rules can only match its addresses."""
    return Peer(
        endpoint.address,
        endpoint.groups if filtered else (),
        not endpoint.unresolved_groups or not filtered,
        endpoint.networks if networks_known else None,
    )


@dataclass(frozen=True)
class Blocker:
    endpoint: str  # the endpoint whose group blocks
    direction: str  # INGRESS on the receiver, EGRESS on the sender
    group: str  # the security group that does not allow the traffic
    admits: tuple[str, ...]  # what the group does allow in that direction, for the message


@dataclass(frozen=True)
class Verdict:
    status: str
    blockers: tuple[Blocker, ...] = ()
    unresolved: tuple[str, ...] = ()  # what kept an answer undecided
    # A path's answer for each side on its own: (direction, Verdict) pairs; empty for a side's.
    sides: tuple[tuple[str, Verdict], ...] = field(default=(), compare=False, repr=False)

    def side(self, direction: str) -> Verdict:
        """The answer of one side of a path: the sender's egress or the receiver's ingress. A
        sender that nothing filters (an NLB without security groups) allows all egress."""
        for name, verdict in self.sides:
            if name == direction:
                return verdict
        return Verdict(ALLOWED)


def ports_match(rule: Rule, protocol: str, port: Port) -> str:
    if rule.protocol is None:
        return UNDECIDED
    if rule.protocol == "all":
        return ALLOWED
    if rule.protocol != protocol:
        return BLOCKED
    if protocol not in ("tcp", "udp"):
        return ALLOWED
    low, high = rule.from_port, rule.to_port
    if low is None or high is None:
        return UNDECIDED
    if isinstance(port, SymbolicPort) or isinstance(low, SymbolicPort) or isinstance(high, SymbolicPort):
        return _symbolic_ports_match(low, high, port)
    return ALLOWED if low <= port <= high else BLOCKED


def _symbolic_ports_match(low: Port, high: Port, port: Port) -> str:
    """A port or range that names a value not given: it is admitted by a rule on that very value,
    or on every port a flow can use; otherwise it may be any port, so never blocked."""
    if low == high == port:
        return ALLOWED
    if isinstance(port, SymbolicPort) and isinstance(low, int) and isinstance(high, int) and low <= 1 and high >= 65535:
        return ALLOWED  # 0-65535 (or 1-65535) covers whichever port it is
    return UNDECIDED


def _networks_match(cidrs: tuple[Network, ...], networks: tuple[Network, ...] | None) -> str:
    if not cidrs:
        return BLOCKED
    if networks is None:
        if any(c.prefixlen == 0 and c.version == 4 for c in cidrs):
            return ALLOWED
        return UNDECIDED
    covered = 0
    overlapping = False
    for network in networks:
        same_version = [c for c in cidrs if c.version == network.version]
        if any(network.subnet_of(c) for c in same_version):
            covered += 1
        elif any(network.overlaps(c) for c in same_version):
            overlapping = True
    if networks and covered == len(networks):
        return ALLOWED
    if covered or overlapping:
        return UNDECIDED  # part of the peer's addresses are admitted: it depends on which it uses
    return BLOCKED


def rule_admits(rule: Rule, peer: Peer, protocol: str, port: Port) -> str:
    ports = ports_match(rule, protocol, port)
    if ports == BLOCKED:
        return BLOCKED
    if rule.groups and set(rule.groups) & set(peer.groups) or rule.self_ref and rule.group in peer.groups:
        source = ALLOWED
    else:
        source = _networks_match(rule.cidrs, peer.networks)
        if source != ALLOWED and (
            rule.prefix_lists or rule.unresolved or (not peer.groups_complete and (rule.groups or rule.self_ref))
        ):
            source = UNDECIDED
    if source == BLOCKED:
        return BLOCKED
    if source == ALLOWED and ports == ALLOWED:
        return ALLOWED
    return UNDECIDED


def group_admits(group: SecurityGroup, direction: str, peer: Peer, protocol: str, port: Port) -> str:
    statuses = {rule_admits(rule, peer, protocol, port) for rule in group.rules_in(direction)}
    if ALLOWED in statuses:
        # A group whose rules Terraform keeps rewriting may lose the rule that allows it.
        return UNDECIDED if direction in group.uncertain else ALLOWED
    if UNDECIDED in statuses or direction in group.incomplete:
        return UNDECIDED
    return BLOCKED


def why_undecided(group: SecurityGroup, direction: str, peer: Peer, protocol: str, port: Port) -> str:
    """The first thing that kept a group's answer open, in words for --verbose."""
    for rule in group.rules_in(direction):
        if rule_admits(rule, peer, protocol, port) != UNDECIDED:
            continue
        if rule.protocol is None or rule.from_port is None or rule.to_port is None:
            return f"a rule's protocol or ports are unknown until apply ({rule.declared_by})"
        if ports_match(rule, protocol, port) == UNDECIDED:
            by = f" ({rule.declared_by})" if rule.declared_by != rule.group else ""
            return (f"a rule{by} admits {rule.describe()}; whether that includes {protocol}/{port} depends "
                    "on a value the configuration does not give")
        if rule.prefix_lists:
            return f"a rule admits {rule.describe()}; a prefix list's addresses are not in the configuration"
        if rule.unresolved:
            return f"a rule's peer is not resolved: {rule.unresolved[0]}"
        return f"a rule covers part of the peer's addresses: {rule.describe()}"
    if direction in group.uncertain:
        return group.uncertain[direction]
    return group.incomplete.get(direction, f"its {direction} rules cannot be fully resolved")


def side(model: Model, endpoint: Endpoint, direction: str, peer: Peer, protocol: str, port: Port) -> Verdict:
    """Do the groups of `endpoint` allow traffic with `peer` in `direction`?"""
    if endpoint.unresolved_groups:
        return Verdict(UNDECIDED, unresolved=tuple(f"{endpoint.address}: {r}" for r in endpoint.unresolved_groups))
    undecided: list[str] = []
    for address in endpoint.groups:
        group = model.groups.get(address)
        if group is None:
            undecided.append(f"{endpoint.address}: security group {address} is not modeled")
            continue
        status = group_admits(group, direction, peer, protocol, port)
        if status == ALLOWED:
            return Verdict(ALLOWED)
        if status == UNDECIDED:
            undecided.append(f"{address}: {why_undecided(group, direction, peer, protocol, port)}")
    if undecided:
        return Verdict(UNDECIDED, unresolved=tuple(undecided))
    floating = [
        rule for rule in model.floating_rules
        if rule.direction == direction and any(
            rule_admits(replace(rule, group=owner), peer, protocol, port) != BLOCKED
            for owner in endpoint.groups or ("",)
        )
    ]
    if floating:
        return Verdict(UNDECIDED, unresolved=tuple(
            f"{rule.declared_by}: may allow it, but its security group is not resolved" for rule in floating))
    blockers = tuple(
        Blocker(endpoint.address, direction, address,
                tuple(rule.describe() for rule in model.groups[address].rules_in(direction)))
        for address in endpoint.groups
    )
    return Verdict(BLOCKED, blockers=blockers)


def path(model: Model, source: Endpoint, destination: Endpoint, protocol: str, port: Port, *,
         source_filtered: bool = True, source_networks_known: bool = True) -> Verdict:
    """Traffic from `source` to `destination`: the source's egress AND the destination's ingress.

    `source_filtered=False` models an NLB without security groups: nothing filters what it
    sends, and the destination can only admit it by address. `source_networks_known=False`
    says the destination sees other addresses than the source's own (client IP preservation).
    """
    named: list[tuple[str, Verdict]] = []
    if source_filtered:
        named.append((EGRESS, side(model, source, EGRESS, peer_of(destination), protocol, port)))
    named.append((INGRESS, side(model, destination, INGRESS,
                                peer_of(source, filtered=source_filtered, networks_known=source_networks_known),
                                protocol, port)))
    sides = [verdict for _, verdict in named]
    if all(s.status == ALLOWED for s in sides):
        return Verdict(ALLOWED, sides=tuple(named))
    unresolved = tuple(u for s in sides for u in s.unresolved)
    blockers = tuple(b for s in sides if s.status == BLOCKED for b in s.blockers)
    if blockers:
        # One side that surely blocks is enough; an undecided other side is reported as such.
        return Verdict(BLOCKED, blockers=blockers, unresolved=unresolved, sides=tuple(named))
    return Verdict(UNDECIDED, unresolved=unresolved, sides=tuple(named))
