"""The network a configuration will create, as the rules see it.

Built once from a `Config` by `modeling/`; the SG semantics that query it live in `network.py`.
Addresses are Terraform resource instance addresses throughout.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from tflint_sg.addresses import strip_keys

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

INGRESS = "ingress"
EGRESS = "egress"


class SymbolicPort(str):
    """A port the configuration names but does not give (`var.app_port`, a root variable with no
    value): unknown, yet every port with the same name is the same port. It reads as its
    expression in messages and JSON, and sorts after every known port."""

    __slots__ = ()

    def _key(self, other: object) -> tuple | None:
        if isinstance(other, SymbolicPort):
            return (1, str(other))
        if isinstance(other, int) and not isinstance(other, bool):
            return (0, other)
        return None

    def __lt__(self, other: object) -> bool:
        key = self._key(other)
        return NotImplemented if key is None else (1, str(self)) < key

    def __le__(self, other: object) -> bool:
        key = self._key(other)
        return NotImplemented if key is None else (1, str(self)) <= key

    def __gt__(self, other: object) -> bool:
        key = self._key(other)
        return NotImplemented if key is None else (1, str(self)) > key

    def __ge__(self, other: object) -> bool:
        key = self._key(other)
        return NotImplemented if key is None else (1, str(self)) >= key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SymbolicPort) and str(self) == str(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return str.__hash__(self)


Port = int | SymbolicPort


@dataclass(frozen=True)
class Rule:
    group: str  # the security group the rule belongs to
    direction: str  # INGRESS or EGRESS
    protocol: str | None  # "all", "tcp", "udp", "icmp", "icmpv6" or a protocol number; None: unknown
    from_port: Port | None  # None: unknown
    to_port: Port | None
    cidrs: tuple[Network, ...] = ()
    groups: tuple[str, ...] = ()  # peer security groups, by address
    self_ref: bool = False
    prefix_lists: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()  # peers that could not be resolved, with the reason
    declared_by: str = ""  # the resource that declares the rule

    def describe(self) -> str:
        peers = [str(c) for c in self.cidrs] + list(self.groups) + list(self.prefix_lists)
        if self.self_ref:
            peers.append("itself")
        if self.unresolved:
            peers.append("unresolved peers")
        word = "from" if self.direction == INGRESS else "to"
        return f"{describe_ports(self.protocol, self.from_port, self.to_port)} {word} {', '.join(peers) or 'nowhere'}"


def describe_ports(protocol: str | None, from_port: Port | None, to_port: Port | None) -> str:
    if protocol is None:
        return "an unknown protocol"
    if protocol == "all":
        return "all traffic"
    if protocol not in ("tcp", "udp"):
        return f"protocol {protocol}"
    if from_port is None or to_port is None:
        return f"{protocol}/unknown ports"
    if from_port == to_port:
        return f"{protocol}/{from_port}"
    if from_port == 0 and to_port == 65535:
        return f"{protocol}/all ports"
    return f"{protocol}/{from_port}-{to_port}"


@dataclass
class SecurityGroup:
    address: str
    vpc: str | None = None  # address of its VPC, when known (to find a VPC's default group)
    name: str | None = None
    rules: list[Rule] = field(default_factory=list)
    # direction -> why a listed rule may not hold (Terraform rewrites mixed inline and standalone rules)
    uncertain: dict[str, str] = field(default_factory=dict)
    # direction -> why there may be rules beyond those listed
    incomplete: dict[str, str] = field(default_factory=dict)
    # directions whose inline rules are unknown until apply; standalone rules for that direction
    # show there are none (the two styles are not mixed), which clears the doubt
    inline_unknown: set[str] = field(default_factory=set)
    # directions that have both inline rules and standalone rule resources
    mixed_directions: set[str] = field(default_factory=set)
    is_vpc_default: bool = False  # an aws_default_security_group: the group a VPC gives by default

    def rules_in(self, direction: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.direction == direction]


@dataclass
class Endpoint:
    """Something with network interfaces: an instance, an ASG's instances, a task, a load balancer."""

    address: str
    type: str
    groups: tuple[str, ...] = ()  # security groups, by address
    unresolved_groups: tuple[str, ...] = ()  # security groups that could not be resolved, and why
    networks: tuple[Network, ...] | None = None  # where its addresses lie; None: unknown
    # The subnets its interfaces are in, by address; None: not known. `spread`: it has
    # interfaces in each of them (a load balancer's nodes, an Auto Scaling group's instances);
    # else it is in one of them (a database in its subnet group).
    subnets: tuple[str, ...] | None = None
    spread: bool = True


