"""Which compute the configuration hands a resource to connect to: an environment variable of a
Lambda function or of an ECS task's containers that names where it takes connections (its
endpoint, address, DNS name, bootstrap brokers)."""

from __future__ import annotations

import re
from typing import Any

from tflint_sg.config import BuiltString, EncodedJson, Ref, Unknown
from tflint_sg.model import Model
from tflint_sg.modeling.lookup import Lookup
from tflint_sg.values import first_block, task_containers


def handed_resources(lookup: Lookup, model: Model) -> dict[str, tuple[str, ...]]:
    """Each resource address some compute's environment names -> those compute endpoints,
    sorted. One walk over each environment, however many stores and endpoints there are."""
    handed: dict[str, list[str]] = {}
    for client in sorted(model.compute):
        for address in sorted(set(_named(_environment(lookup, client)))):
            handed.setdefault(address, []).append(client)
    return {address: tuple(clients) for address, clients in handed.items()}


def _environment(lookup: Lookup, address: str) -> Any:
    """A Lambda function's environment variables; an ECS task's containers' `environment`."""
    resource = lookup.resources[address]
    if resource.type == "aws_lambda_function":
        return first_block(resource.values.get("environment")).get("variables")
    if resource.type == "aws_ecs_service":
        task = lookup.find(resource.values.get("task_definition"), "aws_ecs_task_definition")
        definitions = lookup.resources[task].values.get("container_definitions") if task else None
        containers = task_containers(definitions)
        if containers is None:
            # A plan's rebuild of JSON it could not know: the references the text holds.
            return definitions if isinstance(definitions, list) else None
        return [container.get("environment") for container in containers]
    return None


# The attributes that say where a resource takes connections (a store's endpoint or address, an
# interface endpoint's DNS entries, brokers to bootstrap from). An ARN or an identifier handed to
# a tier is for API calls (the RDS Data API, snapshots), not a connection.
_CONNECTING = re.compile(r"(endpoint|address|dns|bootstrap_brokers|hostname|host)")


def _connects(ref: Ref) -> bool:
    first = re.split(r"[.\[]", ref.attribute, maxsplit=1)[0]
    return bool(_CONNECTING.search(first)) and not first.startswith("zookeeper")


def _named(value: Any):
    """The addresses of the resources a value holds connection references to."""
    if isinstance(value, Ref):
        if _connects(value):
            yield value.address
    elif isinstance(value, EncodedJson):
        yield from _named(value.value)
    elif isinstance(value, BuiltString):
        yield from (ref.address for ref in value.refs if _connects(ref))
    elif isinstance(value, Unknown):
        return
    elif isinstance(value, dict):
        for item in value.values():
            yield from _named(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _named(item)
