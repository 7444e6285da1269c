"""Network ACL semantics: does a subnet's ACL let a flow's request and its reply through?

ACLs filter traffic where it crosses a subnet boundary (never within one subnet) and keep no
state: a connection needs its request out of the source's subnet and into the destination's,
and its reply (from the service port back to the client's ephemeral port) out of the
destination's subnet and into the source's. Each ACL's entries are read lowest number first;
the first one that matches decides, and what none matches is denied. Answers are allowed,
blocked or undecided, as for security groups (network.py); a blocked answer names each entry
that drops traffic, or the implicit deny.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from tflint_sg.model import AclRule, Endpoint, Model, Network, Port
from tflint_sg.network import ALLOWED, BLOCKED, UNDECIDED

# The ports a client's replies come back to, by the kind of client (AWS's network ACL guide).
LOAD_BALANCER_PORTS = (1024, 65535, "load balancers use 1024-65535")
LAMBDA_PORTS = (1024, 65535, "Lambda functions use 1024-65535")
LINUX_PORTS = (32768, 60999, "assuming Linux clients, which use 32768-60999")

REQUEST = "request"
REPLY = "reply"


@dataclass(frozen=True)
class AclBlocker:
    acl: str
    subnet: str  # the subnet whose ACL drops it
    egress: bool  # out of the subnet (else into it)
    traffic: str  # REQUEST or REPLY
    from_port: int  # the ports dropped
    to_port: int
    rule: AclRule | None  # the entry that denies, None for the implicit deny (nothing matched)
    peer: str = ""  # the subnet at the other end


@dataclass(frozen=True)
class AclVerdict:
    status: str
    blockers: tuple[AclBlocker, ...] = ()
    unresolved: tuple[str, ...] = ()
    reply_ports: str = ""  # which ephemeral range the reply was checked on, and why


def reply_ports(model: Model, endpoint: Endpoint) -> tuple[int, int, str]:
    if endpoint.address in model.load_balancers:
        return LOAD_BALANCER_PORTS
    if endpoint.type == "aws_lambda_function":
        return LAMBDA_PORTS
    return LINUX_PORTS


def acl_path(model: Model, source: Endpoint, destination: Endpoint, protocol: str, port: Port) -> AclVerdict:
    """The flow's request and reply through the ACLs of every pair of subnets it crosses."""
    low, high, why = reply_ports(model, source)
    if all(acl is not None and _allows_everything(model.network_acls.get(acl)) for acl in model.subnet_acls.values()):
        return AclVerdict(ALLOWED, reply_ports=why)  # every subnet's ACL allows all traffic
    if not isinstance(port, int):
        return AclVerdict(UNDECIDED, unresolved=(f"the port {port} is not known",), reply_ports=why)
    missing = [e.address for e in (source, destination) if e.subnets is None]
    if missing:
        return AclVerdict(UNDECIDED, unresolved=tuple(f"{address}: its subnets are not known, so neither are "
                                                      "its network ACLs" for address in missing), reply_ports=why)
    pairs: dict[tuple[str, str], AclVerdict] = {}
    for pair in product(source.subnets, destination.subnets):
        if _exercised(model, source, *pair) is not False:
            pairs[pair] = _pair(model, *pair, protocol, port, (low, high))
    # Which subnets carry the flow: all of an endpoint spread over them, one of the others'.
    sources = [source.subnets] if source.spread else [(s,) for s in source.subnets]
    destinations = [destination.subnets] if destination.spread else [(d,) for d in destination.subnets]
    answers = []
    for used_sources, used_destinations in product(sources, destinations):
        used = [pair for pair in product(used_sources, used_destinations) if pair in pairs]
        blocked = [pair for pair in used if pairs[pair].status == BLOCKED and _exercised(model, source, *pair)]
        if blocked:
            answers.append(BLOCKED)
        elif all(pairs[pair].status == ALLOWED for pair in used):
            answers.append(ALLOWED)
        else:
            answers.append(UNDECIDED)
    unresolved = tuple(sorted({u for verdict in pairs.values() for u in verdict.unresolved}))
    if answers and all(answer == BLOCKED for answer in answers):
        blockers = tuple(sorted({b for verdict in pairs.values() if verdict.status == BLOCKED for b in verdict.blockers},
                                key=_blocker_key))
        return AclVerdict(BLOCKED, blockers, unresolved, why)
    if all(answer == ALLOWED for answer in answers):
        return AclVerdict(ALLOWED, reply_ports=why)
    if not unresolved:
        unresolved = ("the subnets it uses are not known, and the network ACLs of some of them block it",)
    return AclVerdict(UNDECIDED, unresolved=unresolved, reply_ports=why)


def _allows_everything(acl) -> bool:
    """An ACL whose first entry each way allows all traffic with 0.0.0.0/0 (the VPC module's
    default ACL, and what AWS creates)."""
    if acl is None or acl.incomplete:
        return False
    for egress in (False, True):
        rules = _ordered(acl.rules, egress)
        first = rules[0] if rules else None
        if first is None or first.number is None or not first.allow or first.protocol != "all" or \
                first.cidr is None or first.cidr.prefixlen != 0:
            return False
    return True


