"""Load balancers, their listeners and listener rules, target groups, and the targets registered
in them."""

from __future__ import annotations

import base64
import re
import urllib.parse
from typing import Any

from tflint_sg.modeling.endpoints import add_endpoint
from tflint_sg.modeling.lookup import Lookup
from tflint_sg.config import LeftToOthers, Ref, Unknown
from tflint_sg.model import Authentication, ClassicListener, Forward, Listener, LoadBalancer, Model, Port, Target, TargetGroup
from tflint_sg.values import as_list, first_block, is_unknown, single, task_containers, to_int, to_port

# Client IP preservation is always on for these target group protocols.
_ALWAYS_PRESERVE = ("UDP", "TCP_UDP", "QUIC", "TCP_QUIC")


def build_balancers(lookup: Lookup, model: Model) -> None:
    _load_balancers(lookup, model)
    _classic_load_balancers(lookup, model)
    _target_groups(lookup, model)
    _targets(lookup, model)
    _forwards(lookup, model)


def _load_balancers(lookup: Lookup, model: Model) -> None:
    for resource in lookup.of_type("aws_lb"):
        values = resource.values
        kind = values.get("load_balancer_type")
        kind = kind if isinstance(kind, str) and kind else "application"
        subnets = as_list(values.get("subnets")) + [
            block.get("subnet_id") for block in as_list(values.get("subnet_mapping")) if isinstance(block, dict)
        ]
        group_values = as_list(values.get("security_groups"))
        # An NLB created without security groups has none (and cannot gain them later):
        # nothing filters what it sends or receives.
        add_endpoint(lookup, model, resource, group_values, subnets, default_group=kind == "application")
        internal = values.get("internal")
        model.load_balancers[resource.address] = LoadBalancer(
            resource.address, kind, kind != "network" or bool(group_values),
            internet_facing=(not internal) if isinstance(internal, bool) or internal is None else None,
            cross_zone=_cross_zone(kind, values.get("enable_cross_zone_load_balancing")))


def _cross_zone(kind: str, value: Any) -> bool | None:
    if kind != "network":
        return True  # application load balancers always balance across zones
    return value if isinstance(value, bool) else False if value is None else None


def _classic_load_balancers(lookup: Lookup, model: Model) -> None:
    served_by_groups: dict[str, list[Any]] = {}
    for group in lookup.of_type("aws_autoscaling_group"):
        for name in as_list(group.values.get("load_balancers")):
            balancer = lookup.find(name, "aws_elb")
            if balancer:
                served_by_groups.setdefault(balancer, []).append(Ref(group.address))
    for resource in lookup.of_type("aws_elb"):
        values = resource.values
        add_endpoint(lookup, model, resource, as_list(values.get("security_groups")), as_list(values.get("subnets")))
        balancer = LoadBalancer(resource.address, "classic", True)
        for listener in as_list(values.get("listener")):
            if isinstance(listener, dict):
                model.listeners.append(Listener(resource.address, resource.address, to_port(listener.get("lb_port")),
                                                _transport(listener.get("lb_protocol")) or "tcp"))
                balancer.classic_listeners.append(
                    ClassicListener(to_port(listener.get("instance_port")), _transport(listener.get("instance_protocol")) or "tcp"))
        for instance in as_list(values.get("instances")) + served_by_groups.get(resource.address, []):
            address = lookup.find(instance, "aws_instance", "aws_autoscaling_group")
            if address:
                balancer.classic_instances.append(address)
            else:
                model.notes.append(f"{resource.address}: an instance it serves is not resolved")
        check = first_block(values.get("health_check")).get("target")
        if isinstance(check, str) and ":" in check:  # "HTTP:8080/health", "TCP:22"
            balancer.classic_health_port = to_int(check.split(":", 1)[1].split("/", 1)[0])
        model.load_balancers[resource.address] = balancer


