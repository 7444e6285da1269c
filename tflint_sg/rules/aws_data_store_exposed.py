"""A data store admits the load balancer's own security group, or a public network, on its port."""

from tflint_sg.findings import Finding, Related
from tflint_sg.model import INGRESS
from tflint_sg.network import ALLOWED, Blocker
from tflint_sg.rules.places import rule_place
from tflint_sg.rules.queries import covers_port, judged_stores, unjudged_stores

ID = "aws_data_store_exposed"


def check(context):
    model = context.model
    compute_groups = {group for address in model.compute for group in model.endpoints[address].groups}
    # A group every tier carries (the shared self-referencing fix) is not the load balancer's own.
    balancer_groups = {group for address in model.load_balancers if address in model.endpoints
                       for group in model.endpoints[address].groups} - compute_groups
    # A load balancer with a target group on the store's port fronts it (PrivateLink to RDS):
    # its groups are meant to reach the store.
    fronting_groups: dict[int | None, set[str]] = {}
    for forward in model.forwards:
        target_group = model.target_groups.get(forward.target_group)
        if target_group is not None and forward.load_balancer in model.endpoints:
            fronting_groups.setdefault(target_group.port, set()).update(
                model.endpoints[forward.load_balancer].groups)
    for store, endpoint in judged_stores(context):
        fronting = fronting_groups.get(store.port, set())

        def own_group(group: str) -> bool:
            return group in balancer_groups and group not in fronting
        exposing = []
        exposing_rules = []
        for address in endpoint.groups:
            reasons = []
            for rule in model.groups[address].rules_in(INGRESS):
                if covers_port(rule, store.port) != ALLOWED:
                    continue
                names_balancer = any(map(own_group, rule.groups)) or (rule.self_ref and own_group(rule.group))
                public = [str(cidr) for cidr in rule.cidrs if cidr.prefixlen == 0 or cidr.is_global]
                if names_balancer:
                    reasons.append(f"{rule.describe()} (a load balancer's security group)")
                elif public:
                    reasons.append(f"{rule.describe()} (a public network)")
                if names_balancer or public:
                    exposing_rules.append(rule)
            if reasons:
                exposing.append(Blocker(store.address, INGRESS, address, tuple(reasons)))
        if not exposing:
            continue
        yield Finding(
            rule=ID,
            subject=store.address,
            message=(f"{store.address} admits more than the app tier on tcp/{store.port}: "
                     + "; ".join(f"{b.group} admits {', '.join(b.admits)}" for b in exposing)
                     + f". The {store.kind} should be reachable from the app tier only."),
            fix=(f"Admit tcp/{store.port} only from the app tier's security group in "
                 f"{', '.join(b.group for b in exposing)}."),
            primary=rule_place(exposing_rules[0]),
            related=tuple(Related(b.group, "security group") for b in exposing),
            blockers=tuple(exposing),
            protocol="tcp",
            port=store.port,
        )
    yield from unjudged_stores(context)
