"""Loaders: a plan file or a source directory becomes the same `Config`."""

from __future__ import annotations

import os
from typing import Any

from tflint_sg.config import Config, Unknown
from tflint_sg.errors import InputError


def load(path: str, *, var_files: list[str] = (), var_args: list[str] = (), source: str | None = None,
         variables_in_order: list[tuple[str, str]] | None = None) -> Config:
    if os.path.isdir(path):
        from tflint_sg.load.hcl import load_directory

        return load_directory(path, var_files, var_args, variables_in_order=variables_in_order)
    from tflint_sg.load.plan import load_plan

    config = load_plan(path)
    source = source or _source_beside(path)
    if source is not None:
        attach_source(config, source)
    return config


def _source_beside(plan_path: str) -> str | None:
    directory = os.path.dirname(os.path.abspath(plan_path))
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    return directory if any(name.endswith((".tf", ".tf.json")) for name in names) else None


def attach_source(config: Config, source: str) -> None:
    """Point a plan's findings at the `.tf` lines, and let the source settle what the plan
    could only rebuild from references (a literal id beside a reference, an index computed
    from count.index)."""
    from tflint_sg.load.hcl import load_directory

    try:
        twin = load_directory(source, root_values=config.variables or {})
    except InputError as error:
        config.notes.append(f"the configuration at {source} could not be read ({error}); findings point at the plan")
        return
    config.spans = twin.spans
    config.call_spans = twin.call_spans
    for address, resource in config.resources.items():
        counterpart = twin.resources.get(address)
        if counterpart is None:
            continue
        for name in resource.rebuilt:
            if name in counterpart.values and not _has_unknown(counterpart.values[name]):
                resource.values[name] = counterpart.values[name]


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(_has_unknown(item) for item in value)
    if isinstance(value, dict):
        return any(_has_unknown(item) for item in value.values())
    return False
