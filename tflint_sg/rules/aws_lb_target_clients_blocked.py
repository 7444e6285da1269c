"""Behind an internet-facing NLB without security groups, the targets admit no internet client."""

import ipaddress

from tflint_sg.findings import Finding, Related, Undecided
from tflint_sg.model import INGRESS
from tflint_sg.network import BLOCKED, Blocker, Peer, ports_match
from tflint_sg.remedy import UNSAFE, Admit, Remedy
from tflint_sg.rules.places import admitting_step, fix_site
from tflint_sg.rules.lb_flows import flow_subject
from tflint_sg.rules.queries import groups_not_known, rules_cannot_be_judged
from tflint_sg.topology import CLIENTS

ID = "aws_lb_target_clients_blocked"

# Addresses no internet client has: private, shared (carrier-grade NAT), loopback, link-local.
_INSIDE = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "fc00::/7", "fe80::/10", "::1/128"))


def _outside(network) -> bool:
    return not any(network.version == inside.version and network.subnet_of(inside) for inside in _INSIDE)


def check(context):
    model = context.model
    for flow in context.flows:
        balancer = model.load_balancers.get(flow.source)
        if flow.kind != CLIENTS or balancer is None or balancer.internet_facing is not True:
            continue
        target = model.endpoints[flow.target]
        subject = flow_subject(flow)
        unknown = groups_not_known(context, target)
        if unknown:
            yield Undecided(subject, f"{flow.target}: {unknown}")
            continue
        if rules_cannot_be_judged(context, target, INGRESS, flow.port, flow.protocol):
            yield Undecided(subject, f"{flow.target}: the rules of its security groups are not all known")
            continue
        rules = [r for g in target.groups for r in model.groups[g].rules_in(INGRESS)
                 if ports_match(r, flow.protocol, flow.port) != BLOCKED]
        if any(_outside(c) for r in rules for c in r.cidrs):
            continue
        open_rules = [r.describe() for r in rules if r.prefix_lists or r.unresolved]
        if open_rules:
            yield Undecided(subject, f"{flow.target}: the addresses of {'; '.join(open_rules)} are not known")
            continue
        blockers = tuple(Blocker(target.address, INGRESS, g,
                                 tuple(r.describe() for r in model.groups[g].rules_in(INGRESS)))
                         for g in target.groups)
        port = f"{flow.protocol}/{flow.port}"
        # Every address may be a client: admitting them is opening the port to the world, which
        # is the service's purpose but a choice a reviewer makes (--fix-unsafe), not a repair.
        anywhere = Admit("", INGRESS, flow.protocol, flow.port, (), _port_set_at(flow),
                         peer_networks=("0.0.0.0/0",))
        remedy = Remedy(f"Admit {port} from every address (0.0.0.0/0: the NLB passes clients' own addresses) in a "
                        f"security group of {flow.target}.",
                        (admitting_step(model, list(blockers), target, anywhere),), UNSAFE)
        yield Finding(
            rule=ID,
            subject=flow.target,
            message=(f"{flow.source} -> {flow.target} {port}: the NLB has no security groups and passes "
                     "clients' own addresses through, but the target admits no internet client on that port: "
                     + "; ".join(f"{b.group} admits {', '.join(b.admits) or 'nothing'}" for b in blockers) + "."),
            fix=(f"Admit {port} from the clients' networks (0.0.0.0/0 for a public service) in a security group "
                 f"of {flow.target}, or create the NLB with security groups and admit its group."),
            primary=fix_site(model, blockers, Peer("", (), True, None), flow.protocol, flow.port).place,
            related=(Related(flow.source, "load balancer"),)
            + tuple(Related(g, "target group") for g in flow.target_groups)
            + tuple(Related(b.group, "security group") for b in blockers) + (Related(flow.target, "target"),),
            blockers=blockers,
            remedies=(remedy,),
            load_balancer=flow.source,
            protocol=flow.protocol,
            port=flow.port,
        )


def _port_set_at(flow) -> tuple[str, str] | None:
    return flow.port_set_at[0] if flow.port_set_at else None