@dataclass
class TargetGroup:
    address: str
    port: Port | None
    protocol: str  # "tcp" or "udp" (the transport the LB uses to reach targets)
    target_type: str  # instance, ip, lambda, alb
    health_check_port: Port | str | None  # a port, "traffic-port", or None (unknown)
    preserve_client_ip: bool | None = None


@dataclass
class Target:
    target_group: str
    endpoint: str  # address of the Endpoint
    port: Port | None  # the port this target receives on (an attachment's override, or a container port)
    declared_by: str  # the attachment, ASG or service that registers it
    dynamic: bool = False  # ECS bridge mode with hostPort 0: a port of the ephemeral range


@dataclass
class Forward:
    """A listener (or listener rule) of a load balancer forwarding to a target group."""

    load_balancer: str
    listener: str
    target_group: str
    weight: int | None  # None: unknown; 0 carries no traffic


@dataclass(frozen=True)
class Authentication:
    """A listener's (or listener rule's) action that makes its load balancer call an identity
    provider before forwarding: `authenticate-oidc` or `authenticate-cognito`."""

    load_balancer: str
    listener: str  # the listener or listener rule
    kind: str
    # The ports its calls go to: the OIDC token and user-info endpoints' (443 unless their URLs
    # say another); None: a URL is not known.
    ports: tuple[int, ...] | None = (443,)


@dataclass(frozen=True)
class AclRule:
    """One numbered entry of a network ACL."""

    acl: str  # the network ACL, by address
    number: int | None  # rule_number; None: unknown
    egress: bool
    protocol: str | None  # "all", "tcp", "udp", "icmp" or a protocol number; None: unknown
    from_port: int | None
    to_port: int | None
    cidr: Network | None  # None: unknown (or an IPv6 block, for which ipv6 says so)
    allow: bool | None  # None: unknown action
    declared_by: str = ""
    ipv6: bool = False


@dataclass
class NetworkAcl:
    """A network ACL: stateless, per subnet, its rules evaluated lowest number first."""

    address: str
    rules: list[AclRule] = field(default_factory=list)
    # Why its entries are not all known (an inline list unknown until apply); None: they are.
    incomplete: str | None = None
    is_vpc_default: bool = False


@dataclass
class ClassicListener:
    instance_port: Port | None
    instance_protocol: str


@dataclass
class LoadBalancer:
    address: str
    kind: str  # application, network, gateway, classic
    has_security_groups: bool  # False only for an NLB created without them
    internet_facing: bool | None = None  # internal = false (the default); None: unknown
    classic_listeners: list[ClassicListener] = field(default_factory=list)
    classic_instances: list[str] = field(default_factory=list)
    classic_health_port: int | None = None
    # Whether each node sends to targets in every zone: always for ALBs and (by default) classic
    # ELBs, off by default for NLBs; None: not known.
    cross_zone: bool | None = True


@dataclass
class DataStore:
    """A database, cache, file system, warehouse or search domain: what the app tier must reach."""

    address: str
    kind: str  # database, cache, file system, warehouse, search domain
    port: Port | None  # where it listens; None: unknown
    # Why clients may reach it by a way the model does not read (a Redshift-managed VPC
    # endpoint): its checks are then not decided.
    other_way_in: str | None = None
    why_port_unknown: str | None = None  # when `port` is None and the store says why
    port_settable: bool = True  # whether the resource has a `port` argument (DAX, MSK, MQ do not)
    # Compute whose environment names the store (its endpoint or address): handed it to connect to.
    handed_to: tuple[str, ...] = ()


