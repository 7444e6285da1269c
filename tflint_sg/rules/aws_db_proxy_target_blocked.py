"""An RDS Proxy cannot reach the database behind it: the database's groups do not admit the
proxy's (they admit the app tier the proxy stands in for), or the proxy's groups send nothing
to it."""

from tflint_sg.findings import Finding, Related, Undecided
from tflint_sg.model import EGRESS, INGRESS
from tflint_sg.network import BLOCKED, UNDECIDED, peer_of
from tflint_sg.remedy import Remedy
from tflint_sg.rules.lb_flows import flow_subject
from tflint_sg.rules.places import admitting_steps, blocker_reasons, fix_site
from tflint_sg.rules.queries import ACL_ALSO, acl_drops
from tflint_sg.topology import data_flow

ID = "aws_db_proxy_target_blocked"


def check(context):
    model = context.model
    for proxy_address, database_address in model.proxy_targets:
        proxy = model.endpoints.get(proxy_address)
        database = model.endpoints.get(database_address)
        store = model.data_stores.get(database_address)
        if proxy is None or database is None or store is None:
            continue
        if store.port is None:
            yield Undecided(f"{proxy_address} -> {database_address}", "the database's port is not known")
            continue
        flow = data_flow(proxy_address, database_address, store.port)
        verdict = context.verdict(flow)
        if verdict.status == UNDECIDED:
            yield Undecided(flow_subject(flow), "; ".join(sorted(set(verdict.unresolved))))
        if verdict.status != BLOCKED:
            continue
        ports = f"tcp/{store.port}"
        ingress = [b for b in verdict.blockers if b.direction == INGRESS]
        fixes = []
        if ingress:
            fixes.append(f"Admit {ports} from the proxy's security group {' or '.join(proxy.groups)} in a security "
                         f"group of {database_address}.")
        if any(b.direction == EGRESS for b in verdict.blockers):
            fixes.append(f"Allow egress {ports} to {' or '.join(database.groups)} in a security group of "
                         f"{proxy_address}.")
        fix = " ".join(fixes)
        steps = admitting_steps(model, verdict.blockers, proxy, database, "tcp", store.port)
        acl_blockers = acl_drops(context, flow)
        peer = peer_of(proxy) if ingress else peer_of(database)
        yield Finding(
            rule=ID,
            subject=database_address,
            message=(f"{proxy_address} connects to {database_address} on {ports} for its clients, but security "
                     f"groups block it: {blocker_reasons(verdict.blockers)}. Clients of the proxy get errors on every "
                     "connection." + (ACL_ALSO if acl_blockers else "")),
            fix=fix,
            primary=fix_site(model, verdict.blockers, peer, "tcp", store.port).place,
            remedies=(Remedy(fix, steps),) if steps else (),
            related=(Related(proxy_address, "database proxy"),)
            + tuple(Related(b.group, "security group") for b in verdict.blockers),
            blockers=verdict.blockers,
            acl_blockers=acl_blockers,
            unresolved=verdict.unresolved,
            protocol="tcp",
            port=store.port,
            peer=proxy_address,
        )
