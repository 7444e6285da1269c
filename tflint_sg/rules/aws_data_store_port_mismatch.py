"""A data store's groups admit an app tier, but not on the port the store listens on."""

from tflint_sg.findings import Finding, Related
from tflint_sg.model import INGRESS
from tflint_sg.network import BLOCKED
from tflint_sg.rules.queries import ingress_rules, judged_stores, named_clients, unjudged_stores, unknown_clients
from tflint_sg.topology import data_flow

ID = "aws_data_store_port_mismatch"


def check(context):
    for store, endpoint in judged_stores(context):
        yield from unknown_clients(context, endpoint, store.port)
        for client in named_clients(context, endpoint, store.port):
            verdict = context.verdict(data_flow(client.address, store.address, store.port)).side(INGRESS)
            if verdict.status != BLOCKED:
                continue
            admitted = sorted({rule.describe() for rule in ingress_rules(context, endpoint)
                               if set(rule.groups) & set(client.groups)
                               or (rule.self_ref and rule.group in client.groups)})
            yield Finding(
                rule=ID,
                subject=store.address,
                message=(f"{client.address} -> {store.address} tcp/{store.port}: the {store.kind} listens on "
                         f"{store.port}, but its security groups admit {client.address} only as "
                         f"{'; '.join(admitted)}."),
                fix=(f"Admit tcp/{store.port} from {' or '.join(client.groups)} in a security group of "
                     f"{store.address} (or set the {store.kind}'s port to the one its groups admit)."),
                related=(Related(client.address, "client"),)
                + tuple(Related(group, "security group") for group in endpoint.groups),
                blockers=verdict.blockers,
                protocol="tcp",
                port=store.port,
                peer=client.address,
            )
    yield from unjudged_stores(context)
