"""A target behind a load balancer also admits its traffic port from anywhere."""

from tflint_sg.findings import Finding, Related
from tflint_sg.model import INGRESS
from tflint_sg.network import ALLOWED, Blocker, ports_match
from tflint_sg.rules.places import rule_place
from tflint_sg.topology import TRAFFIC

ID = "aws_lb_target_exposed"


def check(context):
    model = context.model
    for flow in context.flows:
        # Behind an NLB without security groups, clients arrive directly: admitting them is the design.
        if flow.kind != TRAFFIC or not flow.source_filtered:
            continue
        target = model.endpoints[flow.target]
        exposing = []
        exposing_rules = []
        for address in target.groups:
            group = model.groups.get(address)
            open_rules = [rule for rule in group.rules_in(INGRESS) if group is not None
                          and ports_match(rule, flow.protocol, flow.port) == ALLOWED
                          and any(cidr.prefixlen == 0 for cidr in rule.cidrs)] if group else []
            exposing_rules += open_rules
            if open_rules:
                exposing.append(Blocker(target.address, INGRESS, address, tuple(r.describe() for r in open_rules)))
        if not exposing:
            continue
        port = f"{flow.protocol}/{flow.port}"
        yield Finding(
            rule=ID,
            subject=flow.target,
            message=(f"{flow.source} forwards {port} to {flow.target}, but that port is open from anywhere "
                     f"too: " + "; ".join(f"{b.group} admits {', '.join(b.admits)}" for b in exposing)
                     + ". Anything that can route to it can go around the load balancer."),
            fix=(f"Remove the 0.0.0.0/0 and ::/0 sources for {port} from "
                 f"{', '.join(b.group for b in exposing)}; admit the load balancer's security group instead."),
            primary=rule_place(exposing_rules[0]),
            related=(Related(flow.source, "load balancer"),)
            + tuple(Related(b.group, "security group") for b in exposing) + (Related(flow.target, "target"),),
            blockers=tuple(exposing),
            load_balancer=flow.source,
            protocol=flow.protocol,
            port=flow.port,
        )
