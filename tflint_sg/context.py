"""What a rule may ask for: the model, the intended flows, and each flow's verdict (computed
once and shared by every rule)."""

from __future__ import annotations

from tflint_sg.model import Model
from tflint_sg.network import Verdict, path
from tflint_sg.topology import Flow, intended_flows


class Context:
    """What a rule may ask for: the model, the intended flows, and each flow's verdict."""

    def __init__(self, model: Model):
        self.model = model
        self.flows, self.flow_notes = intended_flows(model)
        self._verdicts: dict[Flow, Verdict] = {}
        self._carriers: dict[str, list[str]] | None = None

    def endpoints_carrying(self, group: str) -> list[str]:
        """Addresses of the endpoints the security group is attached to, sorted."""
        if self._carriers is None:
            self._carriers = {}
            for address in sorted(self.model.endpoints):
                for carried in self.model.endpoints[address].groups:
                    self._carriers.setdefault(carried, []).append(address)
        return self._carriers.get(group, [])

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
