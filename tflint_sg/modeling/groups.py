"""Security groups and their rules, from all four ways Terraform declares them."""

from __future__ import annotations

from typing import Any

from tflint_sg.addresses import parse_resource_address
from tflint_sg.modeling.lookup import Lookup, network
from tflint_sg.config import Ref, Resource, Unknown
from tflint_sg.model import EGRESS, INGRESS, Model, Network, Rule, SecurityGroup
from tflint_sg.values import as_list, to_port, unknown_reasons, written

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


def build_groups(lookup: Lookup, model: Model) -> None:
    groups = model.groups
    for resource in lookup.of_type(*GROUP_TYPES):
        group = SecurityGroup(
            resource.address,
            vpc=lookup.find(resource.values.get("vpc_id"), "aws_vpc"),
            name=resource.values.get("name") if isinstance(resource.values.get("name"), str) else None,
            is_vpc_default=resource.type == "aws_default_security_group",
        )
        for direction in (INGRESS, EGRESS):
            blocks = resource.values.get(direction)
            if isinstance(blocks, Unknown):
                group.inline_unknown.add(direction)
                group.incomplete[direction] = f"inline {direction} rules unknown until apply: {blocks.reason}"
                continue
            for block in as_list(blocks):
                if isinstance(block, dict):
                    group.rules.append(rule_from_block(lookup, block, resource.address, direction, resource.address))
                else:
                    group.inline_unknown.add(direction)
                    group.incomplete[direction] = f"an inline {direction} rule is unknown until apply"
        groups[resource.address] = group

    standalone: dict[str, set[str]] = {}
    for resource in lookup.of_type(*STANDALONE_RULE_TYPES):
        for rule in standalone_rules(lookup, model, resource):
            if rule.group in groups:
                groups[rule.group].rules.append(rule)
                standalone.setdefault(rule.group, set()).add(rule.direction)
            else:
                model.floating_rules.append(rule)
    for address, directions in standalone.items():
        _settle_inline(groups[address], lookup.resources[address], directions)


def _settle_inline(group: SecurityGroup, resource: Resource, directions: set[str]) -> None:
    """A group that also has standalone rules: decide what its inline rules mean."""
    for direction in directions:
        if resource.declared is not None and direction not in resource.declared:
            # No inline block in the configuration: an inline rule the plan lists that repeats a
            # standalone rule is AWS's view of it, already counted once. (Older plans leave inline
            # blocks out of the configuration, so a rule that repeats nothing is kept.)
            standalone = {_shape(r) for r in group.rules if r.direction == direction and r.declared_by != group.address}
            group.rules = [r for r in group.rules if not (r.direction == direction and r.declared_by == group.address
                                                          and _shape(r) in standalone)]
        declared_inline = resource.declared is not None and direction in resource.declared
        if declared_inline or any(r.declared_by == group.address for r in group.rules_in(direction)):
            # Inline rules, even `ingress = []`, make Terraform remove the standalone ones.
            group.mixed_directions.add(direction)
            group.uncertain[direction] = (
                f"{group.address} mixes inline {direction} rules with standalone rule resources; "
                "Terraform overwrites one with the other"
            )
        elif direction in group.inline_unknown:
            # Standalone rules own this direction, so no inline block set it.
            group.inline_unknown.discard(direction)
            group.incomplete.pop(direction, None)


def _shape(rule: Rule) -> tuple:
    return (rule.protocol, rule.from_port, rule.to_port, frozenset(rule.cidrs), frozenset(rule.groups),
            rule.self_ref, frozenset(rule.prefix_lists))


def rule_from_block(lookup: Lookup, block: dict, group: str, direction: str, declared_by: str) -> Rule:
    """An inline `ingress`/`egress` block, or an `aws_security_group_rule` (same field names)."""
    return make_rule(
        lookup, group, direction, block.get("protocol"), block.get("from_port"), block.get("to_port"),
        cidr_values=as_list(block.get("cidr_blocks")) + as_list(block.get("ipv6_cidr_blocks")),
        group_values=as_list(block.get("security_groups")) + as_list(block.get("source_security_group_id")),
        prefix_lists=as_list(block.get("prefix_list_ids")),
        self_ref=block.get("self") is True,
        declared_by=declared_by,
    )


def make_rule(lookup: Lookup, group: str, direction: str, protocol_value: Any, from_value: Any, to_value: Any, *,
              cidr_values: list[Any], group_values: list[Any], prefix_lists: list[Any],
              self_ref: bool, declared_by: str) -> Rule:
    cidrs, unresolved = _cidrs(lookup, cidr_values)
    peers, peer_unresolved = group_list(lookup, group_values)
    protocol = normalize_protocol(protocol_value)
    return Rule(
        group=group,
        direction=direction,
        protocol=protocol,
        from_port=0 if protocol == "all" else to_port(from_value),
        to_port=65535 if protocol == "all" else to_port(to_value),
        cidrs=cidrs,
        groups=peers,
        self_ref=self_ref,
        prefix_lists=tuple(str(p) for p in prefix_lists if p),
        unresolved=unresolved + peer_unresolved,
        declared_by=declared_by,
    )


