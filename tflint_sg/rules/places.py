"""Where the fix for a blocked path goes, for every rule that reports one.

The primary location of a finding is the place a reviewer edits: on the blocking side, the rule
that already names the peer (on another port: then the port set on the flow is as likely the
mistake, and comes first), else a rule on the right port from another source, else the group
that must admit the traffic (one the peer does not carry, when there is a choice: widening a
group that both ends carry opens the peer's other members too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tflint_sg.addresses import strip_keys
from tflint_sg.findings import Related
from tflint_sg.model import EGRESS, INGRESS, Endpoint, Model, Port, Rule, describe_ports
from tflint_sg.network import ALLOWED, Blocker, Peer, ports_match, rule_admits
from tflint_sg.remedy import Admit, OwnGroup, Step


# Ports for administering hosts, which a rule opens for people, never for a load balancer or a
# client tier: a rule on them says nothing about which port the application uses.
_ADMIN_PORTS = frozenset({22, 3389})


@dataclass(frozen=True)
class FixSite:
    place: Related  # the rule or group to edit
    # Rules of the blocking side that admit the peer, only on other ports: the port is then as
    # likely wrong as the group.
    admits_peer_elsewhere: tuple[Rule, ...] = ()

    @property
    def port_suspect(self) -> bool:
        return bool(self.admits_peer_elsewhere)

    @property
    def admitting(self) -> str:
        """Who admits the peer elsewhere: the group, or the groups, of those rules."""
        groups = sorted({rule.group for rule in self.admits_peer_elsewhere})
        return groups[0] if len(groups) == 1 else "the security groups " + ", ".join(groups)

    def ports_admitted(self) -> str:
        """`tcp/8080` or `tcp/8080 and tcp/8443`: where the peer is admitted instead."""
        described = sorted({describe_ports(r.protocol, r.from_port, r.to_port) for r in self.admits_peer_elsewhere})
        return described[0] if len(described) == 1 else ", ".join(described[:-1]) + " and " + described[-1]


def rule_place(rule: Rule, role: str = "rule") -> Related:
    """A rule's own block: its standalone resource, or the inline block inside its group."""
    if rule.declared_by and rule.declared_by != rule.group:
        return Related(rule.declared_by, role)
    return Related(rule.group, role, rule=rule)


def blocking_side(blockers: tuple[Blocker, ...]) -> list[Blocker]:
    """The side whose groups the fix edits: the receiver's when it blocks, else the sender's."""
    return [b for b in blockers if b.direction == INGRESS] or list(blockers)


# The other end when no rule names one: the fix goes to the receiver's own group.
NOBODY = Peer("", (), True, ())


def fix_site(model: Model, blockers: tuple[Blocker, ...], peer: Peer, protocol: str, port: Port) -> FixSite:
    """`peer`: the other end as the blocking side's rules see it (the sender for ingress)."""
    side = blocking_side(blockers)
    elsewhere: list[Rule] = []
    other_source: list[Rule] = []
    for blocker in side:
        group = model.groups.get(blocker.group)
        for rule in group.rules_in(blocker.direction) if group is not None else ():
            if _admits_peer_on_other_ports(rule, peer, protocol):
                elsewhere.append(rule)
            elif ports_match(rule, protocol, port) == ALLOWED and rule.protocol == protocol:
                other_source.append(rule)
    if elsewhere:
        return FixSite(rule_place(elsewhere[0]), tuple(elsewhere))
    if other_source:
        return FixSite(rule_place(other_source[0]))
    return FixSite(_group_to_edit(model, side, peer))


def _group_to_edit(model: Model, side: list[Blocker], peer: Peer) -> Related:
    """One the peer does not carry, when there is a choice. An endpoint that has only its VPC's
    default group (it declares none) needs a group of its own: the endpoint is what to edit."""
    own = [b.group for b in side if b.group not in peer.groups] or [b.group for b in side]
    defaults = [group for group in own if model.groups.get(group) is not None and model.groups[group].is_vpc_default]
    if defaults and len(defaults) == len(own) and side[0].endpoint:
        return Related(side[0].endpoint, "resource with only its VPC's default group")
    return Related(own[0], "security group")