@dataclass
class InterfaceEndpoint:
    """An interface VPC endpoint: network interfaces in its subnets that take a service's calls."""

    address: str
    service: str  # the service's name (`com.amazonaws.us-east-1.ecr.api`)
    port: Port | None  # 443 for an AWS service; None: not known (another account's endpoint service)
    why_port_unknown: str | None = None
    # With private DNS on, the service's own name resolves to the endpoint inside the VPC: every
    # call to it from there goes through the endpoint. None: not known.
    private_dns: bool | None = False
    # Compute the configuration shows calling the service through the endpoint, with how it
    # shows it: its environment names the endpoint, or a Fargate task must call the service to
    # start (its image in ECR, its logs, its secrets) and private DNS sends that call here.
    callers: tuple[tuple[str, str], ...] = ()
    vpc_networks: tuple[Network, ...] | None = None  # its VPC's address block, where known


@dataclass
class Listener:
    address: str
    load_balancer: str
    port: Port | None
    protocol: str = "tcp"  # the transport clients use: tcp, or udp for UDP listeners


@dataclass
class Model:
    groups: dict[str, SecurityGroup] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    load_balancers: dict[str, LoadBalancer] = field(default_factory=dict)
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    forwards: list[Forward] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    authentications: list[Authentication] = field(default_factory=list)
    data_stores: dict[str, DataStore] = field(default_factory=dict)
    interface_endpoints: dict[str, InterfaceEndpoint] = field(default_factory=dict)
    # (RDS Proxy, database behind it) pairs, by address: the proxy connects to the database.
    proxy_targets: list[tuple[str, str]] = field(default_factory=list)
    network_acls: dict[str, NetworkAcl] = field(default_factory=dict)
    # Each subnet's network ACL by address (None: not known which), and its CIDR block.
    subnet_acls: dict[str, str | None] = field(default_factory=dict)
    subnet_networks: dict[str, Network] = field(default_factory=dict)
    subnet_zones: dict[str, str] = field(default_factory=dict)  # availability zone, where known
    compute: set[str] = field(default_factory=set)  # endpoints that run the application
    group_uses: set[tuple[str, str]] | None = None  # see Config.group_uses
    opaque_modules: set[str] = field(default_factory=set)
    strings_used: set[str] = field(default_factory=set)
    # Standalone rules whose security group could not be resolved: they may belong to any group.
    floating_rules: list[Rule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Attachments, Auto Scaling groups and ECS services whose target group (or target) is not
    # resolved: a load balancer flow may start there, so each is a check not decided.
    unlinked: dict[str, str] = field(default_factory=dict)
    # For each declared group (instance keys stripped): the endpoints carrying an instance of
    # it, in the endpoints' order, and their resources; built on the first question, when the
    # model is complete (rules ask, modeling does not).
    _carriers: dict[str, tuple[list[str], frozenset[str]]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def carriers_of(self, group: str) -> list[str]:
        """The endpoints carrying `group` or another instance of the block that declares it
        (a group of a module called with count or for_each), in the endpoints' order."""
        return self._carrier_index().get(strip_keys(group), ([], frozenset()))[0]

    def carrier_resources(self, group: str) -> frozenset[str]:
        """The resources (instance keys stripped) of `carriers_of(group)`."""
        return self._carrier_index().get(strip_keys(group), ([], frozenset()))[1]

    def _carrier_index(self) -> dict[str, tuple[list[str], frozenset[str]]]:
        if self._carriers is None:
            carriers: dict[str, list[str]] = {}
            for carrier, endpoint in self.endpoints.items():
                for declared in dict.fromkeys(strip_keys(carried) for carried in endpoint.groups):
                    carriers.setdefault(declared, []).append(carrier)
            self._carriers = {declared: (found, frozenset(strip_keys(carrier) for carrier in found))
                              for declared, found in carriers.items()}
        return self._carriers
