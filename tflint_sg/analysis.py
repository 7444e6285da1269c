"""load -> model -> topology -> rules: run every enabled rule on one input and collect results."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from tflint_sg.build import build_model
from tflint_sg.config import Config
from tflint_sg.findings import Finding
from tflint_sg.model import Model
from tflint_sg.network import UNDECIDED, Verdict, path
from tflint_sg.topology import Flow, intended_flows


class Context:
    """What a rule may ask for: the model, the intended flows, and each flow's verdict."""

    def __init__(self, model: Model):
        self.model = model
        self.flows, self.flow_notes = intended_flows(model)
        self._verdicts: dict[Flow, Verdict] = {}

    def verdict(self, flow: Flow) -> Verdict:
        verdict = self._verdicts.get(flow)
        if verdict is None:
            source = self.model.endpoints[flow.load_balancer]
            target = self.model.endpoints[flow.target]
            verdict = path(self.model, source, target, flow.protocol, flow.port,
                           source_filtered=flow.source_filtered,
                           source_networks_known=flow.source_networks_known)
            self._verdicts[flow] = verdict
        return verdict

    def undecided_notes(self) -> list[str]:
        notes = []
        for flow in self.flows:
            verdict = self.verdict(flow)
            if verdict.status == UNDECIDED:
                reasons = "; ".join(sorted(set(verdict.unresolved))) or "unresolved values"
                notes.append(
                    f"{flow.load_balancer} -> {flow.target} {flow.protocol}/{flow.port} "
                    f"({flow.kind.replace('_', ' ')}) not decided: {reasons}"
                )
        return notes


@dataclass
class Result:
    source: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what stayed unresolved, for --verbose
    internal_errors: list[str] = field(default_factory=list)  # a rule that raised
    flows_checked: int = 0


def analyze(config: Config, rules) -> Result:
    context = Context(build_model(config))
    result = Result(config.source)
    for rule in rules:
        try:
            result.findings.extend(rule.check(context))
        except Exception as error:  # a broken rule is reported, never a crash for the user
            frame = traceback.extract_tb(error.__traceback__)[-1]
            result.internal_errors.append(
                f"internal error in rule {rule.ID} on {config.source}: {type(error).__name__}: {error} "
                f"({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
            )
    result.findings.sort(key=Finding.sort_key)
    result.notes = sorted(set(context.model.notes + context.flow_notes + context.undecided_notes()))
    result.flows_checked = len(context.flows)
    return result
