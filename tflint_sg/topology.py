"""The flows a configuration intends: load balancer -> listener -> target group -> target, and
load balancers and compute towards the data stores.

A flow is one protocol and port from one endpoint to another. The same load-balancer flow
reached through several listeners or target groups is one flow, with all of them in `via`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tflint_sg.addresses import parse_resource_address
from tflint_sg.model import LoadBalancer, Model, Port, TargetGroup

TRAFFIC = "traffic"
HEALTH_CHECK = "health_check"
# Traffic an NLB without security groups passes through with the clients' own addresses: the
# targets must admit the clients, which a load-balancer path cannot express.
CLIENTS = "clients"
# ECS bridge mode with dynamic host ports: the load balancer reaches a port of the host's ephemeral
# range: 32768-61000 on the ECS-optimized AMI, 32768-60999 by Linux's default, 49152-65535 on
# Windows. Ports where all of them overlap are checked, so a finding holds whatever the AMI.
DYNAMIC = "dynamic_ports"
DYNAMIC_RANGE = (32768, 61000)
DYNAMIC_SAMPLES = (49152, 55000, 60999)
# A load balancer or compute endpoint towards a data store, on the store's port, or compute
# towards an interface VPC endpoint. Which of them the configuration means is for the rules to
# infer; every pair is a flow, so that the model's document shows who can reach what.
DATA = "data"


@dataclass(frozen=True, order=True)
class Flow:
    kind: str  # TRAFFIC, HEALTH_CHECK, CLIENTS, DYNAMIC or DATA
    source: str  # the sending endpoint's address: a load balancer, or a data store's client
    target: str  # the receiving endpoint's address
    protocol: str
    port: Port  # a SymbolicPort sorts after every known port
    target_groups: tuple[str, ...] = ()
    via: tuple[str, ...] = ()  # listeners, listener rules and attachments on the way
    # False for an NLB without security groups: nothing filters it, targets match its addresses.
    source_filtered: bool = True
    # False when targets see the clients' addresses rather than the load balancer's.
    source_networks_known: bool = True
    # Where the configuration sets the port: (resource address, attribute path) pairs, such as
    # (target group, "port") or (target group, "health_check.port"). Not part of the flow's identity.
    port_set_at: tuple[tuple[str, str], ...] = field(default=(), compare=False)


def _preserves_client_ip(group: TargetGroup) -> bool:
    """NLB client IP preservation: on by default for instance targets and UDP, off for ip + TCP/TLS."""
    if group.preserve_client_ip is not None:
        return group.preserve_client_ip
    return group.target_type == "instance" or group.protocol == "udp"


def data_flow(source: str, store: str, port: Port) -> Flow:
    return Flow(DATA, source, store, "tcp", port)


def data_flows(model: Model) -> list[Flow]:
    """Every load balancer and compute endpoint towards every data store whose port is known,
    and every compute endpoint towards every interface VPC endpoint whose port is known, by
    target, then by source."""
    sources = sorted(address for address in set(model.load_balancers) | model.compute
                     if address in model.endpoints)
    flows = [data_flow(source, address, model.data_stores[address].port)
             for address in sorted(model.data_stores)
             if model.data_stores[address].port is not None and address in model.endpoints
             for source in sources]
    callers = sorted(address for address in model.compute if address in model.endpoints)
    flows += [data_flow(source, address, model.interface_endpoints[address].port)
              for address in sorted(model.interface_endpoints)
              if model.interface_endpoints[address].port is not None
              for source in callers]
    return sorted(flows, key=lambda flow: (flow.target, flow.source))


def _port_set_at(target) -> tuple[str, str]:
    """Where a target's own port is set: an ECS task's container port (awsvpc), the host port its
    task definition maps the container port to (bridge: the targets are the hosts), else the
    attachment's port."""
    if parse_resource_address(target.declared_by).resource.startswith("aws_ecs_service."):
        if target.endpoint != target.declared_by:
            return (target.declared_by, "task_definition")
        return (target.declared_by, "load_balancer.container_port")
    return (target.declared_by, "port")


