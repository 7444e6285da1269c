"""Network ACLs: their numbered entries and which one each subnet has.

A subnet has the network ACL associated with it (`subnet_ids` of an `aws_network_acl`, an
`aws_network_acl_association`, or `subnet_ids` of the `aws_default_network_acl`); a subnet with
none has its VPC's default ACL. A default ACL the configuration does not manage allows all
traffic (AWS creates it so); an `aws_default_network_acl` replaces its entries with the ones it
declares. A subnet whose association the configuration leaves unknown has no known ACL.
"""

from __future__ import annotations

from typing import Any

from tflint_sg.config import Ref, Resource, Unknown
from tflint_sg.model import AclRule, Model, NetworkAcl
from tflint_sg.modeling.groups import normalize_protocol
from tflint_sg.modeling.lookup import Lookup, network
from tflint_sg.values import as_list, is_unknown, to_int

ACL_TYPES = ("aws_network_acl", "aws_default_network_acl")


def build_network_acls(lookup: Lookup, model: Model) -> None:
    for resource in lookup.of_type("aws_subnet"):
        cidr = network(resource.values.get("cidr_block"))
        if cidr is not None:
            model.subnet_networks[resource.address] = cidr
        zone = resource.values.get("availability_zone") or resource.values.get("availability_zone_id")
        if isinstance(zone, str) and zone:
            model.subnet_zones[resource.address] = zone
    acls = lookup.of_type(*ACL_TYPES)
    if not acls and not lookup.of_type("aws_network_acl_rule", "aws_network_acl_association"):
        return  # every subnet has its VPC's default ACL, which allows all traffic
    for resource in acls:
        model.network_acls[resource.address] = _acl(resource)
    for resource in lookup.of_type("aws_network_acl_rule"):
        owner = lookup.find(resource.values.get("network_acl_id"), *ACL_TYPES)
        if owner is None:
            # A rule of an ACL the model does not hold may sit in any ACL: none is decided.
            for acl in model.network_acls.values():
                acl.incomplete = acl.incomplete or f"{resource.address} may belong to it (its network ACL is not resolved)"
            continue
        acl = model.network_acls[owner]
        if acl.rules and any(rule.declared_by == owner for rule in acl.rules):
            # Terraform rewrites inline entries and standalone rules of one ACL in turn.
            acl.incomplete = f"it has inline entries and {resource.address} (Terraform rewrites one with the other)"
        acl.rules.append(_entry(owner, resource.values, resource.values.get("egress") is True, resource.address,
                                action=resource.values.get("rule_action"), number=resource.values.get("rule_number")))
    _associate(lookup, model)


def _acl(resource: Resource) -> NetworkAcl:
    acl = NetworkAcl(resource.address, is_vpc_default=resource.type == "aws_default_network_acl")
    for name, egress in (("ingress", False), ("egress", True)):
        blocks = resource.values.get(name)
        if is_unknown(blocks):
            acl.incomplete = f"its {name} entries are unknown until apply"
            continue
        for block in as_list(blocks):
            if isinstance(block, dict):
                acl.rules.append(_entry(resource.address, block, egress, resource.address,
                                        action=block.get("action"), number=block.get("rule_no")))
    return acl


def _entry(acl: str, values: dict, egress: bool, declared_by: str, action: Any, number: Any) -> AclRule:
    protocol = normalize_protocol(values.get("protocol"))
    ipv6 = isinstance(values.get("ipv6_cidr_block"), str) and bool(values.get("ipv6_cidr_block")) and \
        not values.get("cidr_block")
    allow = {"allow": True, "deny": False}.get(action.lower()) if isinstance(action, str) else None
    return AclRule(acl, to_int(number), egress, protocol, to_int(values.get("from_port")),
                   to_int(values.get("to_port")), None if ipv6 else network(values.get("cidr_block")), allow,
                   declared_by, ipv6)


def _associate(lookup: Lookup, model: Model) -> None:
    """Each subnet's ACL: explicit associations first, else its VPC's default ACL."""
    chosen: dict[str, str | None] = {}
    unknown_vpcs: set[str | None] = set()  # VPCs with an association whose subnet is not known

    def associate(subnet_value: Any, acl: str | None, vpc: str | None) -> None:
        subnet = lookup.find(subnet_value, "aws_subnet")
        if subnet is None:
            unknown_vpcs.add(vpc)
        else:
            chosen[subnet] = acl if subnet not in chosen or chosen[subnet] == acl else None

    for resource in lookup.of_type(*ACL_TYPES):
        vpc = _vpc_of(lookup, resource)
        subnets = resource.values.get("subnet_ids")
        unset = resource.declared is not None and "subnet_ids" not in resource.declared
        if isinstance(subnets, Unknown) and (unset or resource.type == "aws_default_network_acl"):
            # Computed when not set: the subnets associated some other way (for the default
            # ACL, every subnet not associated with another, which is what it has anyway).
            continue
        if isinstance(subnets, Unknown) or (subnets is not None and not isinstance(subnets, list)):
            unknown_vpcs.add(vpc)
            continue
        for value in as_list(subnets):
            associate(value, resource.address, vpc)
    for resource in lookup.of_type("aws_network_acl_association"):
        acl = lookup.find(resource.values.get("network_acl_id"), *ACL_TYPES)
        associate(resource.values.get("subnet_id"), acl, None)
    defaults = {_vpc_of(lookup, resource): resource.address for resource in lookup.of_type("aws_default_network_acl")}
    for resource in lookup.of_type("aws_subnet"):
        vpc = lookup.find(resource.values.get("vpc_id"), "aws_vpc")
        if resource.address in chosen:
            model.subnet_acls[resource.address] = chosen[resource.address]
        elif vpc in unknown_vpcs or None in unknown_vpcs:
            model.subnet_acls[resource.address] = None  # an association not resolved may be this subnet's
        elif vpc in defaults or vpc is None and defaults:
            model.subnet_acls[resource.address] = defaults.get(vpc)
        # else: the VPC's default ACL, unmanaged: it allows all traffic


def _vpc_of(lookup: Lookup, resource: Resource) -> str | None:
    if resource.type == "aws_default_network_acl":
        value = resource.values.get("default_network_acl_id")
        if isinstance(value, Ref) and value.attribute == "default_network_acl_id":
            return value.address if value.address in lookup.resources else None
        return None
    return lookup.find(resource.values.get("vpc_id"), "aws_vpc")
