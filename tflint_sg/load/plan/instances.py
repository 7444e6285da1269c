"""What a plan knows that a reading of its source alone may not: which instances of each
resource and module call exist, and what its data sources read.

A source directory read beside its plan takes these as inputs (see `load_directory`'s
`planned`): a `count` over a data source's result, or a `for_each` over a value known only at
plan time, expands to the instances the plan holds, and `data.x.y.attr` reads the plan's value.
"""

from __future__ import annotations

from typing import Any, Iterator

from tflint_sg.addresses import join, key_value, parent_module, parse_resource_address, split_key, split_steps, strip_keys
from tflint_sg.load.plan.format import ConfigModule, Plan, StateModule, StateResource
from tflint_sg.load.plan.refs import decode_raw

_MAX_DEPTH = 64


def walk_state(module: StateModule | None, depth: int = 0) -> Iterator[tuple[str, StateResource]]:
    """Every resource with its full address (Terraform 0.12's prior_state drops the module prefix)."""
    if module is None or depth > _MAX_DEPTH:
        return
    prefix = module.address or ""
    for resource in module.resources or []:
        if resource is None:
            continue
        address = resource.address or ""
        if prefix and address and not address.startswith(prefix + "."):
            address = f"{prefix}.{address}"
        yield address, resource
    for child in module.child_modules or []:
        yield from walk_state(child, depth + 1)


class PlannedInstances:
    def __init__(self, plan: Plan):
        # resource or module call address, without its key -> the keys of its instances
        self._keys: dict[str, set] = {}
        self._modules: set[str] = {""}  # module instance paths that hold something
        self._declared: set[str] = set()  # key-stripped addresses the plan's configuration has
        self._data: dict[str, Any] = {}  # data source instance -> the values it read
        self._data_raw: dict[str, Any] = {}
        # Ids and ARNs the plan knows (existing resources) -> the resource: a literal id in the
        # source names that resource, as in the plan (set by the plan reader).
        self.known_ids: dict = {}
        for address in self._addresses(plan):
            self._add(address)
        if plan.configuration is not None:
            self._declare("", plan.configuration.root_module, 0)

    def _addresses(self, plan: Plan) -> Iterator[str]:
        for address, resource in walk_state(plan.planned_values.root_module if plan.planned_values else None):
            if resource.mode == "data":
                self._data_raw.setdefault(address, resource.values)
            yield address
        prior = plan.prior_state.values.root_module if plan.prior_state and plan.prior_state.values else None
        for address, resource in walk_state(prior):
            if resource.mode == "data":  # read while planning: its values are known
                self._data_raw[address] = resource.values
                yield address
        for change in plan.resource_changes or []:
            if change is None or not change.address or change.change is None:
                continue
            if (change.change.actions or []) not in (["delete"], ["forget"]):
                yield change.address

    def _add(self, address: str) -> None:
        parsed = parse_resource_address(address)
        if not parsed.resource:
            return
        self._keys.setdefault(join(parsed.module, parsed.resource), set()).add(key_value(parsed.key))
        steps = split_steps(parsed.module) if parsed.module else []
        for end in range(2, len(steps) + 1, 2):
            name, key = split_key(steps[end - 1])
            path = ".".join(steps[:end])
            if path in self._modules:
                continue
            self._modules.add(path)
            self._keys.setdefault(join(".".join(steps[:end - 2]), f"module.{name}"), set()).add(key_value(key))

    def _declare(self, path: str, module: ConfigModule | None, depth: int) -> None:
        if module is None or depth > _MAX_DEPTH:
            return
        for resource in module.resources or []:
            if resource is not None and resource.address:
                self._declared.add(join(path, resource.address))
        for name, call in (module.module_calls or {}).items():
            if call is not None:
                child = join(path, f"module.{name}")
                self._declared.add(child)
                self._declare(child, call.module, depth + 1)

    def instance_keys(self, address: str) -> list | None:
        """The keys of the instances of a resource or module call (`module.a["k"].aws_x.y`,
        `module.a["k"].module.b`) the plan holds; [] when the plan declares it in a module
        instance that exists and makes none; None when the plan does not say."""
        keys = self._keys.get(address)
        if keys is not None:
            return sorted(keys, key=lambda key: (str(type(key)), key)) if None not in keys else None
        parent = parent_module(address)[0] if _is_module_call(address) else parse_resource_address(address).module
        if strip_keys(address) in self._declared and parent in self._modules:
            return []
        return None

    def data_values(self, address: str) -> dict | None:
        """What the data source instance at `address` read while planning, when the plan has it."""
        if address not in self._data:
            values = decode_raw(self._data_raw.get(address))
            self._data[address] = values if isinstance(values, dict) else None
        return self._data[address]


def _is_module_call(address: str) -> bool:
    steps = split_steps(address)
    return len(steps) >= 2 and steps[-2] == "module"
