"""load -> model -> topology -> rules: run every enabled rule on one input and collect results."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from tflint_sg.modeling import build_model
from tflint_sg.config import Config
from tflint_sg.context import Context
from tflint_sg.coverage import FlowCounts, count_data_flows, count_load_balancer_flows, tally
from tflint_sg.findings import Finding, Undecided
from tflint_sg.problems import one_per_problem


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list = field(default_factory=list)  # suppress.Suppression: annotated in the source
    baselined: list[Finding] = field(default_factory=list)  # recorded in the --baseline file
    left_out: int = 0  # findings less severe than the run's minimum severity
    notes: list[str] = field(default_factory=list)  # what stayed unresolved, for --verbose
    undecided: int = 0  # checks a rule could not decide (each has a note naming the rule)
    internal_errors: list[str] = field(default_factory=list)  # a rule that raised
    flows_checked: int = 0
    load_balancer_flows: FlowCounts = FlowCounts()  # the intended flows (flows_checked of them), by verdict
    data_flows: FlowCounts = FlowCounts()  # each data store's app tier towards it, by verdict
    not_expanded: int = 0  # resources whose count or for_each is unknown until apply
    reasons: dict[str, int] = field(default_factory=dict)  # why the notes stayed open -> how many notes cite it
    graph: dict | None = None  # the model as a JSON document (graph.py), when asked for
    model: object = None  # the model the rules judged (for writing their fixes)


def analyze(config: Config, rules, policies=(), want_graph: bool = False) -> Result:
    context = Context(build_model(config))
    result = Result(model=context.model)
    if want_graph or policies:
        from tflint_sg.graph import document

        result.graph = document(context)
    for policy in policies:
        try:
            result.findings.extend(policy.findings(result.graph))
        except Exception as error:
            result.internal_errors.append(_internal_error(f"policy {policy.name}", config.source, error))
    undecided: dict[Undecided, list[str]] = {}  # what stayed open -> the rules it silenced
    for rule in rules:
        try:
            for item in rule.check(context):
                if isinstance(item, Undecided):
                    undecided.setdefault(item, []).append(rule.ID)
                else:
                    result.findings.append(item)
        except Exception as error:  # a broken rule is reported, never a crash for the user
            result.internal_errors.append(_internal_error(f"rule {rule.ID}", config.source, error))
    result.findings = sorted(one_per_problem(sorted(result.findings, key=Finding.sort_key)), key=Finding.sort_key)
    # Each note, and what it says stayed open: a model note is about the address it starts with.
    explained = {note: note for note in context.model.notes + context.flow_notes}
    silenced = {f"{item.subject}: not decided ({', '.join(sorted(set(ids)))}): {item.reason}": item.reason
                for item, ids in undecided.items()}
    # What was never built cannot be checked: each such resource is a check not decided.
    silenced.update({f"{address}: not decided (every rule): {reason}": reason
                     for address, reason in config.not_expanded.items()})
    # A target whose target group (or target) is not resolved: a load balancer flow may start there.
    silenced.update({f"{address}: not decided (load balancer rules): {reason}": reason
                     for address, reason in context.model.unlinked.items()})
    explained.update(silenced)
    result.notes = sorted(explained)
    result.reasons = tally([explained[note] for note in result.notes])
    result.undecided = len(silenced)
    result.flows_checked = len(context.flows)
    try:
        result.load_balancer_flows = count_load_balancer_flows(context)
        result.data_flows = count_data_flows(context)
    except Exception as error:  # a verdict that a rule already failed on fails here again
        result.internal_errors.append(_internal_error("counting flows", config.source, error))
    result.not_expanded = len(config.not_expanded)
    return result


def _internal_error(where: str, source: str, error: Exception) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return (f"internal error in {where} on {source}: {type(error).__name__}: {error} "
            f"({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})")
