"""A data store admits an app tier, whose own groups do not let it send to the store."""

from tflint_sg.findings import Finding, Related
from tflint_sg.model import EGRESS, INGRESS
from tflint_sg.network import ALLOWED, BLOCKED, peer_of
from tflint_sg.remedy import Remedy
from tflint_sg.rules.places import admitting_steps, fix_site
from tflint_sg.rules.queries import ACL_ALSO, acl_drops, judged_stores, store_clients, unjudged_stores, unknown_clients
from tflint_sg.topology import data_flow

ID = "aws_data_store_client_egress_blocked"


def check(context):
    for store, endpoint in judged_stores(context):
        yield from unknown_clients(context, endpoint, store.port)
        for client in store_clients(context, store, endpoint):
            both = context.verdict(data_flow(client.address, store.address, store.port))
            if both.side(INGRESS).status != ALLOWED:
                continue
            verdict = both.side(EGRESS)
            if verdict.status != BLOCKED:
                continue
            acl_blockers = acl_drops(context, data_flow(client.address, store.address, store.port))
            reasons = "; ".join(
                f"{b.group} allows only {', '.join(b.admits)}" if b.admits
                else f"{b.group} has no egress rules (Terraform removes AWS's default allow-all egress)"
                for b in verdict.blockers)
            yield Finding(
                rule=ID,
                subject=client.address,
                message=(f"{client.address} -> {store.address} tcp/{store.port}: the {store.kind} admits it, "
                         f"but its own security groups do not let it send there: {reasons}."
                         + (ACL_ALSO if acl_blockers else "")),
                fix=(f"Allow egress tcp/{store.port} to {' or '.join(endpoint.groups)} in a security group of "
                     f"{client.address}."),
                primary=fix_site(context.model, verdict.blockers, peer_of(endpoint), "tcp", store.port).place,
                remedies=_remedies(context, verdict, client, endpoint, store),
                related=(Related(store.address, store.kind),)
                + tuple(Related(b.group, "security group") for b in verdict.blockers),
                blockers=verdict.blockers,
                acl_blockers=acl_blockers,
                protocol="tcp",
                port=store.port,
                peer=store.address,
            )
    yield from unjudged_stores(context)


def _remedies(context, verdict, client, endpoint, store) -> tuple[Remedy, ...]:
    steps = admitting_steps(context.model, verdict.blockers, client, endpoint, "tcp", store.port)
    return (Remedy(f"Allow egress tcp/{store.port} to {' or '.join(endpoint.groups)} in a security group of "
                   f"{client.address}.", steps),) if steps else ()