def standalone_rules(lookup: Lookup, model: Model, resource: Resource) -> list[Rule]:
    """The rule a standalone rule resource adds (with group "" when its group is unresolved)."""
    values = resource.values
    group = lookup.find(values.get("security_group_id"), *GROUP_TYPES) or ""
    if not group:
        why = "; ".join(unknown_reasons(values.get("security_group_id"))) or "it names no group of this configuration"
        model.notes.append(
            f"{resource.address}: the security group it adds a rule to is not resolved ({why}); "
            "it may belong to any group, so no group is judged to block what it allows"
        )
    if resource.type == "aws_security_group_rule":
        direction = values.get("type")
        if direction in (INGRESS, EGRESS):
            return [rule_from_block(lookup, values, group, direction, resource.address)]
        # Either direction: the group may hold more rules than we can place.
        reason = f"{resource.address}: its type (ingress or egress) is unknown until apply"
        model.notes.append(reason)
        if group in model.groups:
            model.groups[group].incomplete.update({INGRESS: reason, EGRESS: reason})
            return []
        return [rule_from_block(lookup, values, "", side, resource.address) for side in (INGRESS, EGRESS)]
    direction = INGRESS if resource.type.endswith("ingress_rule") else EGRESS
    return [make_rule(
        lookup, group, direction, values.get("ip_protocol"), values.get("from_port"), values.get("to_port"),
        cidr_values=as_list(values.get("cidr_ipv4")) + as_list(values.get("cidr_ipv6")),
        group_values=as_list(values.get("referenced_security_group_id")),
        prefix_lists=as_list(values.get("prefix_list_id")),
        self_ref=False,
        declared_by=resource.address,
    )]


def _cidrs(lookup: Lookup, values: list[Any]) -> tuple[tuple[Network, ...], tuple[str, ...]]:
    networks: list[Network] = []
    unresolved: list[str] = []
    for value in values:
        if isinstance(value, Ref):
            resource = lookup.resources.get(value.address)
            attribute = value.attribute if value.attribute != "id" else "cidr_block"
            known = resource.values.get(attribute) if resource else None
            # What the configuration does not give is known only after apply, never nothing.
            value = known if known is not None else Unknown(f"{value.address}.{attribute}: known only after apply")
        parsed = network(value)
        if parsed is not None:
            networks.append(parsed)
        elif isinstance(value, Unknown):
            unresolved.append(f"CIDR unknown until apply ({value.reason})")
        elif value is not None:
            unresolved.append(f"CIDR {written(value)} not understood")
    return tuple(networks), tuple(unresolved)


def group_list(lookup: Lookup, values: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Security groups named by a list of ids: resolved addresses, and what stayed unresolved."""
    groups: list[str] = []
    unresolved: list[str] = []
    for value in values:
        if value is None or value == "":
            continue
        address = lookup.find(value, *GROUP_TYPES)
        if address:
            if address not in groups:
                groups.append(address)
        elif isinstance(value, Unknown):
            unresolved.append(value.reason)
        elif isinstance(value, str):
            unresolved.append(f"{value} is not created by this configuration")
        elif isinstance(value, (dict, list)):
            unresolved.append(f"{'a list' if isinstance(value, list) else 'an object'} where a security group id was "
                              f"expected: {written(value)}")
        elif isinstance(value, Ref) and value.address not in lookup.resources:
            # A group that may not exist (its count is unknown), or an attribute of a resource the
            # model does not read (an EKS cluster's own group): an id nobody here can name.
            what = "is not known to exist" if _names_a_group(value.address) else "is not modeled"
            unresolved.append(f"{value.address}.{value.attribute}: {what}")
        elif isinstance(value, Ref) and lookup.resources[value.address].type == "aws_eks_cluster":
            unresolved.append(f"{value.address}.{value.attribute}: the cluster security group EKS creates, whose "
                              "rules are not in this configuration")
        elif isinstance(value, Ref) and value.attribute == "default_security_group_id":
            unresolved.append(f"{value.address}.{value.attribute}: the VPC's default group, whose rules the "
                              "configuration does not manage (aws_default_security_group)")
        elif isinstance(value, Ref) and "security_group" in value.attribute:
            unresolved.append(f"{value.address}.{value.attribute}: a group made by another resource")
        # A Ref to a modeled resource that is not a security group (a VPC's id), a number or a
        # flag comes from a reference list shared by several attributes: it names no group.
    return tuple(groups), tuple(unresolved)


def _names_a_group(address: str) -> bool:
    resource = parse_resource_address(address).resource
    return resource.split(".")[0] in GROUP_TYPES


def group_by_name(lookup: Lookup, name: Any) -> Any:
    """`security_groups` on instances and launch templates holds names (EC2-Classic, default VPC)."""
    address = lookup.find(name, *GROUP_TYPES)
    return Ref(address) if address else Unknown(f"security group named {name!r}")
