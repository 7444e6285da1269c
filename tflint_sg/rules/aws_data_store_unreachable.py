"""No rule of a data store's groups admits anything on the port it listens on."""

from tflint_sg.findings import Finding, Related
from tflint_sg.model import INGRESS
from tflint_sg.remedy import Remedy
from tflint_sg.network import BLOCKED, Blocker
from tflint_sg.rules.places import admitting_steps, NOBODY, fix_site, the_app_tier
from tflint_sg.rules.queries import (covers_port, ingress_rules, judged_stores, named_clients, rules_cannot_be_judged,
                                    unjudged_stores)

ID = "aws_data_store_unreachable"

def check(context):
    model = context.model
    for store, endpoint in judged_stores(context):
        if rules_cannot_be_judged(context, endpoint, INGRESS, store.port):
            continue
        if named_clients(context, endpoint, store.port):
            continue  # a tier admitted on another port: aws_data_store_port_mismatch says it precisely
        rules = ingress_rules(context, endpoint)
        if any(covers_port(rule, store.port) != BLOCKED for rule in rules):
            continue
        blockers = tuple(Blocker(store.address, INGRESS, group,
                                 tuple(rule.describe() for rule in model.groups[group].rules_in(INGRESS)))
                         for group in endpoint.groups)
        admits = "; ".join(f"{b.group} admits {', '.join(b.admits) or 'nothing'}" for b in blockers)
        remedies = _remedies(model, blockers, endpoint, store)
        yield Finding(
            rule=ID,
            subject=store.address,
            message=(f"{store.address}: nothing can connect to the {store.kind} on tcp/{store.port}: "
                     f"{admits}."),
            fix=(remedies[0].description if remedies else
                 f"Admit tcp/{store.port} from the app tier's security group in a group of {store.address}, "
                 "or give the app tier and the store a shared group with a self-referencing rule."),
            primary=fix_site(model, blockers, NOBODY, "tcp", store.port).place,
            remedies=remedies,
            related=(Related(store.address, store.kind), Related(store.address, "port", "port"))
            + tuple(Related(group, "security group") for group in endpoint.groups[1:]),
            blockers=blockers,
            protocol="tcp",
            port=store.port,
        )
    yield from unjudged_stores(context)


def _remedies(model, blockers, endpoint, store) -> tuple[Remedy, ...]:
    app_tier = the_app_tier(model)
    if app_tier is None:
        return ()
    steps = admitting_steps(model, blockers, app_tier, endpoint, "tcp", store.port, (store.address, "port"))
    return (Remedy(f"Admit tcp/{store.port} from the app tier's security group {' or '.join(app_tier.groups)} in a "
                   f"group of {store.address}.", steps),) if steps else ()