def _admits_peer_on_other_ports(rule: Rule, peer: Peer, protocol: str) -> bool:
    """A rule made for the peer: it names one of the peer's groups, or private addresses that
    hold the peer, on other ports. A rule open to the internet, or on an administration port,
    is not about the peer."""
    if rule.protocol != protocol or not isinstance(rule.from_port, int) or not isinstance(rule.to_port, int):
        return False
    if rule.from_port == rule.to_port and rule.from_port in _ADMIN_PORTS:
        return False
    named = set(rule.groups) & set(peer.groups) or (rule.self_ref and rule.group in peer.groups)
    public = any(cidr.prefixlen == 0 or cidr.is_global for cidr in rule.cidrs)
    # (Clients of a listener are anyone: there a public network is the peer itself.)
    if not named and (not rule.cidrs or public and peer.networks is not None):
        return False
    return rule_admits(replace(rule, from_port=0, to_port=65535), peer, protocol, rule.from_port) == ALLOWED


def admitting_steps(model: Model, blockers: tuple[Blocker, ...], sender: Endpoint, receiver: Endpoint, protocol: str,
                    port: Port, port_set_at: tuple[str, str] | None = None, last_port: Port | None = None,
                    sender_filtered: bool = True) -> tuple[Step, ...]:
    """The rules that let a blocked path through, the smallest change that keeps tiers apart:
    on each blocking side, a rule for exactly this protocol and port naming the other end's
    security groups, in a group of that side that the other end does not carry; where every
    group of the side is one the other end carries too (or its VPC's default group), a new
    group of its own. Empty when a side has no group to name (the other end has none)."""
    steps: list[Step] = []
    for direction, endpoint, other in ((INGRESS, receiver, sender), (EGRESS, sender, receiver)):
        side = [b for b in blockers if b.direction == direction]
        if not side:
            continue
        peers = tuple(group for group in other.groups if group in model.groups) if (
            direction == EGRESS or sender_filtered) else ()
        if not peers:
            return ()
        admit = Admit("", direction, protocol, port, peers, port_set_at, last_port,
                      tuple(str(network) for network in other.networks or ()))
        steps.append(admitting_step(model, side, endpoint, admit, other.groups))
    return tuple(steps)


def admitting_step(model: Model, side: list[Blocker], endpoint: Endpoint, admit: Admit,
                   peer_groups: tuple[str, ...] = ()) -> Step:
    """`admit` in a group of the blocking side that only `endpoint` carries (not the peer,
    whose groups are `peer_groups`), else in a new group of the endpoint's own."""
    own = [b.group for b in side if b.group not in peer_groups and b.group in model.groups
           and not model.groups[b.group].is_vpc_default and _only_on(model, b.group, endpoint.address)]
    if own:
        return replace(admit, group=own[0], endpoint=endpoint.address)
    return OwnGroup(endpoint.address, side[0].group, replace(admit, endpoint=endpoint.address))


def _only_on(model: Model, group: str, address: str) -> bool:
    """Whether nothing but `address` (and the other instances of its resource) carries the
    group: a rule added there opens no other tier. A group made by a module called with count
    or for_each has one block for every instance: a rule written there is in each of them. A
    group that only interface VPC endpoints carry is one tier too: a rule there lets a caller
    reach the other AWS services those endpoints serve, as the group was written to."""
    resource = strip_keys(address)
    carriers = model.carriers_of(group)
    if address in model.interface_endpoints and all(carrier in model.interface_endpoints for carrier in carriers):
        return True
    return model.carrier_resources(group) <= {resource}


def the_app_tier(model: Model) -> Endpoint | None:
    """The configuration's one app tier, as one endpoint with its groups, when every compute
    endpoint carries the same groups of its own (none a load balancer's); otherwise which tier a
    store or endpoint serves is not for a fix to guess: None."""
    balancer_groups = {group for address in model.load_balancers if address in model.endpoints
                       for group in model.endpoints[address].groups}
    tiers = {tuple(sorted(set(model.endpoints[address].groups) - balancer_groups))
             for address in model.compute if address in model.endpoints}
    if len(tiers) != 1 or not next(iter(tiers)):
        return None
    (groups,) = tiers
    return Endpoint("the app tier", "compute", groups)


def blocker_reasons(blockers: tuple[Blocker, ...]) -> str:
    """Each blocking group, the side it filters and what it lets through instead."""
    return "; ".join(
        f"{blocker.group} ({blocker.direction} of {blocker.endpoint}) "
        f"{'admits only' if blocker.direction == INGRESS else 'lets out only'} {', '.join(blocker.admits) or 'nothing'}"
        for blocker in blockers)


def every_group_blocks(model: Model, endpoint: Endpoint, direction: str) -> tuple[Blocker, ...]:
    """Each of the endpoint's groups as blocking one side, with all its rules on that side: for
    a port that no rule of any of them covers."""
    return tuple(Blocker(endpoint.address, direction, group,
                         tuple(rule.describe() for rule in model.groups[group].rules_in(direction)))
                 for group in endpoint.groups)
