"""Config -> Model: security groups and their rules, endpoints and the groups they carry, and
the load balancers with their listeners, target groups and targets. Built once per input."""

from tflint_sg.modeling.acls import build_network_acls
from tflint_sg.modeling.balancers import build_balancers
from tflint_sg.modeling.endpoints import build_endpoints
from tflint_sg.modeling.groups import build_groups, normalize_protocol
from tflint_sg.modeling.lookup import Lookup
from tflint_sg.modeling.vpc_endpoints import build_interface_endpoints
from tflint_sg.config import Config
from tflint_sg.model import EGRESS, INGRESS, Model

__all__ = ["build_model", "normalize_protocol"]


def build_model(config: Config) -> Model:
    model = Model(notes=list(config.notes), group_uses=config.group_uses, opaque_modules=set(config.opaque_modules),
                  strings_used=set(config.strings_used))
    lookup = Lookup(config)
    build_groups(lookup, model)
    if config.expansion_cut_at is not None:
        # Rule resources past the cut are missing: a group may allow more than the model shows,
        # so none is judged to block anything.
        reason = f"expansion stopped at {config.expansion_cut_at} (the run's instance budget); its rules may be missing"
        for group in model.groups.values():
            for direction in (INGRESS, EGRESS):
                group.incomplete.setdefault(direction, reason)
    build_endpoints(lookup, model)
    build_interface_endpoints(lookup, model)
    build_balancers(lookup, model)
    build_network_acls(lookup, model)
    return model
