"""Loaders: a plan file or a source directory becomes the same `Config`."""

from __future__ import annotations

import os
from typing import Any

from tflint_sg.config import Config, Resolved, Unknown
from tflint_sg.errors import InputError


def load(path: str, *, var_files: list[str] = (), var_args: list[str] = (), source: str | None = None,
         variables_in_order: list[tuple[str, str]] | None = None, ignore_modules: set[str] = frozenset(),
         budget=None, flush_cache: bool = True) -> Config:
    """`budget`: the run's InstanceBudget, shared by its inputs (else one for this input).
    `flush_cache`: write what was parsed to the parse cache now; a run of several inputs
    (pipeline.run) writes once, at its end, instead."""
    from tflint_sg.load.hcl import parse

    try:
        if os.path.isdir(path):
            from tflint_sg.load.modules.directory import load_directory

            return load_directory(path, var_files, var_args, variables_in_order=variables_in_order,
                                  ignore_modules=ignore_modules, budget=budget)
        from tflint_sg.load.plan.reader import load_plan

        config = load_plan(path)
        source = source or _source_beside(path)
        if source is not None:
            attach_source(config, source, budget)
        return config
    finally:
        if flush_cache:
            parse.flush_cache()


def _source_beside(plan_path: str) -> str | None:
    directory = os.path.dirname(os.path.abspath(plan_path))
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    return directory if any(name.endswith((".tf", ".tf.json", ".tofu")) for name in names) else None


def attach_source(config: Config, source: str, budget=None) -> None:
    """Point a plan's findings at the `.tf` lines, and let the source settle what the plan
    could only rebuild from references (a literal id beside a reference, an index computed
    from count.index)."""
    from tflint_sg.load.modules.directory import load_directory

    try:
        twin = load_directory(source, root_values=config.variables or {}, budget=budget,
                              cut_short="the rest of it is not read, and findings there point at the plan")
    except InputError as error:
        config.notes.append(f"the configuration at {source} could not be read ({error}); findings point at the plan")
        return
    config.spans = twin.spans
    config.call_spans = twin.call_spans
    # The plan is analyzed in full; only the reading of its configuration may stop short.
    config.warnings.extend(f"the configuration at {source}: {warning}" for warning in twin.warnings)
    for address, resource in config.resources.items():
        counterpart = twin.resources.get(address)
        if counterpart is None:
            continue
        for name, value in resource.values.items():
            if name not in counterpart.values or not _has_guess(value):
                continue
            settled = counterpart.values[name]
            # The source settles what the plan rebuilt or left unknown, never what it knew.
            if not _has_unknown(settled) and _agrees(value, settled):
                resource.values[name] = settled


def _has_guess(value: Any) -> bool:
    if isinstance(value, (Unknown, Resolved)):
        return True
    if isinstance(value, list):
        return any(_has_guess(item) for item in value)
    if isinstance(value, dict):
        return any(_has_guess(item) for item in value.values())
    return False


def _agrees(planned: Any, source: Any) -> bool:
    """Does the source's value keep every part the plan knew? Unknown and rebuilt parts of the
    plan match anything; lists are compared as sets (security group rules are sets)."""
    if isinstance(planned, (Unknown, Resolved)):
        return True
    if isinstance(planned, dict):
        if not isinstance(source, dict):
            return False
        return all(_agrees(value, source[key]) if key in source else _empty(value) for key, value in planned.items())
    if isinstance(planned, list):
        if not isinstance(source, list) or len(planned) != len(source):
            return False
        unmatched = list(source)
        for item in planned:
            match = next((candidate for candidate in unmatched if _agrees(item, candidate)), None)
            if match is None:
                return False
            unmatched.remove(match)
        return True
    if planned is None or source is None:
        return planned is None or _empty(planned)
    # A provider may type an argument as a string that the configuration writes as a bool or a
    # number (`delete_on_termination = true` is planned as "true"): the same value.
    return planned == source or _text(planned) == _text(source)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _empty(value: Any) -> bool:
    """What a plan shows for an attribute the configuration leaves unset."""
    return value in (None, "", [], {}, False, 0) or isinstance(value, (Unknown, Resolved))


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(_has_unknown(item) for item in value)
    if isinstance(value, dict):
        return any(_has_unknown(item) for item in value.values())
    return False