def _exercised(model: Model, source: Endpoint, from_subnet: str, to_subnet: str) -> bool | None:
    """Whether traffic goes between the two subnets: a network load balancer without cross-zone
    load balancing sends only within each zone. None: not known (the zones are not)."""
    balancer = model.load_balancers.get(source.address)
    if balancer is None or balancer.kind != "network" or balancer.cross_zone:
        return True
    zones = [model.subnet_zones.get(subnet) for subnet in (from_subnet, to_subnet)]
    if None in zones:
        return None
    return zones[0] == zones[1]


def _pair(model: Model, source: str, destination: str, protocol: str, port: int,
          ephemeral: tuple[int, int]) -> AclVerdict:
    if source == destination:
        return AclVerdict(ALLOWED)  # within one subnet, ACLs do not filter
    nets = [model.subnet_networks.get(source), model.subnet_networks.get(destination)]
    if None in nets:
        return AclVerdict(UNDECIDED, unresolved=("the CIDR block of a subnet on the way is not known",))
    checks = (  # (subnet, egress, traffic, ports, the other subnet, its network)
        (source, True, REQUEST, (port, port), destination, nets[1]),
        (destination, False, REQUEST, (port, port), source, nets[0]),
        (destination, True, REPLY, ephemeral, source, nets[0]),
        (source, False, REPLY, ephemeral, destination, nets[1]),
    )
    blockers: list[AclBlocker] = []
    unresolved: list[str] = []
    for subnet, egress, traffic, ports, other, peer in checks:
        if subnet not in model.subnet_acls:
            continue  # its VPC's default ACL, not managed here: it allows all
        address = model.subnet_acls[subnet]
        acl = model.network_acls.get(address) if address is not None else None
        if acl is None:
            unresolved.append(f"{subnet}: which network ACL it has is not known")
            continue
        found, reason = _entries(acl.address, acl.rules, egress, protocol, ports, peer)
        blockers += [AclBlocker(acl.address, subnet, egress, traffic, low, high, rule, other)
                     for low, high, rule in found]
        if reason is None and acl.incomplete and not found:
            reason = f"{acl.address}: {acl.incomplete}"
        if reason is not None and not found:
            unresolved.append(reason)
    if blockers:
        return AclVerdict(BLOCKED, tuple(blockers), tuple(unresolved))
    return AclVerdict(UNDECIDED if unresolved else ALLOWED, unresolved=tuple(unresolved))


def _entries(acl: str, rules: list[AclRule], egress: bool, protocol: str, ports: tuple[int, int],
             peer: Network) -> tuple[list[tuple[int, int, AclRule | None]], str | None]:
    """The port ranges the ACL drops for traffic on `ports` with `peer`, each with the entry
    that drops it (None: the implicit deny), and why the rest is not known (None: it is)."""
    remaining = [ports]
    dropped: list[tuple[int, int, AclRule | None]] = []
    ordered = _ordered(rules, egress)
    for rule in ordered:
        if rule.number is None and _may_match(rule, protocol, peer):
            # Where it is read is not known: it may come before any entry.
            return [], f"{acl}: {rule.declared_by} has a rule number not known until apply"
    for rule in ordered:
        if not remaining:
            break
        if rule.number is None or rule.allow is None or rule.protocol is None or rule.cidr is None:
            return dropped, f"{acl}: {rule.declared_by} has a number, action, protocol or CIDR block not known until apply"
        if rule.protocol not in ("all", protocol):
            continue
        if rule.cidr.version != peer.version or not rule.cidr.overlaps(peer):
            continue
        if not peer.subnet_of(rule.cidr):
            return dropped, f"{acl}: rule {rule.number} covers only part of {peer}"
        if rule.protocol == "all":
            low, high = 0, 65535
        elif rule.from_port is None or rule.to_port is None:
            return dropped, f"{acl}: the ports of rule {rule.number} are not known until apply"
        else:
            low, high = rule.from_port, rule.to_port
        kept = []
        for start, end in remaining:
            if high < start or low > end:
                kept.append((start, end))
                continue
            if not rule.allow:
                dropped.append((max(start, low), min(end, high), rule))
            if start < low:
                kept.append((start, low - 1))
            if end > high:
                kept.append((high + 1, end))
        remaining = kept
    dropped += [(start, end, None) for start, end in remaining]
    return dropped, None


def _ordered(rules: list[AclRule], egress: bool) -> list[AclRule]:
    """The IPv4 entries of one way, in the order AWS reads them (unknown numbers last)."""
    return sorted((rule for rule in rules if rule.egress == egress and not rule.ipv6),
                  key=lambda rule: (rule.number is None, rule.number or 0))


def _may_match(rule: AclRule, protocol: str, peer: Network) -> bool:
    return rule.protocol in (None, "all", protocol) and (rule.cidr is None or (
        rule.cidr.version == peer.version and rule.cidr.overlaps(peer)))


def _blocker_key(blocker: AclBlocker) -> tuple:
    return (blocker.traffic != REQUEST, blocker.subnet, blocker.egress, blocker.from_port,
            blocker.rule.number if blocker.rule is not None else 1 << 20, blocker.peer, blocker.to_port)
