"""Endpoints: what has network interfaces, with the security groups it carries and where it lives.

Load balancers are endpoints too; `balancers.py` builds them with `add_endpoint`.
"""

from __future__ import annotations

from typing import Any

from tflint_sg.modeling.groups import group_by_name, group_list
from tflint_sg.modeling.lookup import Lookup
from tflint_sg.modeling.wiring import handed_resources
from tflint_sg.config import GROUP_ARGUMENTS, Ref, Resource, Unknown
from tflint_sg.model import DataStore, Endpoint, Model, Port
from tflint_sg.values import as_list, first_block, single, to_port

DEFAULT_GROUP_UNMANAGED = (
    "no security groups: it gets its VPC's default security group, whose rules are not managed by "
    "this configuration (declare aws_default_security_group to manage them)"
)


def add_endpoint(lookup: Lookup, model: Model, resource: Resource, group_values: list[Any], subnets: list[Any],
                 private_ips: list[Any] = (), default_group: bool = True) -> Endpoint:
    groups, unresolved = group_list(lookup, group_values)
    networks, vpc = lookup.placement(subnets, private_ips)
    if networks is None and not private_ips:
        # Its subnets are not known, but its VPC is (theirs, or that of its security groups,
        # which must share the VPC of the interfaces they are on): its addresses lie in the
        # VPC's block, which decides every rule that covers all of it or none of it.
        vpcs = {vpc} if vpc else {model.groups[g].vpc for g in groups if g in model.groups}
        networks = lookup.vpc_networks(next(iter(vpcs))) if len(vpcs) == 1 and not unresolved else None
    assumed = not groups and not unresolved and default_group
    if assumed:
        default = lookup.vpc_default_group(vpc)
        if default:
            groups = (default,)
        else:
            unresolved = (DEFAULT_GROUP_UNMANAGED,)
    endpoint = Endpoint(resource.address, resource.type, groups, unresolved, networks, subnet_addresses(lookup, subnets))
    model.endpoints[resource.address] = endpoint
    return endpoint


def subnet_addresses(lookup: Lookup, subnets: list[Any]) -> tuple[str, ...] | None:
    """The subnets, by address; None when one is not a subnet of the configuration (or none is given)."""
    found = tuple(sorted({lookup.find(value, "aws_subnet") or "" for value in subnets}))
    return found if found and "" not in found else None


def build_endpoints(lookup: Lookup, model: Model) -> None:
    attached = _attached_groups(lookup, model)
    for resource in lookup.of_type("aws_network_interface"):
        values = resource.values
        add_endpoint(lookup, model, resource, as_list(values.get("security_groups")) + attached.get(resource.address, []),
                     as_list(values.get("subnet_id")), [ip for ip in as_list(values.get("private_ips")) if isinstance(ip, str)])
    for resource in lookup.of_type("aws_instance"):
        _instance(lookup, model, resource, attached.get(resource.address, []))
    for resource in lookup.of_type("aws_autoscaling_group"):
        _auto_scaling_group(lookup, model, resource)
    for resource in lookup.of_type("aws_eks_node_group"):
        _node_group(lookup, model, resource)
    for resource in lookup.of_type("aws_ecs_service"):
        network = first_block(resource.values.get("network_configuration"))
        if network:  # awsvpc mode; bridge and host mode tasks use their container instance's groups
            add_endpoint(lookup, model, resource, as_list(network.get("security_groups")), as_list(network.get("subnets")))
    for resource in lookup.of_type("aws_lambda_function"):
        network = first_block(resource.values.get("vpc_config"))
        if network:  # a function outside a VPC has no security groups
            add_endpoint(lookup, model, resource, as_list(network.get("security_group_ids")),
                         as_list(network.get("subnet_ids")))
    model.compute = {address for address, endpoint in model.endpoints.items() if endpoint.type in COMPUTE_TYPES}
    _data_stores(lookup, model)
    _proxy_targets(lookup, model)
    handed = handed_resources(lookup, model)
    for store in model.data_stores.values():
        store.handed_to = handed.get(store.address, ())


COMPUTE_TYPES = frozenset({"aws_instance", "aws_autoscaling_group", "aws_eks_node_group", "aws_ecs_service",
                           "aws_lambda_function"})

