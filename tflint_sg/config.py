"""What every loader produces: resource instances with their attribute values.

A plan and a source directory both become a `Config`, so nothing downstream knows which one it
came from. Attribute values are plain JSON-like Python values, except where the loader had to
follow a reference: there a `Ref` names the resource instance the value comes from (an SG id,
a target group ARN), and `Unknown` stands for what could not be resolved before apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


# Where a resource lists its security groups, by type: dotted paths of attributes and nested
# blocks, the one a new group is added to first.
GROUP_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "aws_instance": ("vpc_security_group_ids", "security_groups"),
    "aws_launch_template": ("vpc_security_group_ids", "network_interfaces.security_groups"),
    "aws_launch_configuration": ("security_groups",),
    "aws_ecs_service": ("network_configuration.security_groups",),
    "aws_lambda_function": ("vpc_config.security_group_ids",),
    "aws_db_instance": ("vpc_security_group_ids",),
    "aws_rds_cluster": ("vpc_security_group_ids",),
    "aws_redshift_cluster": ("vpc_security_group_ids",),
    "aws_elasticache_cluster": ("security_group_ids",),
    "aws_elasticache_replication_group": ("security_group_ids",),
    "aws_lb": ("security_groups",),
    "aws_alb": ("security_groups",),
    "aws_elb": ("security_groups",),
    "aws_efs_mount_target": ("security_groups",),
    "aws_db_proxy": ("vpc_security_group_ids",),
    "aws_docdb_cluster": ("vpc_security_group_ids",),
    "aws_neptune_cluster": ("vpc_security_group_ids",),
    "aws_memorydb_cluster": ("security_group_ids",),
    "aws_dax_cluster": ("security_group_ids",),
    "aws_opensearch_domain": ("vpc_options.security_group_ids",),
    "aws_elasticsearch_domain": ("vpc_options.security_group_ids",),
    "aws_msk_cluster": ("broker_node_group_info.security_groups",),
    "aws_msk_serverless_cluster": ("vpc_config.security_group_ids",),
    "aws_mq_broker": ("security_groups",),
    "aws_vpc_endpoint": ("security_group_ids",),
}


@dataclass(frozen=True, order=True)
class Ref:
    """The value is an attribute (`id`, `arn`, ...) of the resource instance at `address`."""

    address: str
    attribute: str = "id"


@dataclass(frozen=True)
class Unknown:
    """A value the configuration does not determine; `reason` says why, for --verbose notes.

    `symbol` names the one value every reading of it sees, when the configuration shows that
    they all read the same one: `var.app_port` of a root variable given no value, in the root or
    passed down to a module. Two unknowns with one symbol hold equal values as a number attribute
    (a port) reads them; nothing is known about unknowns with different symbols.
    """

    reason: str
    symbol: str | None = None

    def __bool__(self) -> bool:  # an unknown never passes for a true flag
        return False

    def part(self, step: str) -> Unknown:
        """An attribute or element of this value (`step` is `.port` or `["web"]`): one value
        wherever it is read, when this one is."""
        return self if self.symbol is None else Unknown(self.reason, self.symbol + step)


@dataclass(frozen=True, eq=False)
class BuiltString(Unknown):
    """A string built from values known only after apply
    (`"https://${aws_vpc_endpoint.sqs.dns_entry[0].dns_name}"`): its text is not known, but the
    resources whose values it holds are."""

    refs: tuple[Ref, ...] = ()


class LeftToOthers(Unknown):
    """An attribute under `lifecycle { ignore_changes }`: whatever changes it is not this
    configuration (an Auto Scaling group's `target_group_arns`, managed by attachments)."""


@dataclass(frozen=True, eq=False)
class EncodedJson(Unknown):
    """`jsonencode` of a value with parts unknown until apply: the text is not known, but the
    parts that are (a container's port mappings beside an image tag from a new repository) still
    read, and `jsondecode` gives the value back."""

    value: Any = None


class Resolved(list):
    """Values a plan left unknown, rebuilt from the configuration's references: a reading of the
    source may replace them, while the plan's known values are Terraform's own answer."""


@dataclass
class Resource:
    address: str  # the instance address, as Terraform prints it: module.a["k"].aws_x.y[0]
    type: str  # canonical type name (legacy aws_alb* names mapped to aws_lb*)
    values: dict[str, Any]
    module: str = ""  # the module instance path: "" for the root, module.a["k"] otherwise
    # The attributes the configuration sets (None: not known). A plan's values for an existing
    # resource also hold what AWS reports, e.g. inline rules that mirror standalone rule resources.
    declared: frozenset[str] | None = None


@dataclass
class Config:
    source: str  # the path the user named
    # For a plan, the directory of `.tf` files its findings point at, once it has been read.
    source_directory: str | None = None
    resources: dict[str, Resource] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the loader could not read or resolve
    warnings: list[str] = field(default_factory=list)  # shown on standard error even without --verbose
    # Where the run's instance budget ran out: what lies past it (rule resources among it) is
    # missing, so no group's rules are known to be complete.
    expansion_cut_at: str | None = None
    # Resources of CHECKED_TYPES left out because their count or for_each is unknown until
    # apply: address (without the instance key) -> why.
    not_expanded: dict[str, str] = field(default_factory=dict)
    # Where things are declared, when the source is at hand: resource instance address -> its
    # block, and module instance path (module.a["k"]) -> its module call block.
    spans: dict[str, Any] = field(default_factory=dict)
    call_spans: dict[str, Any] = field(default_factory=dict)
    # Security groups and VPCs whose id (or a VPC's default_security_group_id) a module
    # instance's output gives: (address, attribute) -> [(module instance path, output name)],
    # for a fix to name them from the calling module.
    id_outputs: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    # For a resource of a module `terraform init` installed: the module's variable that its
    # security groups come from, and whether that variable's default is empty (where a fix
    # written at the module's call adds a group). Resource instance address -> (name, empty).
    group_variables: dict[str, tuple[str, bool]] = field(default_factory=dict)
    # The Terraform files the source was read from (every module's, installed ones too), sorted:
    # their annotations are checked even where no finding points.
    files: list[str] = field(default_factory=list)
    variables: dict[str, Any] | None = None  # the root module's variable values a plan recorded
    # Security groups that something other than a rule mentions (attaches, or passes to a module
    # or output), as (module path without instance keys, "aws_security_group.name"); None when the
    # loader cannot tell. A module in `opaque_modules` may use any of its groups unseen.
    group_uses: set[tuple[str, str]] | None = None
    opaque_modules: set[str] = field(default_factory=set)
    # Literal strings those same places hold: a group can be attached by its name.
    strings_used: set[str] = field(default_factory=set)



LEGACY_TYPES = {
    "aws_alb": "aws_lb",
    "aws_alb_listener": "aws_lb_listener",
    "aws_alb_listener_rule": "aws_lb_listener_rule",
    "aws_alb_target_group": "aws_lb_target_group",
    "aws_alb_target_group_attachment": "aws_lb_target_group_attachment",
}

# The resource types the model reads; a loader may skip every other type.
NETWORK_TYPES = frozenset(
    {
        "aws_vpc",
        "aws_vpc_ipv4_cidr_block_association",
        "aws_subnet",
        "aws_network_acl",
        "aws_network_acl_rule",
        "aws_default_network_acl",
        "aws_network_acl_association",
        "aws_db_subnet_group",
        "aws_elasticache_subnet_group",
        "aws_redshift_subnet_group",
        "aws_security_group",
        "aws_default_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_instance",
        "aws_launch_template",
        "aws_launch_configuration",
        "aws_autoscaling_group",
        "aws_eks_node_group",
        "aws_eks_cluster",
        "aws_eks_addon",
        "aws_autoscaling_attachment",
        "aws_autoscaling_traffic_source_attachment",
        "aws_network_interface",
        "aws_network_interface_sg_attachment",
        "aws_lb",
        "aws_elb",
        "aws_lb_listener",
        "aws_lb_listener_rule",
        "aws_lb_target_group",
        "aws_lb_target_group_attachment",
        "aws_ecs_service",
        "aws_ecs_task_definition",
        "aws_ecs_capacity_provider",
        "aws_ecs_cluster",
        "aws_ecs_cluster_capacity_providers",
        "aws_lambda_function",
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_elasticache_cluster",
        "aws_elasticache_replication_group",
        "aws_efs_mount_target",
        "aws_redshift_cluster",
        "aws_redshift_endpoint_access",
        "aws_db_proxy",
        "aws_db_proxy_target",
        "aws_docdb_cluster",
        "aws_docdb_subnet_group",
        "aws_neptune_cluster",
        "aws_neptune_subnet_group",
        "aws_memorydb_cluster",
        "aws_memorydb_subnet_group",
        "aws_dax_cluster",
        "aws_dax_subnet_group",
        "aws_opensearch_domain",
        "aws_elasticsearch_domain",
        "aws_msk_cluster",
        "aws_msk_serverless_cluster",
        "aws_vpc_endpoint",
        "aws_vpc_endpoint_security_group_association",
        "aws_vpc_endpoint_subnet_association",
        "aws_mq_broker",
    }
)


# Resources whose absence changes which checks run: an endpoint, a load balancer or what wires
# it to its targets. One of them that may not exist is a check not decided, never silence.
CHECKED_TYPES = frozenset({
    "aws_instance", "aws_autoscaling_group", "aws_autoscaling_attachment", "aws_autoscaling_traffic_source_attachment",
    "aws_network_interface", "aws_lb", "aws_elb", "aws_lb_listener", "aws_lb_listener_rule", "aws_lb_target_group",
    "aws_lb_target_group_attachment", "aws_ecs_service", "aws_lambda_function", "aws_db_instance", "aws_rds_cluster",
    "aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_efs_mount_target", "aws_redshift_cluster",
    "aws_opensearch_domain", "aws_elasticsearch_domain", "aws_db_proxy", "aws_db_proxy_target",
    "aws_docdb_cluster", "aws_neptune_cluster", "aws_memorydb_cluster", "aws_dax_cluster",
    "aws_msk_cluster", "aws_msk_serverless_cluster", "aws_mq_broker", "aws_eks_node_group",
    "aws_vpc_endpoint",
})


def canonical_type(resource_type: str | None) -> str:
    return LEGACY_TYPES.get(resource_type or "", resource_type or "")
