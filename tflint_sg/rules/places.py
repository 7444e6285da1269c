"""Where the fix for a blocked path goes, for every rule that reports one.

The primary location of a finding is the place a reviewer edits: on the blocking side, the rule
that already names the peer (on another port: then the port set on the flow is as likely the
mistake, and comes first), else a rule on the right port from another source, else the group
that must admit the traffic (one the peer does not carry, when there is a choice: widening a
group that both ends carry opens the peer's other members too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tflint_sg.findings import Related
from tflint_sg.model import INGRESS, Model, Port, Rule, describe_ports
from tflint_sg.network import ALLOWED, Blocker, Peer, ports_match, rule_admits


@dataclass(frozen=True)
class FixSite:
    place: Related  # the rule or group to edit
    # Rules of the blocking side that admit the peer, only on other ports: the port is then as
    # likely wrong as the group.
    admits_peer_elsewhere: tuple[Rule, ...] = ()

    @property
    def port_suspect(self) -> bool:
        return bool(self.admits_peer_elsewhere)

    def ports_admitted(self) -> str:
        """`tcp/8080` or `tcp/8080 and tcp/8443`: where the peer is admitted instead."""
        described = sorted({describe_ports(r.protocol, r.from_port, r.to_port) for r in self.admits_peer_elsewhere})
        return described[0] if len(described) == 1 else ", ".join(described[:-1]) + " and " + described[-1]

    def single_port(self) -> Port | None:
        """The one port the peer is admitted on, when there is exactly one."""
        ports = {rule.from_port for rule in self.admits_peer_elsewhere if rule.from_port == rule.to_port}
        ranges = [rule for rule in self.admits_peer_elsewhere if rule.from_port != rule.to_port]
        return next(iter(ports)) if len(ports) == 1 and not ranges else None


def rule_place(rule: Rule, role: str = "rule") -> Related:
    """A rule's own block: its standalone resource, or the inline block inside its group."""
    if rule.declared_by and rule.declared_by != rule.group:
        return Related(rule.declared_by, role)
    return Related(rule.group, role, rule=rule)


def blocking_side(blockers: tuple[Blocker, ...]) -> list[Blocker]:
    """The side whose groups the fix edits: the receiver's when it blocks, else the sender's."""
    return [b for b in blockers if b.direction == INGRESS] or list(blockers)


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
    own = [b.group for b in side if b.group not in peer.groups]
    return FixSite(Related((own or [b.group for b in side])[0], "security group"))


def _admits_peer_on_other_ports(rule: Rule, peer: Peer, protocol: str) -> bool:
    if rule.protocol != protocol or not isinstance(rule.from_port, int) or not isinstance(rule.to_port, int):
        return False
    return rule_admits(replace(rule, from_port=0, to_port=65535), peer, protocol, rule.from_port) == ALLOWED
