"""What a fix changes, in the model's terms: the rules say it, tflint_sg/fixwrite.py writes it as
edits to the .tf files (it alone reads the source text).

A remedy is one way out of a finding: its description (the words the finding shows), the steps
that make it, and whether it is safe to apply unasked. Adding a rule that admits exactly the
flow is safe; changing a port changes behaviour for whatever else uses it, so it is unsafe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from tflint_sg.model import Port

SAFE = "safe"  # adds what the flow needs, changes nothing others rely on
UNSAFE = "unsafe"  # changes behaviour for others too (a port clients or checks use): --fix-unsafe


@dataclass(frozen=True)
class Admit:
    """A rule in `group`: `protocol`/`port` from (ingress) or to (egress) `peers`, security
    groups by address. `port_set_at` is where the configuration sets that port (resource
    address, attribute), so the new rule can say the same expression."""

    group: str
    direction: str
    protocol: str
    port: Port
    peers: tuple[str, ...]
    port_set_at: tuple[str, str] | None = None
    last_port: Port | None = None  # a range from `port` to this one (ECS dynamic host ports)
    # Where the peer's addresses lie: what a rule can name instead of its groups when naming
    # them would make the two groups depend on each other (Terraform refuses the cycle).
    peer_networks: tuple[str, ...] = ()
    endpoint: str = ""  # the resource on the side `group` filters, whose traffic this admits


@dataclass(frozen=True)
class OwnGroup:
    """A new security group for `endpoint`, attached to it beside its groups, that admits the
    flow: for an endpoint whose only groups the peer also carries (opening those would open
    the peer's other members too). `beside` is a group of the endpoint: the new one goes in
    the same module and VPC."""

    endpoint: str
    beside: str
    admit: Admit


@dataclass(frozen=True)
class SetPort:
    """Set `attribute` of `address` to `value` (a port, or "traffic-port")."""

    address: str
    attribute: str
    value: Union[int, str]


@dataclass(frozen=True)
class AclEntry:
    """An allow entry of a network ACL for `protocol` on ports `from_port`-`to_port` with the
    subnet `peer_subnet` (its CIDR block `peer_network`), numbered below `before` (the entry
    that denies the traffic now; None: the implicit deny, after every entry)."""

    egress: bool
    protocol: str
    from_port: int
    to_port: int
    peer_subnet: str
    peer_network: str
    before: int | None


@dataclass(frozen=True)
class AllowInAcl:
    """Entries added to the network ACL `acl`, in the style its entries are written in."""

    acl: str
    entries: tuple[AclEntry, ...]


Step = Union[Admit, OwnGroup, SetPort, AllowInAcl]


@dataclass(frozen=True)
class Remedy:
    description: str
    steps: tuple[Step, ...]
    applicability: str = SAFE
