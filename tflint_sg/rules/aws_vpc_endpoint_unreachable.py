"""A tier's calls to an AWS service go to an interface VPC endpoint that security groups keep
it from: the tier's calls time out, though the service and its permissions are fine."""

from tflint_sg.findings import Finding, Related, Undecided
from tflint_sg.model import EGRESS, INGRESS
from tflint_sg.network import BLOCKED, UNDECIDED, peer_of
from tflint_sg.remedy import Admit, Remedy
from tflint_sg.rules.lb_flows import flow_subject
from tflint_sg.rules.places import (NOBODY, admitting_step, admitting_steps, blocker_reasons, every_group_blocks,
                                   fix_site, the_app_tier)
from tflint_sg.rules.queries import (ACL_ALSO, acl_drops, covers_port, ingress_rules, interface_endpoint_clients,
                                    rules_cannot_be_judged, unjudged_interface_endpoints)
from tflint_sg.topology import data_flow

ID = "aws_vpc_endpoint_unreachable"


def check(context):
    for vpce, endpoint, clients in interface_endpoint_clients(context):
        if clients:
            for client in clients:
                yield from _client_blocked(context, vpce, endpoint, client)
        elif vpce.private_dns:
            yield from _nothing_admitted(context, vpce, endpoint)
    yield from unjudged_interface_endpoints(context)


def _how_calls_arrive(vpce, client) -> str:
    return dict(vpce.callers).get(
        client.address, "its groups name it, and private DNS sends the service's calls in the VPC to the endpoint")


def _client_blocked(context, vpce, endpoint, client):
    model = context.model
    flow = data_flow(client.address, endpoint.address, vpce.port)
    verdict = context.verdict(flow)
    if verdict.status == UNDECIDED:
        yield Undecided(flow_subject(flow), "; ".join(sorted(set(verdict.unresolved))))
    if verdict.status != BLOCKED:
        return
    ports = f"tcp/{vpce.port}"
    fixes = []
    if any(b.direction == INGRESS for b in verdict.blockers):
        fixes.append(f"Admit {ports} from {' or '.join(client.groups)} in a security group of {endpoint.address}.")
    if any(b.direction == EGRESS for b in verdict.blockers):
        fixes.append(f"Allow egress {ports} to {' or '.join(endpoint.groups)} in a security group of "
                     f"{client.address}.")
    fix = " ".join(fixes)
    steps = admitting_steps(model, verdict.blockers, client, endpoint, "tcp", vpce.port)
    ingress_blocked = any(b.direction == INGRESS for b in verdict.blockers)
    acl_blockers = acl_drops(context, flow)
    yield Finding(
        rule=ID,
        subject=endpoint.address,
        message=(f"{client.address} -> {endpoint.address} {ports}: {client.address} calls {vpce.service} through the "
                 f"endpoint ({_how_calls_arrive(vpce, client)}), but security groups block it: "
                 f"{blocker_reasons(verdict.blockers)}. Its calls to the service time out."
                 + (ACL_ALSO if acl_blockers else "")),
        fix=fix,
        primary=fix_site(model, verdict.blockers, peer_of(client) if ingress_blocked else peer_of(endpoint),
                         "tcp", vpce.port).place,
        remedies=(Remedy(fix, steps),) if steps else (),
        related=(Related(endpoint.address, "VPC endpoint"), Related(client.address, "client"))
        + tuple(Related(b.group, "security group") for b in verdict.blockers),
        blockers=verdict.blockers,
        acl_blockers=acl_blockers,
        unresolved=verdict.unresolved,
        protocol="tcp",
        port=vpce.port,
        peer=client.address,
    )


def _nothing_admitted(context, vpce, endpoint):
    """Private DNS on and no rule of the endpoint's groups admitting its port from anywhere:
    every call to the service from the VPC is dropped, whichever tier makes it."""
    model = context.model
    if rules_cannot_be_judged(context, endpoint, INGRESS, vpce.port):
        return
    if any(covers_port(rule, vpce.port) != BLOCKED for rule in ingress_rules(context, endpoint)):
        return
    blockers = every_group_blocks(model, endpoint, INGRESS)
    admits = "; ".join(f"{b.group} admits {', '.join(b.admits) or 'nothing'}" for b in blockers)
    app_tier = the_app_tier(model)
    if app_tier is not None:
        steps = admitting_steps(model, blockers, app_tier, endpoint, "tcp", vpce.port)
        fix = (f"Admit tcp/{vpce.port} from the app tier's security group {' or '.join(app_tier.groups)} in a group of "
               f"{endpoint.address}.")
    else:
        # The tiers that call the service are not known: the VPC's block, as AWS's guides do.
        networks = tuple(str(network) for network in vpce.vpc_networks or ())
        steps = (admitting_step(model, list(blockers), endpoint, Admit("", INGRESS, "tcp", vpce.port, (),
                                                                        peer_networks=networks)),) if networks else ()
        fix = (f"Admit tcp/{vpce.port} from the VPC's block {', '.join(networks)} in a group of {endpoint.address}."
               if networks else f"Admit tcp/{vpce.port} from the tiers that call the service (their security groups, "
                                f"or the VPC's CIDR block) in a group of {endpoint.address}.")
    remedies = (Remedy(fix, steps),) if steps else ()
    yield Finding(
        rule=ID,
        subject=endpoint.address,
        message=(f"{endpoint.address}: nothing can call {vpce.service} through the endpoint on tcp/{vpce.port}: "
                 f"{admits}. Private DNS sends every call to the service from the VPC to the endpoint, so they "
                 "all time out."),
        fix=fix,
        primary=fix_site(model, blockers, NOBODY, "tcp", vpce.port).place,
        remedies=remedies,
        related=(Related(endpoint.address, "VPC endpoint"),)
        + tuple(Related(group, "security group") for group in endpoint.groups[1:]),
        blockers=blockers,
        protocol="tcp",
        port=vpce.port,
    )
