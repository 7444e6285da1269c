"""Interface VPC endpoints: their groups, subnets and service, whether private DNS sends the
service's calls to them, and which compute the configuration hands them to."""

from __future__ import annotations

import re
from typing import Any

from tflint_sg.addresses import parse_resource_address
from tflint_sg.config import BuiltString, Ref
from tflint_sg.model import InterfaceEndpoint, Model
from tflint_sg.modeling.endpoints import add_endpoint
from tflint_sg.modeling.lookup import Lookup
from tflint_sg.modeling.wiring import handed_resources
from tflint_sg.values import as_list, first_block, task_containers

# AWS services take an interface endpoint's calls over HTTPS (the PrivateLink guide).
SERVICE_PORT = 443


def build_interface_endpoints(lookup: Lookup, model: Model) -> None:
    added_groups: dict[str, list[Any]] = {}
    for association in lookup.of_type("aws_vpc_endpoint_security_group_association"):
        owner = lookup.find(association.values.get("vpc_endpoint_id"), "aws_vpc_endpoint")
        if owner:
            added_groups.setdefault(owner, []).append(association.values.get("security_group_id"))
    added_subnets: dict[str, list[Any]] = {}
    for association in lookup.of_type("aws_vpc_endpoint_subnet_association"):
        owner = lookup.find(association.values.get("vpc_endpoint_id"), "aws_vpc_endpoint")
        if owner:
            added_subnets.setdefault(owner, []).append(association.values.get("subnet_id"))
    starting_needs = _starting_needs(lookup, model)
    handed = handed_resources(lookup, model) if lookup.of_type("aws_vpc_endpoint") else {}
    for resource in lookup.of_type("aws_vpc_endpoint"):
        values = resource.values
        kind = values.get("vpc_endpoint_type")
        if kind is None:
            kind = "Gateway"  # the provider's default; gateway endpoints have no interfaces
        if not isinstance(kind, str):
            model.notes.append(f"{resource.address}: its endpoint type is not known; not checked")
            continue
        if kind.lower() != "interface":
            continue
        groups = as_list(values.get("security_group_ids")) + added_groups.get(resource.address, [])
        subnets = as_list(values.get("subnet_ids")) + added_subnets.get(resource.address, [])
        # Without groups, AWS gives the endpoint its VPC's default group.
        endpoint = add_endpoint(lookup, model, resource, groups, subnets)
        endpoint.spread = True  # an interface in each subnet; clients use the one DNS picks
        service = values.get("service_name")
        port, why = SERVICE_PORT, None
        if not isinstance(service, str):
            port, why, service = None, "its service name is not known", "its service"
        elif not service.startswith(("com.amazonaws.", "aws.sagemaker.")):
            port, why = None, "it is an endpoint service of another account, whose port is that service's"
        elif service.split(".", 3)[-1] in _OTHER_PORTS:
            port, why = None, f"{service} takes connections on ports of its own, not only on 443"
        private_dns = values.get("private_dns_enabled")
        if private_dns is None:
            private_dns = False  # the provider's default
        callers = dict.fromkeys(handed.get(resource.address, ()), "its environment names the endpoint")
        vpc = lookup.find(values.get("vpc_id"), "aws_vpc")
        if private_dns is True and port is not None:
            parts = service.split(".", 3)
            region, suffix = (parts[2], parts[3]) if len(parts) == 4 else (None, parts[-1])
            for task, (task_vpc, needs) in sorted(starting_needs.items()):
                why_needed, needed_in = needs.get(suffix, (None, None))
                if why_needed and task_vpc == vpc and vpc is not None and needed_in in (None, region):
                    callers.setdefault(task, why_needed + ", which private DNS sends to the endpoint")
        model.interface_endpoints[resource.address] = InterfaceEndpoint(
            resource.address, service, port, why, private_dns if isinstance(private_dns, bool) else None,
            tuple(sorted(callers.items())), lookup.vpc_networks(vpc))


# AWS services whose interface endpoints take connections on other ports than 443: Amazon
# Keyspaces (9142), SES SMTP (25, 587, 465, 2465, 2587), Transfer Family servers (22), Storage
# Gateway and DataSync agents (their activation and data ports).
_OTHER_PORTS = frozenset({"cassandra", "cassandra-fips", "email-smtp", "transfer.server", "storagegateway",
                          "datasync"})

# A Fargate task (platform 1.4.0 and later) makes these calls from its own network interface,
# with its own security groups, before its containers start (the Amazon ECS developer guide).
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/")


