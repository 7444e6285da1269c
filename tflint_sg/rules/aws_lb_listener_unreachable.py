"""A load balancer listens on a port its own security groups admit from nowhere."""

from tflint_sg.findings import Finding, Related, Undecided
from tflint_sg.model import INGRESS
from tflint_sg.network import BLOCKED, Peer
from tflint_sg.rules.places import every_group_blocks, fix_site
from tflint_sg.rules.queries import covers_port, groups_not_known, ingress_rules, rules_cannot_be_judged

ID = "aws_lb_listener_unreachable"


def check(context):
    model = context.model
    for listener in sorted(model.listeners, key=lambda item: (item.address, item.port or 0)):
        balancer = model.load_balancers.get(listener.load_balancer)
        endpoint = model.endpoints.get(listener.load_balancer)
        if balancer is None or endpoint is None or not balancer.has_security_groups or listener.port is None:
            continue
        subject = f"{listener.address} ({listener.protocol}/{listener.port})"
        unknown = groups_not_known(context, endpoint)
        if unknown:
            yield Undecided(subject, f"{listener.load_balancer}: {unknown}")
            continue
        if rules_cannot_be_judged(context, endpoint, INGRESS, listener.port, listener.protocol):
            yield Undecided(subject, f"{listener.load_balancer}: the rules of its security groups are not all known")
            continue
        if any(covers_port(rule, listener.port, listener.protocol) != BLOCKED
               for rule in ingress_rules(context, endpoint)):
            continue
        blockers = every_group_blocks(model, endpoint, INGRESS)
        yield Finding(
            rule=ID,
            subject=listener.address,
            message=(f"{listener.load_balancer} listens on {listener.protocol}/{listener.port}, but its security groups admit "
                     f"nothing on that port: "
                     + "; ".join(f"{b.group} admits {', '.join(b.admits) or 'nothing'}" for b in blockers) + "."),
            fix=(f"Admit {listener.protocol}/{listener.port} from the clients the listener serves in a security group of "
                 f"{listener.load_balancer}, or remove the listener."),
            primary=fix_site(model, blockers, Peer("", (), True, None), listener.protocol, listener.port).place,
            related=(Related(listener.address, "port", "port"), Related(listener.load_balancer, "load balancer"))
            + tuple(Related(b.group, "security group") for b in blockers),
            blockers=blockers,
            load_balancer=listener.load_balancer,
            protocol=listener.protocol,
            port=listener.port,
        )
