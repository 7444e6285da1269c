"""What a rule may ask for: the model, the intended flows, and each flow's verdict (computed
once and shared by every rule, the model's document and the policies)."""

from __future__ import annotations

from tflint_sg.model import Model
from tflint_sg.network import Verdict, path
from tflint_sg.network_acls import AclVerdict, acl_path
from tflint_sg.topology import Flow, data_flows, intended_flows


class Context:
    """What a rule may ask for: the model, the intended flows, and each flow's verdict."""

    def __init__(self, model: Model):
        self.model = model
        self.flows, self.flow_notes = intended_flows(model)  # load balancer -> target
        self._data_flows: list[Flow] | None = None
        self._verdicts: dict[Flow, Verdict] = {}
        self._acl_verdicts: dict[Flow, AclVerdict] = {}
        self._carriers: dict[str, list[str]] | None = None

    def endpoints_carrying(self, group: str) -> list[str]:
        """Addresses of the endpoints the security group is attached to, sorted."""
        if self._carriers is None:
            self._carriers = {}
            for address in sorted(self.model.endpoints):
                for carried in self.model.endpoints[address].groups:
                    self._carriers.setdefault(carried, []).append(address)
        return self._carriers.get(group, [])

    @property
    def data_flows(self) -> list[Flow]:
        """Load balancers and compute towards each data store (topology.data_flows), built when asked."""
        if self._data_flows is None:
            self._data_flows = data_flows(self.model)
        return self._data_flows

    def verdict(self, flow: Flow) -> Verdict:
        """The one place a flow is judged; each flow once per run."""
        verdict = self._verdicts.get(flow)
        if verdict is None:
            source = self.model.endpoints[flow.source]
            target = self.model.endpoints[flow.target]
            verdict = path(self.model, source, target, flow.protocol, flow.port,
                           source_filtered=flow.source_filtered,
                           source_networks_known=flow.source_networks_known)
            self._verdicts[flow] = verdict
        return verdict

    def acl_verdict(self, flow: Flow) -> AclVerdict:
        """The flow through the network ACLs of the subnets it crosses; each flow once per run."""
        verdict = self._acl_verdicts.get(flow)
        if verdict is None:
            verdict = acl_path(self.model, self.model.endpoints[flow.source], self.model.endpoints[flow.target],
                               flow.protocol, flow.port)
            self._acl_verdicts[flow] = verdict
        return verdict
