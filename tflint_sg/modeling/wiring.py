"""Which compute the configuration hands a resource to: an environment variable of a Lambda
function or of an ECS task's containers that names it (its endpoint, address, DNS name)."""

from __future__ import annotations

from typing import Any

from tflint_sg.config import BuiltString, EncodedJson, Ref, Unknown
from tflint_sg.model import Model
from tflint_sg.modeling.lookup import Lookup
from tflint_sg.values import first_block


def handed_resources(lookup: Lookup, model: Model) -> dict[str, tuple[str, ...]]:
    """Each resource address some compute's environment names -> those compute endpoints,
    sorted. One walk over each environment, however many stores and endpoints there are."""
    handed: dict[str, list[str]] = {}
    for client in sorted(model.compute):
        for address in sorted(set(_named(_environment(lookup, client)))):
            handed.setdefault(address, []).append(client)
    return {address: tuple(clients) for address, clients in handed.items()}


def _environment(lookup: Lookup, address: str) -> Any:
    resource = lookup.resources[address]
    if resource.type == "aws_lambda_function":
        return first_block(resource.values.get("environment")).get("variables")
    if resource.type == "aws_ecs_service":
        task = lookup.find(resource.values.get("task_definition"), "aws_ecs_task_definition")
        return lookup.resources[task].values.get("container_definitions") if task else None
    return None


def _named(value: Any):
    """The addresses of the resources a value holds references to."""
    if isinstance(value, Ref):
        yield value.address
    elif isinstance(value, EncodedJson):
        yield from _named(value.value)
    elif isinstance(value, BuiltString):
        yield from (ref.address for ref in value.refs)
    elif isinstance(value, Unknown):
        return
    elif isinstance(value, dict):
        for item in value.values():
            yield from _named(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _named(item)