_STORES = {  # type -> (kind, the attribute holding its subnets); its groups: config.GROUP_ARGUMENTS
    "aws_db_instance": ("database", None),
    "aws_rds_cluster": ("database", None),
    "aws_elasticache_cluster": ("cache", None),
    "aws_elasticache_replication_group": ("cache", None),
    "aws_efs_mount_target": ("file system", "subnet_id"),
    "aws_redshift_cluster": ("warehouse", None),
    "aws_db_proxy": ("database proxy", "vpc_subnet_ids"),
    "aws_docdb_cluster": ("document database", None),
    "aws_neptune_cluster": ("graph database", None),
    "aws_memorydb_cluster": ("cache", None),
    "aws_dax_cluster": ("cache", None),
    "aws_opensearch_domain": ("search domain", "vpc_options.subnet_ids"),
    "aws_elasticsearch_domain": ("search domain", "vpc_options.subnet_ids"),
    "aws_msk_cluster": ("Kafka cluster", "broker_node_group_info.client_subnets"),
    "aws_msk_serverless_cluster": ("Kafka cluster", "vpc_config.subnet_ids"),
    "aws_mq_broker": ("message broker", "subnet_ids"),
}

# Stores whose resource sets the port they listen on.
_PORT_ARGUMENT = frozenset({
    "aws_db_instance", "aws_rds_cluster", "aws_elasticache_cluster", "aws_elasticache_replication_group",
    "aws_redshift_cluster", "aws_docdb_cluster", "aws_neptune_cluster", "aws_memorydb_cluster",
})

# Stores with a node in each of their subnets (a broker per subnet, the clients reaching every
# one); every other store with subnets of its own is in one of them.
_SPREAD = frozenset({"aws_efs_mount_target", "aws_msk_cluster", "aws_msk_serverless_cluster"})


# type -> (the attribute naming its subnet group, the subnet group's type)
_SUBNET_GROUPS = {
    "aws_db_instance": ("db_subnet_group_name", "aws_db_subnet_group"),
    "aws_rds_cluster": ("db_subnet_group_name", "aws_db_subnet_group"),
    "aws_elasticache_cluster": ("subnet_group_name", "aws_elasticache_subnet_group"),
    "aws_elasticache_replication_group": ("subnet_group_name", "aws_elasticache_subnet_group"),
    "aws_redshift_cluster": ("cluster_subnet_group_name", "aws_redshift_subnet_group"),
    "aws_docdb_cluster": ("db_subnet_group_name", "aws_docdb_subnet_group"),
    "aws_neptune_cluster": ("neptune_subnet_group_name", "aws_neptune_subnet_group"),
    "aws_memorydb_cluster": ("subnet_group_name", "aws_memorydb_subnet_group"),
    "aws_dax_cluster": ("subnet_group_name", "aws_dax_subnet_group"),
}


def _nested(values: dict, path: str) -> list[Any] | None:
    """The list at a dotted path (`vpc_options.subnet_ids`: in each `vpc_options` block); None when
    a block on the way is absent, an Unknown when one is not known."""
    *blocks, name = path.split(".")
    found: list[Any] = []
    scopes = [values]
    for block in blocks:
        items = [item for scope in scopes for item in as_list(scope.get(block))]
        if any(isinstance(item, Unknown) for item in items):
            return [Unknown(f"its {block} block is not known until apply")]  # a dynamic block, say
        scopes = [item for item in items if isinstance(item, dict)]
        if not scopes:
            return None
    for scope in scopes:
        found += as_list(scope.get(name))
    return found


def _data_stores(lookup: Lookup, model: Model) -> None:
    for resource_type, (kind, subnet_attribute) in _STORES.items():
        groups_attribute = GROUP_ARGUMENTS[resource_type][0]
        for resource in lookup.of_type(resource_type):
            values = resource.values
            groups = _nested(values, groups_attribute)
            if groups is None:  # a search domain or serverless cluster outside a VPC
                continue
            subnets = (_nested(values, subnet_attribute) or []) if subnet_attribute else []
            spread = resource_type in _SPREAD
            if not subnets and resource_type in _SUBNET_GROUPS:
                # In one subnet of its subnet group, which one not said: its addresses lie in
                # theirs, and it is blocked only where each of them blocks.
                attribute, group_type = _SUBNET_GROUPS[resource_type]
                group = lookup.find(values.get(attribute), group_type)
                subnets = as_list(lookup.resources[group].values.get("subnet_ids")) if group else []
                spread = False
            endpoint = add_endpoint(lookup, model, resource, groups, subnets)
            endpoint.spread = spread
            if isinstance(values.get("port"), Unknown) and resource.declared is not None and \
                    "port" not in resource.declared and resource_type in _DEFAULT_PORTS:
                values = {**values, "port": None}  # computed from the default: not set here
            port, why_unknown = _listening_port(lookup, resource_type, values)
            model.data_stores[resource.address] = DataStore(resource.address, kind, port,
                                                            _other_way_in(lookup, resource), why_unknown,
                                                            resource_type in _PORT_ARGUMENT)


