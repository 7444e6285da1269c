"""The parts of `terraform show -json` output that tflint-sg reads, as typed msgspec structs.

Decoding into these structs skips every field not named here, and resource values stay raw
JSON (`msgspec.Raw`) until the loader knows the resource's type matters to the network, so a
plan of tens of MB is never built as a tree of dicts. Every field may be absent or null.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Struct(msgspec.Struct, forbid_unknown_fields=False, omit_defaults=True):
    pass


class StateResource(Struct):
    address: str | None = None
    mode: str | None = None
    type: str | None = None
    values: msgspec.Raw = msgspec.Raw(b"null")


class StateModule(Struct):
    address: str | None = None
    resources: list[StateResource | None] | None = None
    child_modules: list[StateModule | None] | None = None


class StateValues(Struct):
    root_module: StateModule | None = None


class PriorState(Struct):
    values: StateValues | None = None


class Change(Struct):
    actions: list[str | None] | None = None
    after: msgspec.Raw = msgspec.Raw(b"null")
    after_unknown: msgspec.Raw = msgspec.Raw(b"null")


class ResourceChange(Struct):
    address: str | None = None
    mode: str | None = None
    type: str | None = None
    change: Change | None = None


class Expression(Struct):
    references: list[Any] | None = None
    constant_value: Any = None


class ConfigResource(Struct):
    address: str | None = None
    expressions: msgspec.Raw = msgspec.Raw(b"null")
    count_expression: Expression | None = None
    for_each_expression: Expression | None = None


class ConfigOutput(Struct):
    expression: msgspec.Raw = msgspec.Raw(b"null")


class ModuleCall(Struct):
    expressions: msgspec.Raw = msgspec.Raw(b"null")
    for_each_expression: Expression | None = None
    module: ConfigModule | None = None


class ConfigVariable(Struct):
    # Absent when the variable has no default (a caller must set it); JSON null is a null default.
    default: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


class ConfigModule(Struct):
    resources: list[ConfigResource | None] | None = None
    module_calls: dict[str, ModuleCall | None] | None = None
    outputs: dict[str, ConfigOutput | None] | None = None
    variables: dict[str, ConfigVariable | None] | None = None


class Configuration(Struct):
    root_module: ConfigModule | None = None


class Variable(Struct):
    value: Any = None


class Plan(Struct):
    format_version: str | None = None
    planned_values: StateValues | None = None
    resource_changes: list[ResourceChange | None] | None = None
    prior_state: PriorState | None = None
    configuration: Configuration | None = None
    variables: dict[str, Variable | None] | None = None
    # Present in state (`terraform show -json` without a plan, or a raw .tfstate), never in plans.
    values: msgspec.Raw = msgspec.Raw(b"null")
    lineage: str | None = None