def _target_groups(lookup: Lookup, model: Model) -> None:
    for resource in lookup.of_type("aws_lb_target_group"):
        values = resource.values
        protocol = values.get("protocol")
        transport = _transport(protocol)
        if transport is None and protocol is not None:
            continue  # GENEVE (gateway load balancers) carries no TCP/UDP port to check
        target_type = values.get("target_type")
        if target_type == "lambda":
            continue  # a Lambda function is invoked, not reached through security groups
        if values.get("ip_address_type") == "ipv6":
            model.notes.append(f"{resource.address}: IPv6 target groups are not checked yet")
            continue
        health = values.get("health_check")
        block = first_block(health)
        port_value = block.get("port")
        if isinstance(health, Unknown) or isinstance(port_value, Unknown) and to_port(port_value) is None:
            health_port: Port | str | None = None
        elif block.get("enabled") is False or port_value in (None, "", "traffic-port"):
            health_port = "traffic-port"  # the default; disabled checks add no port of their own
        else:
            health_port = to_port(port_value)
        preserve = values.get("preserve_client_ip")
        if isinstance(protocol, str) and protocol.upper() in _ALWAYS_PRESERVE:
            preserve = "true"
        model.target_groups[resource.address] = TargetGroup(
            resource.address,
            port=to_port(values.get("port")),
            protocol=transport or "tcp",
            target_type=target_type if isinstance(target_type, str) else "instance",
            health_check_port=health_port,
            preserve_client_ip={"true": True, "false": False}.get(str(preserve).lower()) if preserve is not None else None,
        )


def _target_group(lookup: Lookup, model: Model, value: Any, owner: str) -> str | None:
    """The target group of this configuration that `value` names. One that names nothing the
    tool can read (unknown until apply, or built by what it does not evaluate) may be any of
    them: `owner` is then a check not decided, never a silent gap in the flows."""
    group = lookup.find(value, "aws_lb_target_group")
    if group in model.target_groups:
        return group
    value = single(value)
    if not model.target_groups or isinstance(value, LeftToOthers):
        # No load balancer flow of this configuration can start there; or what may register
        # it is not this configuration (its own attachments are read as targets of their own).
        return None
    if isinstance(value, Unknown) or isinstance(value, Ref) and value.address not in lookup.resources:
        reason = value.reason if isinstance(value, Unknown) else f"{value.address} is not in this configuration"
        model.unlinked.setdefault(owner, f"its target group is not known ({reason})")
    return None


def _targets(lookup: Lookup, model: Model) -> None:
    for resource in lookup.of_type("aws_lb_target_group_attachment"):
        group = _target_group(lookup, model, resource.values.get("target_group_arn"), resource.address)
        if group is None:
            continue
        endpoint = lookup.find(resource.values.get("target_id"), "aws_instance")
        port = single(resource.values.get("port"))
        if is_unknown(port) and to_port(port) is None:
            model.unlinked.setdefault(resource.address, "its port is unknown until apply")
        elif endpoint in model.endpoints:
            model.targets.append(Target(group, endpoint, to_port(port), resource.address))
        else:
            model.unlinked.setdefault(resource.address, "its target is not resolved to an instance of this configuration")
    for resource in lookup.of_type("aws_autoscaling_group"):
        for arn in as_list(resource.values.get("target_group_arns")):
            group = _target_group(lookup, model, arn, resource.address)
            if group is not None:
                model.targets.append(Target(group, resource.address, None, resource.address))
    for resource in lookup.of_type("aws_autoscaling_attachment", "aws_autoscaling_traffic_source_attachment"):
        values = resource.values
        # A managed node group's Auto Scaling group is named by the node group's `resources`.
        auto_scaling_group = lookup.find(values.get("autoscaling_group_name"), "aws_autoscaling_group",
                                         "aws_eks_node_group")
        arns = as_list(values.get("lb_target_group_arn")) + as_list(values.get("alb_target_group_arn"))
        for source in as_list(values.get("traffic_source")):
            if isinstance(source, dict) and source.get("type") in (None, "elbv2"):
                arns += as_list(source.get("identifier"))
        for arn in arns:
            group = _target_group(lookup, model, arn, resource.address)
            if group is None:
                continue
            if auto_scaling_group:
                model.targets.append(Target(group, auto_scaling_group, None, resource.address))
            else:
                model.unlinked.setdefault(resource.address, "its Auto Scaling group is not resolved")
    for resource in lookup.of_type("aws_ecs_service"):
        for block in as_list(resource.values.get("load_balancer")):
            if not isinstance(block, dict):
                continue
            group = _target_group(lookup, model, block.get("target_group_arn"), resource.address)
            if group is None:
                continue
            container_port = single(block.get("container_port"))
            if is_unknown(container_port) and to_port(container_port) is None:
                model.unlinked.setdefault(resource.address, "its container port is unknown until apply")
            elif resource.address in model.endpoints:
                model.targets.append(Target(group, resource.address, to_port(container_port),
                                            resource.address))
            else:
                target = _container_instances_target(lookup, model, resource, block, group)
                if target is not None:
                    model.targets.append(target)


