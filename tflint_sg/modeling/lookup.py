"""Finding the resource a value names, and where an endpoint's addresses lie."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from tflint_sg.config import Config, Ref, Resource
from tflint_sg.model import Network
from tflint_sg.values import single

_AMBIGUOUS = ""  # a name shared by several resources of one type names none of them


class Lookup:
    def __init__(self, config: Config):
        self.config = config
        self.resources = config.resources
        self._by_type: dict[str, list[Resource]] = {}
        self._by_value: dict[tuple[str, str], str] = {}
        self._default_groups: dict[str, str] | None = None
        for resource in config.resources.values():
            self._by_type.setdefault(resource.type, []).append(resource)
            for attribute in ("id", "arn", "name", "identifier", "cluster_identifier"):
                value = resource.values.get(attribute)
                if isinstance(value, str) and value:
                    key = (resource.type, value)
                    # Group names are unique per VPC only: a shared name resolves to nothing.
                    previous = self._by_value.get(key)
                    self._by_value[key] = resource.address if previous in (None, resource.address) else _AMBIGUOUS

    def vpc_default_group(self, vpc: str | None) -> str | None:
        """The aws_default_security_group that manages a VPC's default group, if declared."""
        if self._default_groups is None:
            self._default_groups = {}
            for resource in self.of_type("aws_default_security_group"):
                owner = self.find(resource.values.get("vpc_id"), "aws_vpc")
                if owner:
                    self._default_groups.setdefault(owner, resource.address)
        return self._default_groups.get(vpc) if vpc else None

    def vpc_networks(self, vpc: str | None) -> tuple[Network, ...] | None:
        """Where every address in a VPC lies: its CIDR block, when the configuration states it
        and adds no other block to it (a secondary block or an IPAM pool could hold addresses
        outside it, so then: None, unknown). A module that was not read could add one too."""
        if vpc is None or vpc not in self.resources or self.config.opaque_modules:
            return None
        values = self.resources[vpc].values
        if self.of_type("aws_vpc_ipv4_cidr_block_association") or values.get("ipv4_ipam_pool_id"):
            return None
        block = network(values.get("cidr_block"))
        return (block,) if block is not None else None

    def of_type(self, *types: str) -> list[Resource]:
        return [resource for resource_type in types for resource in self._by_type.get(resource_type, [])]

    def find(self, value: Any, *types: str) -> str | None:
        """The address of the resource of one of `types` that a value names (Ref, id, ARN or name)."""
        value = single(value)
        if isinstance(value, Ref):
            resource = self.resources.get(value.address)
            if resource is not None and resource.type == "aws_vpc" and \
                    value.attribute == "default_security_group_id" and "aws_default_security_group" in types:
                # The VPC's default group, which an aws_default_security_group manages.
                return self.vpc_default_group(value.address)
            return value.address if resource is not None and resource.type in types else None
        if isinstance(value, str):
            for resource_type in types:
                address = self._by_value.get((resource_type, value))
                if address:
                    return address
        return None

    def subnet(self, value: Any) -> tuple[Network | None, str | None]:
        """A subnet's CIDR and the address of its VPC."""
        address = self.find(value, "aws_subnet")
        if address is None:
            return None, None
        values = self.resources[address].values
        return network(values.get("cidr_block")), self.find(values.get("vpc_id"), "aws_vpc")

    def placement(self, subnets: list[Any], private_ips: list[Any] = ()) -> tuple[tuple[Network, ...] | None, str | None]:
        """Where an endpoint's addresses lie (its private IPs, else its subnets), and its VPC."""
        networks: list[Network] = []
        vpcs: set[str] = set()
        known = bool(subnets) or bool(private_ips)
        for ip in private_ips:
            parsed = network(ip)
            if parsed is None:
                known = False
            else:
                networks.append(parsed)
        for subnet in subnets:
            parsed, vpc = self.subnet(subnet)
            if vpc:
                vpcs.add(vpc)
            if not private_ips:
                if parsed is None:
                    known = False
                else:
                    networks.append(parsed)
        vpc = next(iter(vpcs)) if len(vpcs) == 1 else None
        return (tuple(networks) if known and networks else None), vpc


def network(value: Any) -> Network | None:
    if not isinstance(value, str) or not value:
        return None
    return _parsed_network(value.strip())


@functools.lru_cache(maxsize=None)  # the same few CIDRs recur in every rule and subnet
def _parsed_network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