def _listening_port(lookup: Lookup, resource_type: str, values: dict) -> tuple[Port | None, str | None]:
    """The one port its clients connect to, or None and why (when the store says why)."""
    ports = _several_ports(resource_type, values)
    if ports is None:
        return _replica_port(lookup, resource_type, values), None
    if isinstance(ports, str):
        return None, ports
    if len(ports) == 1:
        return ports[0], None
    return None, (f"it listens on {', '.join(map(str, ports))} (one per way of connecting), and which its "
                  "clients use is not known")


def _several_ports(resource_type: str, values: dict) -> tuple[int, ...] | str | None:
    """For a store that may listen on more than one port: those ports, or why they are not known.
    None for every other store."""
    if resource_type == "aws_msk_serverless_cluster":
        return (9098,)  # IAM access control only (the MSK developer guide's port list)
    if resource_type == "aws_msk_cluster":
        return _kafka_ports(values)
    if resource_type == "aws_mq_broker":
        engine = values.get("engine_type")
        if not isinstance(engine, str):
            return "its engine is not known"
        if engine.lower() == "rabbitmq":
            return (5671,)  # AMQP over TLS (the Amazon MQ developer guide)
        # ActiveMQ: OpenWire, AMQP, STOMP, MQTT and WebSocket, each on its own port.
        return (5671, 8883, 61614, 61617, 61619)
    return None


def _kafka_ports(values: dict) -> tuple[int, ...] | str:
    """An MSK cluster's broker ports inside AWS, by client authentication and encryption in
    transit: 9092 plaintext, 9094 TLS, 9096 SASL/SCRAM, 9098 IAM (the MSK developer guide)."""
    authentication_block = first_block(values.get("client_authentication"))
    blocks = [values.get("encryption_info"), first_block(values.get("encryption_info")).get("encryption_in_transit"),
              values.get("client_authentication"), authentication_block.get("sasl"), authentication_block.get("tls")]
    if any(isinstance(block, Unknown) or any(isinstance(item, Unknown) for item in as_list(block)) for block in blocks):
        return "its authentication or encryption settings are not known"
    transit = first_block(blocks[1])
    client_broker = transit.get("client_broker", "TLS")
    if client_broker is None:
        client_broker = "TLS"
    authentication = first_block(values.get("client_authentication"))
    sasl = first_block(authentication.get("sasl"))
    known = [client_broker, sasl.get("iam"), sasl.get("scram"), authentication.get("unauthenticated")]
    if any(isinstance(value, Unknown) for value in known) or isinstance(authentication.get("tls"), Unknown):
        return "its authentication or encryption settings are not known"
    tls_on = client_broker in ("TLS", "TLS_PLAINTEXT")
    plaintext_on = client_broker in ("PLAINTEXT", "TLS_PLAINTEXT")
    unauthenticated = authentication.get("unauthenticated")
    if not authentication:
        unauthenticated = True  # no client authentication: clients connect unauthenticated
    ports = set()
    if tls_on and sasl.get("iam") is True:
        ports.add(9098)
    if tls_on and sasl.get("scram") is True:
        ports.add(9096)
    if tls_on and (unauthenticated is True or as_list(authentication.get("tls"))):
        ports.add(9094)
    if plaintext_on and unauthenticated is True:
        ports.add(9092)
    return tuple(sorted(ports)) or "no way of connecting to its brokers is known"


def _other_way_in(lookup: Lookup, resource) -> str | None:
    """A Redshift cluster that a Redshift-managed VPC endpoint serves is reached through the
    endpoint's own groups too; an endpoint whose cluster is not known may serve any."""
    if resource.type != "aws_redshift_cluster":
        return None
    for access in lookup.of_type("aws_redshift_endpoint_access"):
        named = access.values.get("cluster_identifier")
        if isinstance(named, Ref) and named.address != resource.address:
            continue
        if isinstance(named, str) and named != resource.values.get("cluster_identifier"):
            continue
        return (f"clients may reach it through {access.address}, a Redshift-managed VPC endpoint, whose "
                "security groups are not checked")
    return None


