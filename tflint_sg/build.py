"""Turn a loader's `Config` into the network `Model`: groups and their rules, endpoints and the
groups they carry, load balancers, listeners, target groups and targets."""

from __future__ import annotations

import ipaddress
from typing import Any

from tflint_sg.config import Config, Ref, Resource, Unknown
from tflint_sg.model import (
    EGRESS,
    INGRESS,
    ClassicListener,
    Endpoint,
    Forward,
    LoadBalancer,
    Model,
    Network,
    Rule,
    SecurityGroup,
    Target,
    TargetGroup,
)
from tflint_sg.values import as_list, first_block, is_unknown, single, to_int

GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
STANDALONE_RULE_TYPES = (
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
)

_PROTOCOLS = {"-1": "all", "all": "all", "6": "tcp", "tcp": "tcp", "17": "udp", "udp": "udp",
              "1": "icmp", "icmp": "icmp", "58": "icmpv6", "icmpv6": "icmpv6"}


def normalize_protocol(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, (Unknown, Ref, list, dict)):
        return None
    text = str(value).strip().lower()
    return _PROTOCOLS.get(text, text or None)


def build_model(config: Config) -> Model:
    return _Builder(config).build()


class _Builder:
    def __init__(self, config: Config):
        self.config = config
        self.model = Model(notes=list(config.notes))
        self.resources = config.resources
        self._by_name: dict[tuple[str, str], str] = {}
        self._default_groups: dict[str, str] | None = None
        for resource in config.resources.values():
            for attribute in ("id", "arn", "name"):
                value = resource.values.get(attribute)
                if isinstance(value, str) and value:
                    self._by_name.setdefault((resource.type, value), resource.address)

    # --- lookups ---------------------------------------------------------------------

    def find(self, value: Any, *types: str) -> str | None:
        """The address of the resource of one of `types` that a value names (Ref, id, ARN or name)."""
        value = single(value)
        if isinstance(value, Ref):
            resource = self.resources.get(value.address)
            return value.address if resource is not None and resource.type in types else None
        if isinstance(value, str):
            for resource_type in types:
                address = self._by_name.get((resource_type, value))
                if address:
                    return address
        return None

    def subnet_network(self, value: Any) -> tuple[Network | None, str | None]:
        address = self.find(value, "aws_subnet")
        if address is None:
            return None, None
        values = self.resources[address].values
        return _network(values.get("cidr_block")), self.find(values.get("vpc_id"), "aws_vpc")

    def placement(self, subnets: list[Any], private_ips: list[Any] = ()) -> tuple[tuple[Network, ...] | None, str | None]:
        """Networks an endpoint's addresses lie in, from its subnets (or private IPs), and its VPC."""
        networks: list[Network] = []
        vpcs: set[str] = set()
        known = bool(subnets) or bool(private_ips)
        for ip in private_ips:
            network = _network(ip)
            if network is None:
                known = False
            else:
                networks.append(network)
        for subnet in subnets:
            network, vpc = self.subnet_network(subnet)
            if vpc:
                vpcs.add(vpc)
            if not private_ips:
                if network is None:
                    known = False
                else:
                    networks.append(network)
        vpc = next(iter(vpcs)) if len(vpcs) == 1 else None
        return (tuple(networks) if known and networks else None), vpc

    # --- security groups -------------------------------------------------------------

    def build(self) -> Model:
        self.build_groups()
        self.build_compute()
        self.build_load_balancers()
        self.build_target_groups()
        self.build_targets()
        self.build_forwards()
        return self.model

    def build_groups(self) -> None:
        groups = self.model.groups
        for resource in self.config.of_type(*GROUP_TYPES):
            values = resource.values
            group = SecurityGroup(
                resource.address,
                vpc=self.find(values.get("vpc_id"), "aws_vpc"),
                name=values.get("name") if isinstance(values.get("name"), str) else None,
                is_vpc_default=resource.type == "aws_default_security_group",
            )
            for direction in (INGRESS, EGRESS):
                blocks = values.get(direction)
                if isinstance(blocks, Unknown):
                    group.incomplete[direction] = f"inline {direction} rules unknown: {blocks.reason}"
                    continue
                for block in as_list(blocks):
                    if isinstance(block, dict):
                        group.rules.append(self.rule_from_block(block, resource.address, direction, resource.address))
                    else:
                        group.incomplete[direction] = f"an inline {direction} rule is unknown until apply"
            groups[resource.address] = group

        standalone: dict[str, set[str]] = {}
        for resource in self.config.of_type(*STANDALONE_RULE_TYPES):
            rule = self.standalone_rule(resource)
            if rule is None:
                continue
            if rule.group in groups:
                groups[rule.group].rules.append(rule)
                standalone.setdefault(rule.group, set()).add(rule.direction)
            else:
                self.model.floating_rules.append(rule)
                self.model.notes.append(
                    f"{resource.address}: the security group it adds a rule to is not resolved; "
                    "it may belong to any group, so no group is judged to block what it allows"
                )
        for address, directions in standalone.items():
            group = groups[address]
            declared = self.resources[address].declared
            for direction in directions:
                if declared is not None and direction not in declared:
                    # No inline block in the configuration: what the plan lists inline is AWS's
                    # view of the standalone rules, already counted once.
                    group.rules = [r for r in group.rules if not (r.direction == direction and r.declared_by == address)]
                inline = [r for r in group.rules_in(direction) if r.declared_by == address]
                if inline:
                    group.uncertain[direction] = (
                        f"{address} mixes inline {direction} rules with standalone rule resources; "
                        "Terraform overwrites one with the other"
                    )
                else:
                    # Standalone rules own this direction: no inline block set it, whatever the plan says.
                    if "inline" in group.incomplete.get(direction, ""):
                        group.incomplete.pop(direction)

    def rule_from_block(self, block: dict, group: str, direction: str, declared_by: str) -> Rule:
        """An inline `ingress`/`egress` block, or an `aws_security_group_rule` (same field names)."""
        return self.make_rule(
            group, direction, block.get("protocol"), block.get("from_port"), block.get("to_port"),
            cidr_values=as_list(block.get("cidr_blocks")) + as_list(block.get("ipv6_cidr_blocks")),
            group_values=as_list(block.get("security_groups")) + as_list(block.get("source_security_group_id")),
            prefix_lists=as_list(block.get("prefix_list_ids")),
            self_ref=block.get("self") is True,
            declared_by=declared_by,
        )

    def make_rule(self, group: str, direction: str, protocol_value: Any, from_value: Any, to_value: Any, *,
                  cidr_values: list[Any], group_values: list[Any], prefix_lists: list[Any],
                  self_ref: bool, declared_by: str) -> Rule:
        cidrs, unresolved = self.cidrs(cidr_values)
        peers, peer_unresolved = self.group_list(group_values)
        protocol = normalize_protocol(protocol_value)
        return Rule(
            group=group,
            direction=direction,
            protocol=protocol,
            from_port=0 if protocol == "all" else to_int(from_value),
            to_port=65535 if protocol == "all" else to_int(to_value),
            cidrs=cidrs,
            groups=peers,
            self_ref=self_ref,
            prefix_lists=tuple(str(p) for p in prefix_lists if p),
            unresolved=unresolved + peer_unresolved,
            declared_by=declared_by,
        )

    def standalone_rule(self, resource: Resource) -> Rule | None:
        values = resource.values
        group = self.find(values.get("security_group_id"), *GROUP_TYPES) or ""
        if resource.type == "aws_security_group_rule":
            direction = values.get("type")
            if direction not in (INGRESS, EGRESS):
                # Either direction: the group may hold more rules than we can place.
                reason = f"{resource.address}: its type (ingress or egress) is unknown until apply"
                target = self.model.groups.get(group)
                for side in (INGRESS, EGRESS):
                    if target is not None:
                        target.incomplete[side] = reason
                    else:
                        self.model.floating_rules.append(self.rule_from_block(values, "", side, resource.address))
                self.model.notes.append(reason)
                return None
            return self.rule_from_block(values, group, direction, resource.address)
        direction = INGRESS if resource.type.endswith("ingress_rule") else EGRESS
        return self.make_rule(
            group, direction, values.get("ip_protocol"), values.get("from_port"), values.get("to_port"),
            cidr_values=as_list(values.get("cidr_ipv4")) + as_list(values.get("cidr_ipv6")),
            group_values=as_list(values.get("referenced_security_group_id")),
            prefix_lists=as_list(values.get("prefix_list_id")),
            self_ref=False,
            declared_by=resource.address,
        )

    def cidrs(self, values: list[Any]) -> tuple[tuple[Network, ...], tuple[str, ...]]:
        networks: list[Network] = []
        unresolved: list[str] = []
        for value in values:
            if isinstance(value, Ref):
                resource = self.resources.get(value.address)
                attribute = value.attribute if value.attribute != "id" else "cidr_block"
                value = resource.values.get(attribute) if resource else None
            network = _network(value)
            if network is not None:
                networks.append(network)
            elif isinstance(value, Unknown):
                unresolved.append(f"CIDR unknown until apply ({value.reason})")
            elif value is not None:
                unresolved.append(f"CIDR {value!r} not understood")
        return tuple(networks), tuple(unresolved)

    def group_list(self, values: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Security groups named by a list of ids: resolved addresses, and what stayed unresolved."""
        groups: list[str] = []
        unresolved: list[str] = []
        for value in values:
            if value is None or value == "":
                continue
            address = self.find(value, *GROUP_TYPES)
            if address:
                if address not in groups:
                    groups.append(address)
            elif isinstance(value, Unknown):
                unresolved.append(value.reason)
            elif isinstance(value, str):
                unresolved.append(f"{value} is not created by this configuration")
            elif not isinstance(value, Ref):
                unresolved.append(f"a value that is not a security group id: {value!r}"[:200])
            # A Ref to something that is not a security group comes from a reference list
            # shared by several attributes (a VPC's CIDR, a condition): it names no group.
        return tuple(groups), tuple(unresolved)

    # --- endpoints -------------------------------------------------------------------

    def endpoint(self, resource: Resource, group_values: list[Any], subnets: list[Any],
                 private_ips: list[Any] = (), default_group: bool = True) -> Endpoint:
        groups, unresolved = self.group_list(group_values)
        networks, vpc = self.placement(subnets, private_ips)
        if not groups and not unresolved and default_group:
            default = self.vpc_default_group(vpc)
            if default:
                groups = (default,)
            else:
                unresolved = (
                    "no security groups: it gets its VPC's default security group, whose rules are not "
                    "managed by this configuration (declare aws_default_security_group to manage them)",
                )
        endpoint = Endpoint(resource.address, resource.type, groups, unresolved, networks, vpc)
        self.model.endpoints[resource.address] = endpoint
        return endpoint

    def vpc_default_group(self, vpc: str | None) -> str | None:
        if self._default_groups is None:
            self._default_groups = {}
            for group in self.model.groups.values():
                if group.is_vpc_default and group.vpc:
                    self._default_groups.setdefault(group.vpc, group.address)
        return self._default_groups.get(vpc) if vpc else None

    def build_compute(self) -> None:
        for resource in self.config.of_type("aws_network_interface"):
            values = resource.values
            self.endpoint(resource, as_list(values.get("security_groups")), as_list(values.get("subnet_id")),
                          [ip for ip in as_list(values.get("private_ips")) if isinstance(ip, str)])
        for resource in self.config.of_type("aws_instance"):
            self.instance_endpoint(resource)
        for resource in self.config.of_type("aws_autoscaling_group"):
            self.asg_endpoint(resource)
        for resource in self.config.of_type("aws_ecs_service"):
            network = first_block(resource.values.get("network_configuration"))
            if network:
                self.endpoint(resource, as_list(network.get("security_groups")), as_list(network.get("subnets")))
        for resource in self.config.of_type("aws_network_interface_sg_attachment"):
            interface = single(resource.values.get("network_interface_id"))
            owner = self.find(interface, "aws_network_interface", "aws_instance")
            if owner is None and isinstance(interface, str):
                owner = next((r.address for r in self.config.of_type("aws_instance")
                              if r.values.get("primary_network_interface_id") == interface), None)
            endpoint = self.model.endpoints.get(owner) if owner else None
            groups, unresolved = self.group_list(as_list(resource.values.get("security_group_id")))
            if endpoint is None:
                self.model.notes.append(f"{resource.address}: the network interface it attaches to is not resolved")
                continue
            if endpoint.groups and all(self.model.groups[g].is_vpc_default for g in endpoint.groups if g in self.model.groups) \
                    and not self.resources[owner].values.get("vpc_security_group_ids"):
                endpoint.groups = ()  # the default group applied only for want of any other
            endpoint.groups = tuple(dict.fromkeys(endpoint.groups + groups))
            endpoint.unresolved_groups = tuple(r for r in endpoint.unresolved_groups if "no security groups" not in r) + unresolved

    def launch_template_groups(self, value: Any) -> tuple[list[Any], list[Any]] | None:
        address = self.find(value, "aws_launch_template")
        if address is None:
            return None
        values = self.resources[address].values
        groups = as_list(values.get("vpc_security_group_ids"))
        subnets: list[Any] = []
        for interface in as_list(values.get("network_interfaces")):
            if isinstance(interface, dict):
                groups += as_list(interface.get("security_groups"))
                subnets += as_list(interface.get("subnet_id"))
        names = [n for n in as_list(values.get("security_group_names")) if n]
        groups += [self.find(n, *GROUP_TYPES) and Ref(self.find(n, *GROUP_TYPES)) or Unknown(f"security group named {n!r}") for n in names]
        return groups, subnets

    def instance_endpoint(self, resource: Resource) -> None:
        values = resource.values
        groups = as_list(values.get("vpc_security_group_ids"))
        subnets = as_list(values.get("subnet_id"))
        if not groups:
            groups = [self.find(n, *GROUP_TYPES) and Ref(self.find(n, *GROUP_TYPES)) or Unknown(f"security group named {n!r}")
                      for n in as_list(values.get("security_groups")) if n]
        for interface in as_list(values.get("network_interface")):
            eni = self.find(interface.get("network_interface_id") if isinstance(interface, dict) else None,
                            "aws_network_interface")
            if eni:
                groups += as_list(self.resources[eni].values.get("security_groups"))
                subnets += as_list(self.resources[eni].values.get("subnet_id"))
            elif isinstance(interface, dict):
                groups.append(Unknown("a network interface not created by this configuration"))
        template = first_block(values.get("launch_template"))
        if not groups and template:
            from_template = self.launch_template_groups(template.get("id") or template.get("name"))
            if from_template is None:
                groups = [Unknown("its launch template is not resolved")]
            else:
                groups, template_subnets = from_template
                subnets = subnets or template_subnets
        private_ips = [ip for ip in as_list(values.get("private_ip")) if isinstance(ip, str)]
        self.endpoint(resource, groups, subnets, private_ips)

    def asg_endpoint(self, resource: Resource) -> None:
        values = resource.values
        subnets = as_list(values.get("vpc_zone_identifier"))
        template_ref = None
        template = first_block(values.get("launch_template"))
        if template:
            template_ref = template.get("id") or template.get("name")
        policy = first_block(values.get("mixed_instances_policy"))
        if policy:
            spec = first_block(first_block(policy.get("launch_template")).get("launch_template_specification"))
            template_ref = spec.get("launch_template_id") or spec.get("launch_template_name")
        if template_ref is not None:
            from_template = self.launch_template_groups(template_ref)
            if from_template is None:
                groups: list[Any] = [Unknown("its launch template is not resolved")]
            else:
                groups, template_subnets = from_template
                subnets = subnets or template_subnets
        elif values.get("launch_configuration") is not None:
            configuration = self.find(values.get("launch_configuration"), "aws_launch_configuration")
            groups = (as_list(self.resources[configuration].values.get("security_groups")) if configuration
                      else [Unknown("its launch configuration is not resolved")])
        else:
            groups = [Unknown("no launch template or configuration found")]
        self.endpoint(resource, groups, subnets)

    # --- load balancers ----------------------------------------------------------------

    def build_load_balancers(self) -> None:
        for resource in self.config.of_type("aws_lb"):
            values = resource.values
            kind = values.get("load_balancer_type") or "application"
            if not isinstance(kind, str):
                kind = "application"
            subnets = as_list(values.get("subnets")) + [
                block.get("subnet_id") for block in as_list(values.get("subnet_mapping")) if isinstance(block, dict)
            ]
            group_values = as_list(values.get("security_groups"))
            # An NLB created without security groups has none (and cannot gain them later):
            # nothing filters what it sends or receives.
            has_groups = kind != "network" or bool(group_values)
            self.endpoint(resource, group_values, subnets, default_group=kind == "application")
            self.model.load_balancers[resource.address] = LoadBalancer(
                resource.address, kind, has_groups, internal=values.get("internal") if isinstance(values.get("internal"), bool) else None
            )
        for resource in self.config.of_type("aws_elb"):
            values = resource.values
            self.endpoint(resource, as_list(values.get("security_groups")), as_list(values.get("subnets")))
            balancer = LoadBalancer(resource.address, "classic", True,
                                    internal=values.get("internal") if isinstance(values.get("internal"), bool) else None)
            for listener in as_list(values.get("listener")):
                if isinstance(listener, dict):
                    balancer.classic_listeners.append(
                        ClassicListener(resource.address, to_int(listener.get("instance_port")),
                                        _transport(listener.get("instance_protocol")) or "tcp"))
            instances = as_list(values.get("instances"))
            for asg in self.config.of_type("aws_autoscaling_group"):
                if any(self.find(name, "aws_elb") == resource.address for name in as_list(asg.values.get("load_balancers"))):
                    instances.append(Ref(asg.address))
            for instance in instances:
                address = self.find(instance, "aws_instance", "aws_autoscaling_group")
                if address:
                    balancer.classic_instances.append(address)
                else:
                    self.model.notes.append(f"{resource.address}: an instance it serves is not resolved")
            check = first_block(values.get("health_check")).get("target")
            if isinstance(check, str) and ":" in check:
                balancer.classic_health_port = to_int(check.split(":", 1)[1].split("/", 1)[0])
            self.model.load_balancers[resource.address] = balancer

    def build_target_groups(self) -> None:
        for resource in self.config.of_type("aws_lb_target_group"):
            values = resource.values
            protocol = values.get("protocol")
            transport = _transport(protocol)
            if transport is None and protocol is not None:
                continue  # GENEVE (gateway load balancers) and lambda targets carry no TCP/UDP port
            health = values.get("health_check")
            block = first_block(health)
            port_value = block.get("port")
            if isinstance(health, Unknown) or isinstance(port_value, Unknown):
                health_port: int | str | None = None
            elif block.get("enabled") is False or port_value in (None, "", "traffic-port"):
                health_port = "traffic-port"  # the default; disabled checks add no port of their own
            else:
                health_port = to_int(port_value)
            if values.get("ip_address_type") == "ipv6":
                self.model.notes.append(f"{resource.address}: IPv6 target groups are not checked yet")
                continue
            preserve = values.get("preserve_client_ip")
            if isinstance(protocol, str) and protocol.upper() in ("UDP", "TCP_UDP", "QUIC", "TCP_QUIC"):
                preserve = "true"  # always on for these protocols; it cannot be turned off
            self.model.target_groups[resource.address] = TargetGroup(
                resource.address,
                port=to_int(values.get("port")),
                protocol=transport or "tcp",
                target_type=values.get("target_type") if isinstance(values.get("target_type"), str) else "instance",
                health_check_port=health_port,
                preserve_client_ip={"true": True, "false": False}.get(str(preserve).lower()) if preserve is not None else None,
            )

    def build_targets(self) -> None:
        targets = self.model.targets
        groups = self.model.target_groups
        for resource in self.config.of_type("aws_lb_target_group_attachment"):
            group = self.find(single(resource.values.get("target_group_arn")), "aws_lb_target_group")
            if group not in groups:
                continue
            target = single(resource.values.get("target_id"))
            endpoint = self.find(target, "aws_instance", "aws_lb", "aws_lambda_function")
            port = resource.values.get("port")
            if is_unknown(port):
                self.model.notes.append(f"{resource.address}: its port is unknown until apply; not checked")
            elif endpoint and endpoint in self.model.endpoints:
                targets.append(Target(group, endpoint, to_int(single(port)), resource.address))
            else:
                self.model.notes.append(f"{resource.address}: its target is not resolved to a resource of this configuration")
        for resource in self.config.of_type("aws_autoscaling_group"):
            for arn in as_list(resource.values.get("target_group_arns")):
                group = self.find(arn, "aws_lb_target_group")
                if group in groups:
                    targets.append(Target(group, resource.address, None, resource.address))
        for resource in self.config.of_type("aws_autoscaling_attachment", "aws_autoscaling_traffic_source_attachment"):
            values = resource.values
            asg = self.find(single(values.get("autoscaling_group_name")), "aws_autoscaling_group")
            arns = as_list(values.get("lb_target_group_arn")) + as_list(values.get("alb_target_group_arn"))
            for source in as_list(values.get("traffic_source")):
                if isinstance(source, dict) and source.get("type") in (None, "elbv2"):
                    arns += as_list(source.get("identifier"))
            for arn in arns:
                group = self.find(arn, "aws_lb_target_group")
                if group in groups and asg:
                    targets.append(Target(group, asg, None, resource.address))
        for resource in self.config.of_type("aws_ecs_service"):
            for block in as_list(resource.values.get("load_balancer")):
                if not isinstance(block, dict):
                    continue
                group = self.find(single(block.get("target_group_arn")), "aws_lb_target_group")
                if group not in groups:
                    continue
                if is_unknown(block.get("container_port")):
                    self.model.notes.append(f"{resource.address}: its container port is unknown until apply; not checked")
                elif resource.address in self.model.endpoints:
                    targets.append(Target(group, resource.address, to_int(single(block.get("container_port"))),
                                          resource.address))
                else:
                    self.model.notes.append(
                        f"{resource.address}: tasks in bridge or host network mode run on container instances "
                        "this version does not model; its load balancer flows are not checked"
                    )

    def build_forwards(self) -> None:
        listeners: dict[str, str] = {}
        for resource in self.config.of_type("aws_lb_listener"):
            balancer = self.find(single(resource.values.get("load_balancer_arn")), "aws_lb")
            if balancer is None:
                continue
            listeners[resource.address] = balancer
            self.add_forwards(balancer, resource.address, resource.values.get("default_action"))
        for resource in self.config.of_type("aws_lb_listener_rule"):
            listener = self.find(single(resource.values.get("listener_arn")), "aws_lb_listener")
            if listener in listeners:
                self.add_forwards(listeners[listener], resource.address, resource.values.get("action"))

    def add_forwards(self, balancer: str, listener: str, actions: Any) -> None:
        for action in as_list(actions):
            if not isinstance(action, dict) or action.get("type") not in ("forward", None):
                continue
            direct = single(action.get("target_group_arn"))
            group = self.find(direct, "aws_lb_target_group")
            if group:
                self.model.forwards.append(Forward(balancer, listener, group, 1))
            for forward in as_list(action.get("forward")):
                for entry in as_list(forward.get("target_group") if isinstance(forward, dict) else None):
                    if not isinstance(entry, dict):
                        continue
                    group = self.find(single(entry.get("arn")), "aws_lb_target_group")
                    weight = entry.get("weight")
                    if group and not (direct and self.find(direct, "aws_lb_target_group") == group):
                        self.model.forwards.append(
                            Forward(balancer, listener, group, 1 if weight is None else to_int(weight)))


def _transport(protocol: Any) -> str | None:
    if not isinstance(protocol, str):
        return None
    protocol = protocol.upper()
    if protocol in ("HTTP", "HTTPS", "TCP", "TLS", "TCP_UDP", "SSL", "TCP_QUIC"):
        return "tcp"
    if protocol in ("UDP", "QUIC"):
        return "udp"
    return None


def _network(value: Any) -> Network | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
