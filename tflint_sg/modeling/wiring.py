"""Which compute the configuration hands a resource to: an environment variable of a Lambda
function or of an ECS task's containers that names it (its endpoint, address, DNS name)."""

from __future__ import annotations

from typing import Any

from tflint_sg.config import BuiltString, EncodedJson, Ref, Unknown
from tflint_sg.model import Model
from tflint_sg.modeling.lookup import Lookup
from tflint_sg.values import first_block


def environment_naming(lookup: Lookup, model: Model, address: str) -> tuple[str, ...]:
    """The compute endpoints whose environment names the resource at `address`, sorted."""
    return tuple(client for client in sorted(model.compute) if _mentions(_environment(lookup, client), address))


def _environment(lookup: Lookup, address: str) -> Any:
    resource = lookup.resources[address]
    if resource.type == "aws_lambda_function":
        return first_block(resource.values.get("environment")).get("variables")
    if resource.type == "aws_ecs_service":
        task = lookup.find(resource.values.get("task_definition"), "aws_ecs_task_definition")
        return lookup.resources[task].values.get("container_definitions") if task else None
    return None


def _mentions(value: Any, address: str) -> bool:
    if isinstance(value, Ref):
        return value.address == address
    if isinstance(value, EncodedJson):
        return _mentions(value.value, address)
    if isinstance(value, BuiltString):
        return any(ref.address == address for ref in value.refs)
    if isinstance(value, Unknown):
        return False
    if isinstance(value, dict):
        return any(_mentions(item, address) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_mentions(item, address) for item in value)
    return False