def _replica_port(lookup: Lookup, resource_type: str, values: dict) -> int | None:
    """A read replica that sets no port and no engine takes both from its source instance (RDS's
    CreateDBInstanceReadReplica: "Default: Inherits from the source DB instance")."""
    for _ in range(8):  # a replica of a replica, and no further
        port = store_port(resource_type, values)
        if port is not None or resource_type != "aws_db_instance" or values.get("port") is not None:
            return port
        source = lookup.find(values.get("replicate_source_db"), "aws_db_instance")
        if source is None:
            return None
        values = lookup.resources[source].values
    return None


_ENGINE_PORTS = (("aurora-postgresql", 5432), ("aurora-mysql", 3306), ("aurora", 3306), ("postgres", 5432),
                 ("mysql", 3306), ("mariadb", 3306), ("oracle", 1521), ("sqlserver", 1433), ("db2", 50000),
                 ("redis", 6379), ("valkey", 6379), ("memcached", 11211))
_FIXED_PORTS = {"aws_efs_mount_target": 2049}
# Where a store listens when its `port` is not set (each service's documented default).
_DEFAULT_PORTS = {"aws_docdb_cluster": 27017, "aws_neptune_cluster": 8182, "aws_memorydb_cluster": 6379}


_PROXY_PORTS = {"MYSQL": 3306, "POSTGRESQL": 5432, "SQLSERVER": 1433}


def _proxy_targets(lookup: Lookup, model: Model) -> None:
    """Each database behind an RDS Proxy: the proxy connects to it through its own groups."""
    for resource in lookup.of_type("aws_db_proxy_target"):
        proxy = lookup.find(resource.values.get("db_proxy_name"), "aws_db_proxy")
        database = lookup.find(resource.values.get("db_instance_identifier"), "aws_db_instance") or \
            lookup.find(resource.values.get("db_cluster_identifier"), "aws_rds_cluster")
        if proxy and database and (proxy, database) not in model.proxy_targets:
            model.proxy_targets.append((proxy, database))
        elif proxy:
            model.notes.append(f"{resource.address}: the database behind {proxy} is not resolved; "
                               "the proxy's path to it is not checked")


def store_port(resource_type: str, values: dict) -> Port | None:
    """The port a store listens on: its `port`, else its engine's default (AWS's documented ones)."""
    if resource_type in _FIXED_PORTS:
        return _FIXED_PORTS[resource_type]
    if resource_type == "aws_db_proxy":
        # A proxy listens on its engine family's port (the RDS Proxy guide).
        family = values.get("engine_family")
        return _PROXY_PORTS.get(family.upper()) if isinstance(family, str) else None
    if resource_type in ("aws_opensearch_domain", "aws_elasticsearch_domain"):
        # 443 alone only when HTTPS is enforced; otherwise it also serves HTTP on 80.
        return 443 if first_block(values.get("domain_endpoint_options")).get("enforce_https") is True else None
    if resource_type == "aws_dax_cluster":
        # 8111 unencrypted, 9111 with TLS (the DAX developer guide); it has no port setting.
        encryption = values.get("cluster_endpoint_encryption_type")
        return 9111 if encryption == "TLS" else 8111 if encryption in (None, "NONE") else None
    port = values.get("port")
    if port is not None:
        return to_port(single(port))
    if resource_type in _DEFAULT_PORTS:
        return _DEFAULT_PORTS[resource_type]
    if resource_type == "aws_redshift_cluster":
        return 5439
    if resource_type == "aws_elasticache_replication_group":
        engine = values.get("engine") or "redis"
    else:
        engine = values.get("engine")
    if not isinstance(engine, str):
        return None
    engine = engine.lower()
    return next((port for prefix, port in _ENGINE_PORTS if engine.startswith(prefix)), None)