def _starting_needs(lookup: Lookup, model: Model) -> dict[str, tuple[str | None, dict[str, tuple[str, str | None]]]]:
    """Each Fargate service's and EKS managed node group's VPC, and the services its tasks or
    nodes call to start: endpoint service suffix (`ecr.dkr`) -> what for, and the region the
    configuration says the call goes to (None: its own)."""
    found = {}
    for resource in lookup.of_type("aws_ecs_service"):
        values = resource.values
        if resource.address not in model.compute or not _on_fargate(values):
            continue
        task = lookup.find(values.get("task_definition"), "aws_ecs_task_definition")
        containers = task_containers(lookup.resources[task].values.get("container_definitions")) if task else None
        needs: dict[str, tuple[str, str | None]] = {}  # suffix -> (what for, the region called, if said)
        for container in containers or []:
            image = container.get("image")
            pulled = _ECR_IMAGE.match(image) if isinstance(image, str) else None
            if pulled or isinstance(image, BuiltString) and any(_is(ref, "aws_ecr_repository") for ref in image.refs):
                for suffix in ("ecr.api", "ecr.dkr"):
                    needs.setdefault(suffix, ("its tasks pull their image from ECR", pulled and pulled[1]))
            logging = first_block(container.get("logConfiguration"))
            if logging.get("logDriver") == "awslogs":
                options = logging.get("options") if isinstance(logging.get("options"), dict) else {}
                region = options.get("awslogs-region")
                needs.setdefault("logs", ("its tasks send their logs to CloudWatch Logs (awslogs)",
                                          region if isinstance(region, str) else None))
            for secret in as_list(container.get("secrets")):
                source = secret.get("valueFrom") if isinstance(secret, dict) else None
                region = source.split(":")[3] if isinstance(source, str) and source.startswith("arn:") and \
                    source.count(":") >= 4 else None
                if isinstance(source, str) and source.startswith("arn:aws:secretsmanager:") or \
                        _is(source, "aws_secretsmanager_secret", "aws_secretsmanager_secret_version"):
                    needs.setdefault("secretsmanager", ("its tasks read secrets from Secrets Manager", region))
                elif isinstance(source, str) and not source.startswith("arn:") or \
                        isinstance(source, str) and source.startswith("arn:aws:ssm:") or \
                        _is(source, "aws_ssm_parameter"):
                    needs.setdefault("ssm", ("its tasks read parameters from Systems Manager", region))
        subnets = as_list(first_block(values.get("network_configuration")).get("subnets"))
        if needs:
            found[resource.address] = (lookup.placement(subnets)[1], needs)
    for resource in lookup.of_type("aws_eks_node_group"):
        add_ons = _cluster_add_ons(lookup, resource.values.get("cluster_name"))
        if resource.address in model.compute and add_ons:
            # A node pulls the cluster's own images (the VPC CNI, kube-proxy) from ECR, and the
            # VPC CNI calls EC2 for its addresses (the EKS guide's private cluster requirements).
            needs = {"ecr.api": (_NODE_IMAGES, None), "ecr.dkr": (_NODE_IMAGES, None)}
            if "vpc-cni" in add_ons:
                needs["ec2"] = ("the VPC CNI on its nodes calls EC2 to assign pod addresses", None)
            found[resource.address] = (lookup.placement(as_list(resource.values.get("subnet_ids")))[1], needs)
    return found


def _cluster_add_ons(lookup: Lookup, cluster_name: Any) -> set[str]:
    """The add-ons a cluster runs on its nodes: the ones EKS installs itself (VPC CNI,
    kube-proxy, CoreDNS) unless `bootstrap_self_managed_addons = false`, and its aws_eks_addon
    resources. Empty when that is not known."""
    cluster = lookup.find(cluster_name, "aws_eks_cluster")
    bootstrap = lookup.resources[cluster].values.get("bootstrap_self_managed_addons") if cluster else None
    if cluster is None or bootstrap is None:
        bootstrap = True  # the provider's default
    if not isinstance(bootstrap, bool):
        return set()
    add_ons = {"vpc-cni", "kube-proxy", "coredns"} if bootstrap else set()
    for add_on in lookup.of_type("aws_eks_addon"):
        named = add_on.values.get("addon_name")
        if cluster is not None and lookup.find(add_on.values.get("cluster_name"), "aws_eks_cluster") == cluster \
                and isinstance(named, str):
            add_ons.add(named)
    return add_ons


_NODE_IMAGES = "its nodes pull the cluster's system images (VPC CNI, kube-proxy) from ECR"


def _on_fargate(values: dict) -> bool:
    platform = values.get("platform_version")
    if isinstance(platform, str) and platform.startswith("1.3"):
        return False  # before 1.4.0 these calls left from an interface of AWS's
    if values.get("launch_type") == "FARGATE":
        return True
    strategy = [item.get("capacity_provider") for item in as_list(values.get("capacity_provider_strategy"))
                if isinstance(item, dict)]
    return bool(strategy) and all(provider in ("FARGATE", "FARGATE_SPOT") for provider in strategy)


def _is(value: Any, *types: str) -> bool:
    """Whether the value is an attribute of a resource of one of `types` (which the model need
    not read: a repository's URL, a secret's ARN)."""
    return isinstance(value, Ref) and parse_resource_address(value.address).resource.split(".")[0] in types
