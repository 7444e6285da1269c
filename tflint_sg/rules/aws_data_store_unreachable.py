"""No rule of a data store's groups admits anything on the port it listens on, or a tier the
configuration hands the store (its environment names it) is not admitted."""

from tflint_sg.findings import Finding, Related
from tflint_sg.model import INGRESS
from tflint_sg.remedy import Remedy
from tflint_sg.network import BLOCKED, peer_of
from tflint_sg.rules.places import (NOBODY, admitting_steps, blocker_reasons, every_group_blocks, fix_site,
                                   the_app_tier)
from tflint_sg.rules.queries import (ACL_ALSO, acl_drops, covers_port, ingress_rules, judged_stores, named_clients,
                                    rules_cannot_be_judged, unjudged_stores)
from tflint_sg.topology import data_flow

ID = "aws_data_store_unreachable"


def check(context):
    model = context.model
    for store, endpoint in judged_stores(context):
        if rules_cannot_be_judged(context, endpoint, INGRESS, store.port):
            continue
        # A tier admitted on another port: aws_data_store_port_mismatch says it precisely.
        named = {client.address for client in named_clients(context, endpoint, store.port)}
        handed = [model.endpoints[address] for address in store.handed_to if address not in named]
        if not named and not any(covers_port(rule, store.port) != BLOCKED for rule in ingress_rules(context, endpoint)):
            yield _nothing_admitted(model, store, endpoint, handed)
            continue
        for client in handed:
            verdict = context.verdict(data_flow(client.address, store.address, store.port)).side(INGRESS)
            if verdict.status == BLOCKED:
                yield _client_not_admitted(context, store, endpoint, client, verdict)
    yield from unjudged_stores(context)


def _nothing_admitted(model, store, endpoint, handed) -> Finding:
    blockers = every_group_blocks(model, endpoint, INGRESS)
    admits = "; ".join(f"{b.group} admits {', '.join(b.admits) or 'nothing'}" for b in blockers)
    remedies = _remedies(model, blockers, endpoint, store, handed)
    return Finding(
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
        + tuple(Related(client.address, "client") for client in handed)
        + tuple(Related(group, "security group") for group in endpoint.groups[1:]),
        blockers=blockers,
        protocol="tcp",
        port=store.port,
    )


def _client_not_admitted(context, store, endpoint, client, verdict) -> Finding:
    model = context.model
    fix = f"Admit tcp/{store.port} from {' or '.join(client.groups)} in a security group of {store.address}."
    steps = admitting_steps(model, verdict.blockers, client, endpoint, "tcp", store.port, (store.address, "port"))
    acl_blockers = acl_drops(context, data_flow(client.address, store.address, store.port))
    return Finding(
        rule=ID,
        subject=store.address,
        message=(f"{client.address} -> {store.address} tcp/{store.port}: its environment names the {store.kind}, "
                 f"but the {store.kind}'s security groups do not admit it: {blocker_reasons(verdict.blockers)}."
                 + (ACL_ALSO if acl_blockers else "")),
        fix=fix,
        primary=fix_site(model, verdict.blockers, peer_of(client), "tcp", store.port).place,
        remedies=(Remedy(fix, steps),) if steps else (),
        related=(Related(store.address, store.kind), Related(client.address, "client"))
        + tuple(Related(b.group, "security group") for b in verdict.blockers),
        blockers=verdict.blockers,
        acl_blockers=acl_blockers,
        protocol="tcp",
        port=store.port,
        peer=client.address,
    )


def _remedies(model, blockers, endpoint, store, handed) -> tuple[Remedy, ...]:
    """Admit the one tier handed the store, else the configuration's one app tier."""
    tier = (handed[0] if len(handed) == 1 else None) if handed else the_app_tier(model)
    if tier is None:
        return ()
    steps = admitting_steps(model, blockers, tier, endpoint, "tcp", store.port, (store.address, "port"))
    who = tier.address if handed else "the app tier"
    return (Remedy(f"Admit tcp/{store.port} from {who}'s security group {' or '.join(tier.groups)} in a "
                   f"group of {store.address}.", steps),) if steps else ()