def _container_instances_target(lookup: Lookup, model: Model, service, block: dict, group: str) -> Target | None:
    """An ECS service in bridge or host mode: its tasks run on the container instances of its
    capacity provider's Auto Scaling group, on the host port the task definition maps."""
    values = service.values
    task = lookup.find(values.get("task_definition"), "aws_ecs_task_definition")
    hosts = _capacity_hosts(lookup, values)
    if hosts is None and not values.get("capacity_provider_strategy"):
        hosts = _joined_hosts(lookup, values.get("cluster"))
    if task is None or hosts is None or hosts not in model.endpoints:
        model.unlinked.setdefault(service.address, "its task definition or container instances are not resolved")
        return None
    task_values = lookup.resources[task].values
    mode = task_values.get("network_mode") or "bridge"
    container_port = to_port(single(block.get("container_port")))
    host_port = _host_port(task_values.get("container_definitions"), block.get("container_name"), container_port)
    if mode == "host":
        host_port = container_port
    elif mode != "bridge" or host_port is _UNKNOWN_PORT:
        model.unlinked.setdefault(service.address, "its host port is not known")
        return None
    if host_port:
        return Target(group, hosts, host_port, service.address)
    return Target(group, hosts, None, service.address, dynamic=True)


_UNKNOWN_PORT = object()


def _host_port(definitions, container_name, container_port):
    """The hostPort mapped to a container port: 0 (or absent) means a dynamic port."""
    containers = task_containers(definitions)
    if containers is None:
        return _UNKNOWN_PORT
    for container in containers:
        if container.get("name") != container_name:
            continue
        for mapping in container.get("portMappings") or []:
            if isinstance(mapping, dict) and to_port(mapping.get("containerPort")) == container_port:
                host_port = mapping.get("hostPort")
                if isinstance(host_port, Ref) or to_port(host_port) is None and isinstance(host_port, Unknown):
                    return _UNKNOWN_PORT
                return to_port(host_port) or 0
    return _UNKNOWN_PORT


_JOINS_CLUSTER = re.compile(r"ECS_CLUSTER=[\"']?([A-Za-z0-9_-]+)")


def _joined_hosts(lookup: Lookup, cluster_value: Any) -> str | None:
    """The one Auto Scaling group whose instances join the service's cluster: the ECS agent
    reads the cluster's name from `ECS_CLUSTER=` in /etc/ecs/ecs.config, which user data writes."""
    cluster = lookup.find(cluster_value, "aws_ecs_cluster")
    name = lookup.resources[cluster].values.get("name") if cluster else None
    if not isinstance(name, str):
        return None
    joined = [group.address for group in lookup.of_type("aws_autoscaling_group")
              if name in _clusters_joined(lookup, group.values)]
    return joined[0] if len(joined) == 1 else None


def _clusters_joined(lookup: Lookup, group_values: dict) -> set[str]:
    template = first_block(group_values.get("launch_template"))
    launch = (lookup.find(template.get("id") or template.get("name"), "aws_launch_template") if template else
              lookup.find(group_values.get("launch_configuration"), "aws_launch_configuration"))
    if launch is None:
        return set()
    text = lookup.resources[launch].values.get("user_data")
    if not isinstance(text, str):
        return set()
    try:  # a launch template's user data is base64, a launch configuration's plain text
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        decoded = text
    return set(_JOINS_CLUSTER.findall(decoded))


