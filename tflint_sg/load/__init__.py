"""Loaders: a plan file or a source directory becomes the same `Config`."""

from __future__ import annotations

import os
from typing import Any

from tflint_sg.addresses import strip_keys
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
        from tflint_sg.load.plan.reader import load_plan, load_plan_with_instances

        source = source or _source_beside(path)
        if source is None:
            return load_plan(path)
        config, planned = load_plan_with_instances(path)
        attach_source(config, source, budget, planned)
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


def attach_source(config: Config, source: str, budget=None, planned=None) -> None:
    """Point a plan's findings at the `.tf` lines, and let the source settle what the plan
    leaves unknown or only rebuilt from references (a literal id beside a reference, an index
    computed from count.index, a local value, a dynamic block, a module variable's default).
    The source is read with the plan's facts as inputs: its root variable values and, in
    `planned`, the instances of each resource and module call and what data sources read.
    Where the source and a value the plan knew disagree, the plan's value stands."""
    from tflint_sg.load.modules.directory import load_directory
    from tflint_sg.load.plan.reader import link_known_ids

    try:
        twin = load_directory(source, root_values=config.variables or {}, budget=budget, planned=planned,
                              cut_short="the rest of it is not read, and findings there point at the plan")
    except InputError as error:
        config.notes.append(f"the configuration at {source} could not be read ({error}); findings point at the plan")
        return
    config.source_directory = source
    config.spans = twin.spans
    config.call_spans = twin.call_spans
    config.id_outputs = twin.id_outputs
    config.group_variables = twin.group_variables
    config.files = twin.files
    # The plan is analyzed in full; only the reading of its configuration may stop short.
    config.warnings.extend(f"the configuration at {source}: {warning}" for warning in twin.warnings)
    known_ids = planned.known_ids if planned is not None else {}
    for address, resource in config.resources.items():
        counterpart = twin.resources.get(address)
        if counterpart is None:
            continue
        source_values = None
        for name, value in resource.values.items():
            if name in counterpart.values and _has_guess(value):
                if source_values is None:
                    source_values = link_known_ids(counterpart.values, known_ids)
                settled = _settle(value, source_values[name])
                if settled is not _DISAGREE:
                    resource.values[name] = settled
        if resource.declared is not None and counterpart.declared is not None:
            # A plan's configuration leaves dynamic blocks out; the source declares them.
            resource.declared = resource.declared | counterpart.declared
    _settle_group_uses(config, twin)


def _settle_group_uses(config: Config, twin: Config) -> None:
    """A plan cannot see through locals, so a module that uses one may use any of its groups;
    where the source was read in full, it shows what each module mentions."""
    if twin.expansion_cut_at is not None or config.group_uses is None or twin.group_uses is None:
        return
    config.group_uses |= twin.group_uses
    config.strings_used |= twin.strings_used
    read = {""} | {strip_keys(path) for path in twin.call_spans}
    config.opaque_modules = {module for module in config.opaque_modules if module not in read}


def _has_guess(value: Any) -> bool:
    if isinstance(value, (Unknown, Resolved)):
        return True
    if isinstance(value, list):
        return any(_has_guess(item) for item in value)
    if isinstance(value, dict):
        return any(_has_guess(item) for item in value.values())
    return False


_DISAGREE = object()


def _settle(planned: Any, source: Any) -> Any:
    """The plan's value with what it left unknown or rebuilt taken from the source's, or
    _DISAGREE when the source differs from a part the plan knew. A rebuilt part is replaced
    only by a value known in full (the rebuild may be right where the source is unknown), or by
    any reading of the source when nothing was rebuilt;
    lists are matched as sets (security group rules are sets)."""
    if isinstance(planned, Unknown):
        return planned if isinstance(source, Unknown) else source
    if isinstance(planned, Resolved):
        if not _has_unknown(source):
            return source
        # Nothing rebuilt: the source's reading, unknown too, may still hold its known parts
        # (a task definition's containers beside an image from a new repository).
        return source if all(isinstance(item, Unknown) for item in planned) and isinstance(source, Unknown) \
            else planned
    if isinstance(planned, dict):
        if not isinstance(source, dict):
            return _DISAGREE
        settled = {}
        for key, value in planned.items():
            if key not in source:
                if not _empty(value):
                    return _DISAGREE
                settled[key] = value
                continue
            settled[key] = _settle(value, source[key])
            if settled[key] is _DISAGREE:
                return _DISAGREE
        return settled
    if isinstance(planned, list):
        if not isinstance(source, list) or len(planned) != len(source):
            return _DISAGREE
        unmatched = list(source)
        settled_items = []
        for item in planned:
            for index, candidate in enumerate(unmatched):
                settled = _settle(item, candidate)
                if settled is not _DISAGREE:
                    settled_items.append(settled)
                    del unmatched[index]
                    break
            else:
                return _DISAGREE
        return settled_items
    if planned is None or source is None:
        return planned if planned is None or _empty(planned) else _DISAGREE
    # A provider may type an argument as a string that the configuration writes as a bool or a
    # number (`delete_on_termination = true` is planned as "true"): the same value.
    return planned if planned == source or _text(planned) == _text(source) else _DISAGREE


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
