"""What a rule may ask for: the model, the intended flows, and each flow's verdict (computed
once and shared by every rule)."""

from __future__ import annotations

from tflint_sg.model import Model
from tflint_sg.network import UNDECIDED, Verdict, path
from tflint_sg.topology import CLIENTS, Flow, intended_flows


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
            if flow.kind == CLIENTS:
                continue
            verdict = self.verdict(flow)
            if verdict.status == UNDECIDED:
                reasons = "; ".join(sorted(set(verdict.unresolved))) or "unresolved values"
                notes.append(
                    f"{flow.load_balancer} -> {flow.target} {flow.protocol}/{flow.port} "
                    f"({flow.kind.replace('_', ' ')}) not decided: {reasons}"
                )
        return notes
