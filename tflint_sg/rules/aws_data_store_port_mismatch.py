"""A data store's groups admit an app tier, but not on the port the store listens on."""

from dataclasses import replace

from tflint_sg.addresses import name_together
from tflint_sg.findings import Finding, Related
from tflint_sg.model import INGRESS, Endpoint
from tflint_sg.network import ALLOWED, BLOCKED, peer_of
from tflint_sg.rules.lb_flows import unique_places
from tflint_sg.remedy import UNSAFE, Remedy, SetPort
from tflint_sg.rules.places import admitting_steps, fix_site
from tflint_sg.rules.queries import ACL_ALSO, acl_drops, ingress_rules, judged_stores, named_clients, unjudged_stores, unknown_clients
from tflint_sg.topology import data_flow

ID = "aws_data_store_port_mismatch"


def check(context):
    for store, endpoint in judged_stores(context):
        yield from unknown_clients(context, endpoint, store.port)
        refused = []
        for client in named_clients(context, endpoint, store.port):
            verdict = context.verdict(data_flow(client.address, store.address, store.port)).side(INGRESS)
            if verdict.status == BLOCKED:
                refused.append((client, verdict))
        if not refused:
            continue
        # Clients admitted by the same rules read as one: "admit a[0] and a[1] only as tcp/3306 from g".
        by_admitted: dict[tuple[str, ...], list[str]] = {}
        for client, _ in refused:
            admitted = tuple(sorted({rule.describe() for rule in ingress_rules(context, endpoint)
                                     if set(rule.groups) & set(client.groups)
                                     or (rule.self_ref and rule.group in client.groups)}))
            by_admitted.setdefault(admitted, []).append(client.address)
        clients = [client.address for client, _ in refused]
        admits = "; ".join(f"{name_together(names)} only as {'; '.join(admitted)}"
                           for admitted, names in by_admitted.items())
        first, verdict = refused[0]
        site = fix_site(context.model, verdict.blockers, peer_of(first), "tcp", store.port)
        client_groups = sorted({group for client, _ in refused for group in client.groups})
        fixes = [f"Admit tcp/{store.port} from {' or '.join(client_groups)} in {site.admitting}, whose rule admits "
                 f"{'the client' if len(clients) == 1 else 'the clients'} on {site.ports_admitted()} only (or in "
                 f"another security group of {store.address})." if site.port_suspect else
                 f"Admit tcp/{store.port} from {' or '.join(client_groups)} in a security group of {store.address}."]
        # The store's port set to one its groups admit the clients on, if that passes for every client.
        candidates = sorted({rule.from_port for rule in site.admits_peer_elsewhere if rule.from_port == rule.to_port})
        port = next((candidate for candidate in candidates if store.port_settable
                     and all(context.verdict(data_flow(client.address, store.address, candidate)).status == ALLOWED
                            for client, _ in refused)), None)
        clients_as_one = Endpoint(", ".join(clients), "clients", tuple(client_groups))
        steps = admitting_steps(context.model, blockers_of(refused), clients_as_one, endpoint, "tcp", store.port,
                                (store.address, "port"))
        remedies = [Remedy(fixes[0], steps)] if steps else []
        if port is not None:
            remedies.append(Remedy("", (SetPort(store.address, "port", port),), UNSAFE))
            fixes.append(f"Set the port of {store.address} to {port}, the one its groups admit "
                         f"{'the client' if len(clients) == 1 else 'the clients'} on.")
        blockers = blockers_of(refused)
        acl_blockers = acl_drops(context, *(data_flow(client.address, store.address, store.port)
                                            for client, _ in refused))
        yield Finding(
            rule=ID,
            subject=store.address,
            message=(f"{name_together(clients)} -> {store.address} tcp/{store.port}: the {store.kind} listens on "
                     f"{store.port}, but its security groups admit {admits}." + (ACL_ALSO if acl_blockers else "")),
            fix=fixes[0],
            other_fixes=tuple(fixes[1:]),
            remedies=tuple(replace(remedy, description=remedy.description or fixes[-1]) for remedy in remedies),
            primary=site.place,
            related=unique_places([Related(store.address, store.kind), Related(store.address, "port", "port")]
                                  + [Related(client, "client") for client in clients]
                                  + [site.place] + [Related(group, "security group") for group in endpoint.groups]),
            blockers=blockers,
            acl_blockers=acl_blockers,
            protocol="tcp",
            port=store.port,
        )
    yield from unjudged_stores(context)


def blockers_of(refused) -> tuple:
    """Each group that refuses a client, once."""
    return tuple(dict.fromkeys(b for _, verdict in refused for b in verdict.blockers))