def _capacity_hosts(lookup: Lookup, service_values: dict) -> str | None:
    """The Auto Scaling group behind the service's capacity provider (or its cluster's default)."""
    strategy = [block.get("capacity_provider") for block in as_list(service_values.get("capacity_provider_strategy"))
                if isinstance(block, dict)]
    if not strategy and service_values.get("launch_type") in (None, ""):
        cluster = lookup.find(service_values.get("cluster"), "aws_ecs_cluster")
        for defaults in lookup.of_type("aws_ecs_cluster_capacity_providers"):
            if cluster and lookup.find(defaults.values.get("cluster_name"), "aws_ecs_cluster") == cluster:
                strategy = [block.get("capacity_provider") for block in
                            as_list(defaults.values.get("default_capacity_provider_strategy")) if isinstance(block, dict)]
    groups = set()
    for name in strategy:
        provider = lookup.find(name, "aws_ecs_capacity_provider")
        if provider is None:
            return None
        arn = first_block(lookup.resources[provider].values.get("auto_scaling_group_provider")).get("auto_scaling_group_arn")
        group = lookup.find(arn, "aws_autoscaling_group")
        if group is None:
            return None
        groups.add(group)
    return groups.pop() if len(groups) == 1 else None


def _forwards(lookup: Lookup, model: Model) -> None:
    listeners: dict[str, str] = {}
    for resource in lookup.of_type("aws_lb_listener"):
        balancer = lookup.find(resource.values.get("load_balancer_arn"), "aws_lb")
        if balancer is not None:
            listeners[resource.address] = balancer
            model.listeners.append(Listener(resource.address, balancer, to_port(single(resource.values.get("port"))),
                                            _transport(resource.values.get("protocol")) or "tcp"))
            _add_forwards(lookup, model, balancer, resource.address, resource.values.get("default_action"))
    for resource in lookup.of_type("aws_lb_listener_rule"):
        listener = lookup.find(resource.values.get("listener_arn"), "aws_lb_listener")
        if listener in listeners:
            _add_forwards(lookup, model, listeners[listener], resource.address, resource.values.get("action"))


_AUTHENTICATE = ("authenticate-oidc", "authenticate-cognito")


def _add_forwards(lookup: Lookup, model: Model, balancer: str, listener: str, actions: Any) -> None:
    for action in as_list(actions):
        if isinstance(action, dict) and action.get("type") in _AUTHENTICATE:
            ports: tuple[int, ...] | None = (443,)
            if action["type"] == "authenticate-oidc":
                oidc = first_block(action.get("authenticate_oidc"))
                ports = _url_ports([oidc.get("token_endpoint"), oidc.get("user_info_endpoint")])
            model.authentications.append(Authentication(balancer, listener, action["type"], ports))
        if not isinstance(action, dict) or action.get("type") not in ("forward", None):
            continue
        direct = lookup.find(action.get("target_group_arn"), "aws_lb_target_group")
        if direct not in model.target_groups:  # Lambda and GENEVE groups carry no port to check
            direct = None
        if direct:
            model.forwards.append(Forward(balancer, listener, direct, 1))
        for forward in as_list(action.get("forward")):
            for entry in as_list(forward.get("target_group") if isinstance(forward, dict) else None):
                if not isinstance(entry, dict):
                    continue
                group = lookup.find(entry.get("arn"), "aws_lb_target_group")
                if group in model.target_groups and group != direct:
                    weight = entry.get("weight")
                    model.forwards.append(Forward(balancer, listener, group, 1 if weight is None else to_int(weight)))


def _url_ports(urls: list[Any]) -> tuple[int, ...] | None:
    """The ports of HTTPS URLs (443 unless a URL names one); None when one is not known."""
    ports = set()
    for url in urls:
        if not isinstance(url, str):
            return None
        try:
            port = urllib.parse.urlsplit(url).port
        except ValueError:
            return None
        ports.add(port or 443)
    return tuple(sorted(ports))


def _transport(protocol: Any) -> str | None:
    if not isinstance(protocol, str):
        return None
    protocol = protocol.upper()
    if protocol in ("HTTP", "HTTPS", "TCP", "TLS", "TCP_UDP", "SSL", "TCP_QUIC"):
        return "tcp"
    if protocol in ("UDP", "QUIC"):
        return "udp"
    return None