def intended_flows(model: Model) -> tuple[list[Flow], list[str]]:
    """Every flow the load balancers are configured to carry, and notes on what was left out."""
    merged: dict[tuple, dict] = {}
    notes: list[str] = []

    def add(kind: str, balancer: LoadBalancer, target: str, protocol: str, port: Port,
            group: str | None, via: list[str], networks_known: bool = True, set_at: tuple[str, str] | None = None) -> None:
        key = (kind, balancer.address, target, protocol, port)
        entry = merged.setdefault(key, {"groups": set(), "via": set(), "networks_known": True, "set_at": set()})
        if group:
            entry["groups"].add(group)
        entry["via"].update(via)
        if set_at is not None:
            entry["set_at"].add(set_at)
        entry["networks_known"] = entry["networks_known"] and networks_known

    targets_by_group: dict[str, list] = {}
    for target in model.targets:
        targets_by_group.setdefault(target.target_group, []).append(target)

    for forward in sorted(model.forwards, key=lambda f: (f.load_balancer, f.listener, f.target_group)):
        balancer = model.load_balancers.get(forward.load_balancer)
        group = model.target_groups.get(forward.target_group)
        if balancer is None or group is None or balancer.kind == "gateway":
            continue
        network_lb = balancer.kind == "network"
        preserved = network_lb and _preserves_client_ip(group)
        for target in targets_by_group.get(group.address, []):
            if target.endpoint not in model.endpoints:
                continue
            if target.dynamic:
                for sample in DYNAMIC_SAMPLES:
                    add(DYNAMIC, balancer, target.endpoint, group.protocol, sample, group.address,
                        [forward.listener, target.declared_by])
                continue
            port = target.port if target.port is not None else group.port
            set_at = _port_set_at(target) if target.port is not None else (group.address, "port")
            if port is None:
                notes.append(f"{target.declared_by}: its traffic port is unknown; flow from {balancer.address} not checked")
                continue
            via = [forward.listener, target.declared_by]
            carries_traffic = False
            if forward.weight is None:
                notes.append(f"{forward.listener}: the weight of {group.address} is unknown; its traffic is not checked")
            elif forward.weight > 0:
                if preserved and not balancer.has_security_groups:
                    add(CLIENTS, balancer, target.endpoint, group.protocol, port, group.address, via, set_at=set_at)
                else:
                    add(TRAFFIC, balancer, target.endpoint, group.protocol, port, group.address, via,
                        networks_known=not preserved, set_at=set_at)
                    carries_traffic = True
            health = port if group.health_check_port == "traffic-port" else group.health_check_port
            if health is None:
                notes.append(f"{group.address}: its health check port is unknown; not checked")
            elif health != port or not carries_traffic:
                # Health checks come from the load balancer's own addresses, over TCP, even to a
                # target group that gets no traffic (weight 0): on the traffic port, the traffic
                # flow answers for them, unless there is none.
                add(HEALTH_CHECK, balancer, target.endpoint, "tcp", health, group.address, via,
                    set_at=(group.address, "health_check.port") if health != port else set_at)

    for balancer in model.load_balancers.values():
        if balancer.kind != "classic":
            continue
        for instance in balancer.classic_instances:
            ports = set()
            for listener in balancer.classic_listeners:
                if listener.instance_port is None:
                    notes.append(f"{balancer.address}: a listener's instance port is unknown; not checked")
                    continue
                ports.add(listener.instance_port)
                add(TRAFFIC, balancer, instance, listener.instance_protocol, listener.instance_port, None,
                    [balancer.address], set_at=(balancer.address, "listener.instance_port"))
            health = balancer.classic_health_port
            if health is not None and health not in ports:
                add(HEALTH_CHECK, balancer, instance, "tcp", health, None, [balancer.address],
                    set_at=(balancer.address, "health_check.target"))

    flows = [
        Flow(kind, lb, target, protocol, port, tuple(sorted(entry["groups"])), tuple(sorted(entry["via"])),
             model.load_balancers[lb].has_security_groups, entry["networks_known"], tuple(sorted(entry["set_at"])))
        for (kind, lb, target, protocol, port), entry in merged.items()
    ]
    return sorted(flows), sorted(set(notes))
