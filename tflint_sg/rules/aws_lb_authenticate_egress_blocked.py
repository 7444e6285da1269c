"""A load balancer authenticates users through an identity provider (`authenticate-oidc`,
`authenticate-cognito`), but its own groups let nothing out on 443 (or, for Cognito, only to
private addresses): it cannot call the provider's token and user-info endpoints, and every
login fails."""

from tflint_sg.findings import Finding, Related, Undecided
from tflint_sg.model import EGRESS
from tflint_sg.network import BLOCKED
from tflint_sg.remedy import Admit, Remedy
from tflint_sg.rules.places import NOBODY, admitting_step, every_group_blocks, fix_site
from tflint_sg.rules.queries import covers_port, groups_not_known, rules_cannot_be_judged

ID = "aws_lb_authenticate_egress_blocked"

# HTTPS, unless an OIDC endpoint's URL names another port. The addresses are not in the
# configuration.
PORT = 443
ANYWHERE = ("0.0.0.0/0",)


def check(context):
    model = context.model
    by_balancer: dict[str, list] = {}
    for authentication in model.authentications:
        by_balancer.setdefault(authentication.load_balancer, []).append(authentication)
    for address in sorted(by_balancer):
        endpoint = model.endpoints.get(address)
        if endpoint is None:
            continue
        actions = sorted(by_balancer[address], key=lambda item: item.listener)
        unknown = groups_not_known(context, endpoint)
        if unknown:
            yield Undecided(address, f"its listeners authenticate users, and {unknown}")
            continue
        known_ports = all(action.ports is not None for action in actions)
        ports = sorted({port for action in actions for port in action.ports or ()}) or [PORT]
        if any(rules_cannot_be_judged(context, endpoint, EGRESS, port) for port in ports):
            yield Undecided(address, "its listeners authenticate users, and its egress rules are not all known")
            continue
        rules = [rule for group in endpoint.groups for rule in model.groups[group].rules_in(EGRESS)]
        if not known_ports:
            # Where the provider's endpoints listen is not known: only no TCP out at all is sure.
            if any(rule.protocol in ("tcp", "all", None) for rule in rules):
                yield Undecided(address, "its listeners authenticate users, and the identity provider's endpoints "
                                         "are not known")
                continue
            port, covering = PORT, []
        else:
            port, covering, undecided = _blocked_port(actions, ports, rules)
            if undecided:
                yield Undecided(address, undecided)
            if port is None:
                continue
        yield _finding(model, address, endpoint, actions, port, covering, known_ports)


def _blocked_port(actions, ports, rules):
    """The first port the load balancer cannot reach the provider on, the rules that cover it
    (only to private addresses), and why a port stays open to doubt."""
    # A Cognito user pool's domain, where the load balancer exchanges the code, is on the
    # internet: interface endpoints do not take its requests (the Cognito developer guide).
    cognito = any(action.kind == "authenticate-cognito" for action in actions)
    doubt = None
    for port in ports:
        covering = [rule for rule in rules if covers_port(rule, port) != BLOCKED]
        private_only = all(_inside_private_ranges(rule) for rule in covering)
        if not covering or private_only and cognito and port == PORT:
            return port, covering, doubt
        if private_only:
            doubt = (f"its listeners authenticate users, and it lets tcp/{port} out only to private addresses; "
                     "whether the identity provider lies there is not known")
    return None, [], doubt


def _finding(model, address, endpoint, actions, port, covering, known_ports) -> Finding:
    blockers = every_group_blocks(model, endpoint, EGRESS)
    lets_out = "; ".join(f"{b.group} lets out {', '.join(b.admits) or 'nothing'}" for b in blockers)
    if not known_ports:
        where = "let nothing out over TCP"
    elif not covering:
        where = f"let nothing out on tcp/{port}"
    else:
        where = f"let tcp/{port} out only to private addresses, and a Cognito user pool's domain is on the internet"
    how = " and ".join(sorted({action.kind for action in actions}))
    named = ", ".join(dict.fromkeys(action.listener for action in actions))
    step = admitting_step(model, list(blockers), endpoint, Admit("", EGRESS, "tcp", port, (),
                                                                 peer_networks=ANYWHERE))
    fix = f"Allow egress tcp/{port} to the identity provider (0.0.0.0/0) in a security group of {address}."
    return Finding(
        rule=ID,
        subject=address,
        message=(f"{address} authenticates users ({how} in {named}): it calls the identity provider's token and "
                 f"user-info endpoints over HTTPS, but its security groups {where}: "
                 f"{lets_out}. Every login ends in an HTTP 500 from the load balancer."),
        fix=fix,
        primary=fix_site(model, blockers, NOBODY, "tcp", port).place,
        remedies=(Remedy(fix, (step,)),) if known_ports else (),
        related=tuple(Related(listener, "authenticating listener") for listener in dict.fromkeys(
            action.listener for action in actions))
        + tuple(Related(group, "security group") for group in endpoint.groups[1:]),
        blockers=blockers,
        protocol="tcp",
        port=port,
    )


def _inside_private_ranges(rule) -> bool:
    """Whether a rule reaches only private addresses: peer groups (interfaces in a VPC) and
    CIDR blocks that are not global. A prefix list or an unresolved peer may be anything."""
    if rule.prefix_lists or rule.unresolved:
        return False
    return all(not network.is_global and network.prefixlen > 0 for network in rule.cidrs)