def _attached_groups(lookup: Lookup, model: Model) -> dict[str, list[Any]]:
    """Groups added to an interface by aws_network_interface_sg_attachment, by owner address."""
    attached: dict[str, list[Any]] = {}
    primary = {r.values.get("primary_network_interface_id"): r.address for r in lookup.of_type("aws_instance")}
    for resource in lookup.of_type("aws_network_interface_sg_attachment"):
        interface = single(resource.values.get("network_interface_id"))
        owner = lookup.find(interface, "aws_network_interface", "aws_instance")
        if owner is None and isinstance(interface, str):
            owner = primary.get(interface)
        if owner is None:
            model.notes.append(f"{resource.address}: the network interface it attaches to is not resolved")
            continue
        attached.setdefault(owner, []).extend(as_list(resource.values.get("security_group_id")))
    return attached


def _launch_template(lookup: Lookup, reference: Any, subnets: list[Any]) -> tuple[list[Any], list[Any]]:
    """The groups a launch template gives its instances, and their subnets (the caller's first)."""
    address = lookup.find(reference, "aws_launch_template")
    if address is None:
        return [Unknown("its launch template is not resolved")], subnets
    values = lookup.resources[address].values
    groups = as_list(values.get("vpc_security_group_ids"))
    template_subnets: list[Any] = []
    for interface in as_list(values.get("network_interfaces")):
        if isinstance(interface, dict):
            groups += as_list(interface.get("security_groups"))
            template_subnets += as_list(interface.get("subnet_id"))
    groups += [group_by_name(lookup, name) for name in as_list(values.get("security_group_names")) if name]
    return groups, subnets or template_subnets


def _instance(lookup: Lookup, model: Model, resource: Resource, attached: list[Any]) -> None:
    values = resource.values
    groups = as_list(values.get("vpc_security_group_ids"))
    subnets = as_list(values.get("subnet_id"))
    if not groups:
        groups = [group_by_name(lookup, name) for name in as_list(values.get("security_groups")) if name]
    for interface in as_list(values.get("network_interface")):
        eni = lookup.find(interface.get("network_interface_id") if isinstance(interface, dict) else None,
                          "aws_network_interface")
        if eni:
            groups += as_list(lookup.resources[eni].values.get("security_groups"))
            subnets += as_list(lookup.resources[eni].values.get("subnet_id"))
        elif isinstance(interface, dict):
            groups.append(Unknown("a network interface not created by this configuration"))
    template = first_block(values.get("launch_template"))
    if not groups and template:
        groups, subnets = _launch_template(lookup, template.get("id") or template.get("name"), subnets)
    private_ips = [ip for ip in as_list(values.get("private_ip")) if isinstance(ip, str)]
    add_endpoint(lookup, model, resource, groups + attached, subnets, private_ips)


def _auto_scaling_group(lookup: Lookup, model: Model, resource: Resource) -> None:
    values = resource.values
    subnets = as_list(values.get("vpc_zone_identifier"))
    template = first_block(values.get("launch_template"))
    reference = (template.get("id") or template.get("name")) if template else None
    policy = first_block(values.get("mixed_instances_policy"))
    if policy:
        spec = first_block(first_block(policy.get("launch_template")).get("launch_template_specification"))
        reference = spec.get("launch_template_id") or spec.get("launch_template_name")
    if reference is not None:
        groups, subnets = _launch_template(lookup, reference, subnets)
    elif values.get("launch_configuration") is not None:
        configuration = lookup.find(values.get("launch_configuration"), "aws_launch_configuration")
        groups = (as_list(lookup.resources[configuration].values.get("security_groups")) if configuration
                  else [Unknown("its launch configuration is not resolved")])
    else:
        groups = [Unknown("no launch template or configuration found")]
    add_endpoint(lookup, model, resource, groups, subnets)


def _node_group(lookup: Lookup, model: Model, resource: Resource) -> None:
    """An EKS managed node group's nodes carry its launch template's groups; a template that sets
    none, or no template, gives them the cluster security group EKS creates (the EKS user guide).
    The cluster's `vpc_config.security_group_ids` go on the control plane's interfaces only."""
    values = resource.values
    subnets = as_list(values.get("subnet_ids"))
    template = first_block(values.get("launch_template"))
    groups: list[Any] = []
    if template:
        groups, subnets = _launch_template(lookup, template.get("id") or template.get("name"), subnets)
    if not groups:
        groups = [Unknown("the cluster security group EKS creates, whose rules are not in this configuration")]
        if first_block(values.get("remote_access")):
            groups.append(Unknown("the group EKS creates for remote access"))
    add_endpoint(lookup, model, resource, groups, subnets, default_group=False)
