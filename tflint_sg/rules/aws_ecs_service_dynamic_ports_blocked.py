"""An ECS service in bridge mode with dynamic host ports, whose container instances (or load
balancer) do not open the ephemeral range to each other."""

from tflint_sg.findings import Finding, Related
from tflint_sg.model import INGRESS
from tflint_sg.network import BLOCKED, UNDECIDED, peer_of
from tflint_sg.remedy import Remedy
from tflint_sg.rules.places import admitting_steps, fix_site
from tflint_sg.rules.lb_flows import undecided_flow
from tflint_sg.topology import DYNAMIC, DYNAMIC_RANGE

ID = "aws_ecs_service_dynamic_ports_blocked"


def check(context):
    first, last = DYNAMIC_RANGE
    by_pair: dict[tuple[str, str], list] = {}
    for flow in context.flows:
        if flow.kind == DYNAMIC:
            by_pair.setdefault((flow.source, flow.target), []).append(flow)
    for (balancer, target), flows in sorted(by_pair.items()):
        blocked = [(flow, context.verdict(flow)) for flow in flows if context.verdict(flow).status == BLOCKED]
        if not blocked:
            undecided = [flow for flow in flows if context.verdict(flow).status == UNDECIDED]
            if undecided:
                yield undecided_flow(undecided[0], context.verdict(undecided[0]))
            continue
        flow, verdict = blocked[0]
        reasons = "; ".join(f"{b.group} ({b.direction} of {b.endpoint}) allows only {', '.join(b.admits) or 'nothing'}"
                            for b in verdict.blockers)
        services = sorted({via for f in flows for via in f.via if "aws_ecs_service." in via})
        yield Finding(
            rule=ID,
            subject=target,
            message=(f"{balancer} -> {target} tcp/{first}-{last}: the ECS tasks use dynamic host ports, so the load "
                     f"balancer reaches the container instances on a port of {first}-{last}, but tcp/{flow.port} "
                     f"is blocked: {reasons}."),
            fix=(f"Admit tcp/{first}-{last} from the load balancer's security group on the container instances "
                 f"({target}), and allow that range out of the load balancer's groups."),
            remedies=_remedies(context, flow, verdict, first, last),
            primary=fix_site(context.model, verdict.blockers, _side_peer(context, flow, verdict), "tcp", flow.port).place,
            related=(Related(balancer, "load balancer"),) + tuple(Related(s, "ECS service") for s in services)
            + tuple(Related(group, "target group") for group in flow.target_groups)
            + tuple(Related(b.group, "security group") for b in verdict.blockers) + (Related(target, "target"),),
            blockers=verdict.blockers,
            load_balancer=balancer,
            protocol="tcp",
            port=first,
        )


def _side_peer(context, flow, verdict):
    """The other end as the blocking side sees it: the load balancer for the hosts' ingress."""
    model = context.model
    if any(b.direction == INGRESS for b in verdict.blockers):
        return peer_of(model.endpoints[flow.source])
    return peer_of(model.endpoints[flow.target])


def _remedies(context, flow, verdict, first, last) -> tuple[Remedy, ...]:
    model = context.model
    steps = admitting_steps(model, verdict.blockers, model.endpoints[flow.source], model.endpoints[flow.target], "tcp",
                            first, last_port=last)
    return (Remedy(f"Admit tcp/{first}-{last} from the load balancer's security group on the container instances "
                   f"({flow.target}), and allow that range out of the load balancer's groups.", steps),) if steps else ()
