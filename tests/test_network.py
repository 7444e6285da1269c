"""Security group semantics (tflint_sg.network) on hand-built models: no files involved."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from tflint_sg.modeling import normalize_protocol
from tflint_sg.config import Ref, Unknown
from tflint_sg.model import EGRESS, INGRESS, Endpoint, Model, Rule, SecurityGroup
from tflint_sg.network import ALLOWED, BLOCKED, UNDECIDED, Peer, group_admits, path, rule_admits, side

APP = "aws_security_group.app"
ALB = "aws_security_group.alb"
OTHER = "aws_security_group.other"


def rule(group=APP, direction=INGRESS, protocol="tcp", ports=(80, 80), cidrs=(), groups=(), self_ref=False,
         prefix_lists=(), unresolved=(), declared_by=None) -> Rule:
    return Rule(
        group=group,
        direction=direction,
        protocol=protocol,
        from_port=ports[0],
        to_port=ports[1],
        cidrs=tuple(ip_network(c) for c in cidrs),
        groups=tuple(groups),
        self_ref=self_ref,
        prefix_lists=tuple(prefix_lists),
        unresolved=tuple(unresolved),
        declared_by=group if declared_by is None else declared_by,
    )


def peer(groups=(), networks=("10.0.1.0/24",), complete=True) -> Peer:
    return Peer("aws_instance.peer", tuple(groups), complete,
                None if networks is None else tuple(ip_network(n) for n in networks))


def endpoint(address, *groups, unresolved=(), networks=("10.0.1.0/24",)) -> Endpoint:
    return Endpoint(address, "aws_instance", tuple(groups), tuple(unresolved),
                    None if networks is None else tuple(ip_network(n) for n in networks))


def model(*groups: SecurityGroup, floating=()) -> Model:
    return Model(groups={g.address: g for g in groups}, floating_rules=list(floating))


def group(address, *rules, uncertain=None) -> SecurityGroup:
    return SecurityGroup(address, rules=list(rules), uncertain=dict(uncertain or {}))


def admits_all_egress(address) -> SecurityGroup:
    return group(address, rule(address, EGRESS, "all", (0, 65535), cidrs=["0.0.0.0/0"]))


# --- protocol normalization ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("-1", "all"),
        (-1, "all"),
        ("all", "all"),
        ("ALL", "all"),
        ("6", "tcp"),
        (6, "tcp"),
        ("tcp", "tcp"),
        ("TCP", "tcp"),
        (" Tcp ", "tcp"),
        ("17", "udp"),
        ("UDP", "udp"),
        ("1", "icmp"),
        ("ICMP", "icmp"),
        ("58", "icmpv6"),
        ("icmpv6", "icmpv6"),
        (50, "50"),
        ("50", "50"),
    ],
)
def test_normalize_protocol(value, expected):
    assert normalize_protocol(value) == expected


@pytest.mark.parametrize("value", [None, "", True, False, Unknown("later"), Ref("aws_x.y"), ["tcp"], {"p": 1}])
def test_normalize_protocol_unknowable_values_are_none(value):
    assert normalize_protocol(value) is None


@pytest.mark.parametrize("raw", ["6", "TCP", 6])
def test_normalized_protocol_number_matches_tcp_query(raw):
    assert rule_admits(rule(protocol=normalize_protocol(raw), cidrs=["0.0.0.0/0"]), peer(), "tcp", 80) == ALLOWED


# --- protocols and ports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ports, port, expected",
    [
        ((80, 80), 80, ALLOWED),
        ((80, 80), 79, BLOCKED),
        ((80, 80), 81, BLOCKED),
        ((8000, 8100), 8000, ALLOWED),  # inclusive lower end
        ((8000, 8100), 8100, ALLOWED),  # inclusive upper end
        ((8000, 8100), 8050, ALLOWED),
        ((8000, 8100), 7999, BLOCKED),
        ((8000, 8100), 8101, BLOCKED),
        ((0, 65535), 65535, ALLOWED),
        ((0, 65535), 0, ALLOWED),
    ],
)
def test_tcp_port_range(ports, port, expected):
    assert rule_admits(rule(ports=ports, cidrs=["0.0.0.0/0"]), peer(), "tcp", port) == expected


@pytest.mark.parametrize("ports", [(None, None), (80, None), (None, 80)])
def test_unknown_ports_are_undecided(ports):
    assert rule_admits(rule(ports=ports, cidrs=["0.0.0.0/0"]), peer(), "tcp", 80) == UNDECIDED


def test_unknown_protocol_is_undecided():
    assert rule_admits(rule(protocol=None, cidrs=["0.0.0.0/0"]), peer(), "tcp", 80) == UNDECIDED


@pytest.mark.parametrize("protocol, port", [("tcp", 5432), ("udp", 53), ("icmp", 8), ("50", 0), ("tcp", 65535)])
def test_rule_protocol_all_admits_every_protocol_and_port(protocol, port):
    assert rule_admits(rule(protocol="all", ports=(0, 65535), cidrs=["0.0.0.0/0"]), peer(), protocol, port) == ALLOWED


def test_rule_protocol_all_ignores_its_ports():
    # AWS ignores ports on protocol -1; a plan shows them as 0..0.
    assert rule_admits(rule(protocol="all", ports=(0, 0), cidrs=["0.0.0.0/0"]), peer(), "tcp", 443) == ALLOWED


@pytest.mark.parametrize(
    "rule_protocol, protocol",
    [("udp", "tcp"), ("tcp", "udp"), ("icmp", "tcp"), ("50", "tcp"), ("tcp", "50")],
)
def test_other_protocol_is_blocked(rule_protocol, protocol):
    assert rule_admits(rule(protocol=rule_protocol, ports=(0, 65535), cidrs=["0.0.0.0/0"]), peer(), protocol, 80) \
        == BLOCKED


@pytest.mark.parametrize("protocol", ["icmp", "50"])
def test_portless_protocol_matches_on_protocol_alone(protocol):
    assert rule_admits(rule(protocol=protocol, ports=(-1, -1), cidrs=["0.0.0.0/0"]), peer(), protocol, 3) == ALLOWED


# --- CIDR peers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "networks, cidrs, expected",
    [
        (["10.0.1.0/24"], ["10.0.0.0/16"], ALLOWED),
        (["10.0.1.0/24"], ["10.0.1.0/24"], ALLOWED),
        (["10.0.1.0/24", "10.0.2.0/24"], ["10.0.0.0/16"], ALLOWED),
        (["10.0.1.0/24", "10.0.2.0/24"], ["10.0.1.0/24", "10.0.2.0/24"], ALLOWED),
        (["10.0.1.0/24"], ["0.0.0.0/0"], ALLOWED),
        (["10.0.1.0/24"], ["10.1.0.0/16"], BLOCKED),
        (["10.0.1.0/24"], ["203.0.113.0/24", "10.0.2.0/24"], BLOCKED),
        (["10.0.1.0/24", "10.0.2.0/24"], ["10.0.1.0/24"], UNDECIDED),  # one subnet of two
        (["10.0.0.0/16"], ["10.0.1.0/24"], UNDECIDED),  # part of one subnet
    ],
)
def test_ipv4_containment(networks, cidrs, expected):
    assert rule_admits(rule(cidrs=cidrs), peer(networks=networks), "tcp", 80) == expected


@pytest.mark.parametrize(
    "networks, cidrs, expected",
    [
        (["2001:db8:1::/64"], ["2001:db8::/32"], ALLOWED),
        (["2001:db8:1::/64"], ["::/0"], ALLOWED),
        (["2001:db8:1::/64", "2001:db8:2::/64"], ["2001:db8::/32"], ALLOWED),
        (["2001:db8:1::/64"], ["2001:db9::/32"], BLOCKED),
        (["2001:db8:1::/64", "2001:db8:2::/64"], ["2001:db8:1::/64"], UNDECIDED),
        (["2001:db8::/32"], ["2001:db8:1::/48"], UNDECIDED),
    ],
)
def test_ipv6_containment(networks, cidrs, expected):
    assert rule_admits(rule(cidrs=cidrs), peer(networks=networks), "tcp", 80) == expected


@pytest.mark.parametrize(
    "networks, cidrs",
    [(["10.0.1.0/24"], ["::/0"]), (["2001:db8:1::/64"], ["0.0.0.0/0"])],
)
def test_other_ip_version_never_matches(networks, cidrs):
    assert rule_admits(rule(cidrs=cidrs), peer(networks=networks), "tcp", 80) == BLOCKED


def test_dual_stack_peer_covered_in_both_versions():
    rule_ = rule(cidrs=["10.0.0.0/8", "2001:db8::/32"])
    assert rule_admits(rule_, peer(networks=["10.0.1.0/24", "2001:db8:1::/64"]), "tcp", 80) == ALLOWED


@pytest.mark.parametrize(
    "cidrs, expected",
    [
        (["0.0.0.0/0"], ALLOWED),
        (["10.0.0.0/8"], UNDECIDED),
        (["10.0.0.0/8", "0.0.0.0/0"], ALLOWED),
        (["::/0"], UNDECIDED),
    ],
)
def test_peer_with_unknown_networks(cidrs, expected):
    assert rule_admits(rule(cidrs=cidrs), peer(networks=None), "tcp", 80) == expected


def test_rule_without_any_peer_admits_nothing():
    assert rule_admits(rule(), peer(networks=["10.0.1.0/24"]), "tcp", 80) == BLOCKED


def test_cidr_rule_on_wrong_port_is_blocked_even_when_networks_unknown():
    assert rule_admits(rule(ports=(443, 443), cidrs=["10.0.0.0/8"]), peer(networks=None), "tcp", 80) == BLOCKED


# --- security group peers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "carried, complete, expected",
    [
        ((ALB,), True, ALLOWED),
        ((OTHER, ALB), True, ALLOWED),
        ((OTHER,), True, BLOCKED),
        ((), True, BLOCKED),
        ((OTHER,), False, UNDECIDED),  # one of its groups could be the referenced one
    ],
)
def test_security_group_reference(carried, complete, expected):
    assert rule_admits(rule(groups=[ALB]), peer(groups=carried, complete=complete), "tcp", 80) == expected


def test_group_reference_does_not_match_by_address():
    # Members of a group, not an address range: a peer inside any CIDR does not match.
    assert rule_admits(rule(groups=[ALB]), peer(groups=(OTHER,), networks=["10.0.1.0/24"]), "tcp", 80) == BLOCKED


def test_group_reference_on_wrong_port_is_blocked():
    assert rule_admits(rule(ports=(443, 443), groups=[ALB]), peer(groups=(ALB,)), "tcp", 80) == BLOCKED


def test_cidr_in_the_same_rule_still_admits_a_peer_without_the_group():
    rule_ = rule(groups=[ALB], cidrs=["10.0.0.0/16"])
    assert rule_admits(rule_, peer(groups=(OTHER,), networks=["10.0.1.0/24"]), "tcp", 80) == ALLOWED


@pytest.mark.parametrize(
    "carried, complete, expected",
    [
        ((APP,), True, ALLOWED),
        ((OTHER, APP), True, ALLOWED),
        ((OTHER,), True, BLOCKED),
        ((OTHER,), False, UNDECIDED),
    ],
)
def test_self_reference(carried, complete, expected):
    assert rule_admits(rule(group=APP, self_ref=True), peer(groups=carried, complete=complete), "tcp", 80) == expected


# --- what cannot be resolved --------------------------------------------------------------------


def test_prefix_list_is_undecided():
    assert rule_admits(rule(prefix_lists=["pl-0123456789abcdef0"]), peer(), "tcp", 80) == UNDECIDED


def test_prefix_list_with_covering_cidr_is_allowed():
    rule_ = rule(prefix_lists=["pl-0123456789abcdef0"], cidrs=["10.0.0.0/8"])
    assert rule_admits(rule_, peer(), "tcp", 80) == ALLOWED


def test_prefix_list_on_wrong_port_is_blocked():
    assert rule_admits(rule(ports=(443, 443), prefix_lists=["pl-1"]), peer(), "tcp", 80) == BLOCKED


def test_unresolved_peer_is_undecided():
    assert rule_admits(rule(unresolved=["CIDR unknown until apply"]), peer(), "tcp", 80) == UNDECIDED


def test_unresolved_peer_on_wrong_port_is_blocked():
    assert rule_admits(rule(ports=(443, 443), unresolved=["x"]), peer(), "tcp", 80) == BLOCKED


# --- groups and endpoints -----------------------------------------------------------------------

OPEN_80 = rule(APP, INGRESS, "tcp", (80, 80), cidrs=["0.0.0.0/0"])
OFFICE_443 = rule(OTHER, INGRESS, "tcp", (443, 443), cidrs=["203.0.113.0/24"])


def test_group_with_no_rules_in_direction_blocks():
    assert group_admits(group(APP, OPEN_80), EGRESS, peer(), "tcp", 80) == BLOCKED


def test_uncertain_direction_turns_an_allowing_rule_undecided():
    uncertain = group(APP, OPEN_80, uncertain={INGRESS: "inline and standalone rules mixed"})
    assert group_admits(uncertain, INGRESS, peer(), "tcp", 80) == UNDECIDED


def test_uncertain_other_direction_does_not_matter():
    uncertain = group(APP, OPEN_80, uncertain={EGRESS: "mixed"})
    assert group_admits(uncertain, INGRESS, peer(), "tcp", 80) == ALLOWED


@pytest.mark.parametrize("order", [(APP, OTHER), (OTHER, APP)])
def test_one_allowing_group_suffices(order):
    m = model(group(APP, OPEN_80), group(OTHER, OFFICE_443))
    assert side(m, endpoint("aws_instance.web", *order), INGRESS, peer(), "tcp", 80).status == ALLOWED


def test_every_blocking_group_is_listed():
    m = model(group(APP, rule(APP, ports=(8080, 8080), cidrs=["0.0.0.0/0"])), group(OTHER, OFFICE_443))
    verdict = side(m, endpoint("aws_instance.web", APP, OTHER), INGRESS, peer(), "tcp", 80)
    assert (verdict.status, {b.group for b in verdict.blockers}) == (BLOCKED, {APP, OTHER})


def test_blocker_names_endpoint_direction_and_what_the_group_admits():
    m = model(group(OTHER, OFFICE_443))
    verdict = side(m, endpoint("aws_instance.web", OTHER), INGRESS, peer(), "tcp", 80)
    blocker = verdict.blockers[0]
    assert (blocker.endpoint, blocker.direction, blocker.group, blocker.admits) == (
        "aws_instance.web", INGRESS, OTHER, ("tcp/443 from 203.0.113.0/24",))


def test_undecided_group_wins_over_blocking_group():
    m = model(group(APP, rule(unresolved=["x"])), group(OTHER, OFFICE_443))
    assert side(m, endpoint("aws_instance.web", APP, OTHER), INGRESS, peer(), "tcp", 80).status == UNDECIDED


def test_endpoint_with_unresolved_groups_is_undecided():
    m = model(group(OTHER, OFFICE_443))
    web = endpoint("aws_instance.web", OTHER, unresolved=("vpc_security_group_ids unknown until apply",))
    verdict = side(m, web, INGRESS, peer(), "tcp", 80)
    assert (verdict.status, verdict.blockers) == (UNDECIDED, ())


def test_endpoint_with_unmodeled_group_is_undecided():
    m = model(group(OTHER, OFFICE_443))
    verdict = side(m, endpoint("aws_instance.web", OTHER, "aws_security_group.elsewhere"), INGRESS, peer(), "tcp", 80)
    assert verdict.status == UNDECIDED


# --- floating rules (standalone rules whose group is not resolved) ------------------------------


def test_floating_rule_that_could_allow_makes_a_block_undecided():
    floating = rule("", INGRESS, "tcp", (80, 80), cidrs=["0.0.0.0/0"], declared_by="aws_security_group_rule.x")
    m = model(group(OTHER, OFFICE_443), floating=[floating])
    assert side(m, endpoint("aws_instance.web", OTHER), INGRESS, peer(), "tcp", 80).status == UNDECIDED


def test_floating_rule_that_could_allow_is_named_in_unresolved():
    floating = rule("", INGRESS, "tcp", (80, 80), cidrs=["0.0.0.0/0"], declared_by="aws_security_group_rule.x")
    m = model(group(OTHER, OFFICE_443), floating=[floating])
    verdict = side(m, endpoint("aws_instance.web", OTHER), INGRESS, peer(), "tcp", 80)
    assert any("aws_security_group_rule.x" in u for u in verdict.unresolved)


@pytest.mark.parametrize(
    "floating",
    [
        rule("", INGRESS, "tcp", (22, 22), cidrs=["0.0.0.0/0"]),  # another port
        rule("", EGRESS, "tcp", (80, 80), cidrs=["0.0.0.0/0"]),  # another direction
        rule("", INGRESS, "tcp", (80, 80), cidrs=["192.0.2.0/24"]),  # another network
    ],
)
def test_floating_rule_that_cannot_allow_keeps_the_block(floating):
    m = model(group(OTHER, OFFICE_443), floating=[floating])
    assert side(m, endpoint("aws_instance.web", OTHER), INGRESS, peer(), "tcp", 80).status == BLOCKED


def test_floating_rule_does_not_spoil_an_allowed_side():
    floating = rule("", INGRESS, "tcp", (80, 80), unresolved=["x"])
    m = model(group(APP, OPEN_80), floating=[floating])
    assert side(m, endpoint("aws_instance.web", APP), INGRESS, peer(), "tcp", 80).status == ALLOWED


# --- path: egress on the source AND ingress on the destination ----------------------------------

LB = "aws_lb.web"
WEB = "aws_instance.web"
LB_SG = "aws_security_group.lb"
WEB_SG = "aws_security_group.web"


def lb_and_web(lb_rules=(), web_rules=(), web_unresolved=()):
    m = model(group(LB_SG, *lb_rules), group(WEB_SG, *web_rules))
    lb = endpoint(LB, LB_SG, networks=("10.0.0.0/24",))
    web = endpoint(WEB, WEB_SG, unresolved=web_unresolved, networks=("10.0.10.0/24",))
    return m, lb, web


LB_EGRESS_ALL = rule(LB_SG, EGRESS, "all", (0, 65535), cidrs=["0.0.0.0/0"])
LB_EGRESS_443 = rule(LB_SG, EGRESS, "tcp", (443, 443), cidrs=["0.0.0.0/0"])
WEB_FROM_LB_80 = rule(WEB_SG, INGRESS, "tcp", (80, 80), groups=[LB_SG])
WEB_FROM_LB_443 = rule(WEB_SG, INGRESS, "tcp", (443, 443), groups=[LB_SG])
WEB_FROM_VPC_80 = rule(WEB_SG, INGRESS, "tcp", (80, 80), cidrs=["10.0.0.0/16"])


def test_path_allowed_when_both_sides_allow():
    m, lb, web = lb_and_web([LB_EGRESS_ALL], [WEB_FROM_LB_80])
    assert path(m, lb, web, "tcp", 80).status == ALLOWED


def test_path_blocked_by_source_egress():
    m, lb, web = lb_and_web([LB_EGRESS_443], [WEB_FROM_LB_80])
    verdict = path(m, lb, web, "tcp", 80)
    assert (verdict.status, [(b.endpoint, b.direction, b.group) for b in verdict.blockers]) == (
        BLOCKED, [(LB, EGRESS, LB_SG)])


def test_path_blocked_by_destination_ingress():
    m, lb, web = lb_and_web([LB_EGRESS_ALL], [WEB_FROM_LB_443])
    verdict = path(m, lb, web, "tcp", 80)
    assert (verdict.status, [(b.endpoint, b.direction, b.group) for b in verdict.blockers]) == (
        BLOCKED, [(WEB, INGRESS, WEB_SG)])


def test_path_blocked_on_both_sides_lists_both():
    m, lb, web = lb_and_web([LB_EGRESS_443], [WEB_FROM_LB_443])
    verdict = path(m, lb, web, "tcp", 80)
    assert {(b.direction, b.group) for b in verdict.blockers} == {(EGRESS, LB_SG), (INGRESS, WEB_SG)}


def test_source_without_egress_rules_blocks():
    # Terraform removes the default allow-all egress: a group with no egress rules sends nothing.
    m, lb, web = lb_and_web([], [WEB_FROM_LB_80])
    assert path(m, lb, web, "tcp", 80).status == BLOCKED


def test_one_blocked_side_is_enough_when_the_other_is_undecided():
    m, lb, web = lb_and_web([LB_EGRESS_443], [WEB_FROM_LB_80], web_unresolved=("unknown until apply",))
    verdict = path(m, lb, web, "tcp", 80)
    assert (verdict.status, [b.direction for b in verdict.blockers], bool(verdict.unresolved)) == (
        BLOCKED, [EGRESS], True)


def test_path_undecided_when_one_side_undecided_and_the_other_allows():
    m, lb, web = lb_and_web([LB_EGRESS_ALL], [WEB_FROM_LB_80], web_unresolved=("unknown until apply",))
    assert path(m, lb, web, "tcp", 80).status == UNDECIDED


def test_destination_peer_of_egress_is_the_destination_group():
    # The LB's egress names the web group: the destination carries it.
    m, lb, web = lb_and_web([rule(LB_SG, EGRESS, "tcp", (80, 80), groups=[WEB_SG])], [WEB_FROM_LB_80])
    assert path(m, lb, web, "tcp", 80).status == ALLOWED


def test_unfiltered_source_skips_egress():
    m, lb, web = lb_and_web([], [WEB_FROM_VPC_80])
    assert path(m, lb, web, "tcp", 80, source_filtered=False).status == ALLOWED


def test_unfiltered_source_matches_by_networks_only():
    # An NLB without security groups carries no group, so a group reference cannot admit it.
    m, lb, web = lb_and_web([LB_EGRESS_ALL], [WEB_FROM_LB_80])
    assert path(m, lb, web, "tcp", 80, source_filtered=False).status == BLOCKED


def test_unfiltered_source_blocks_only_at_the_destination():
    m, lb, web = lb_and_web([], [WEB_FROM_LB_80])
    verdict = path(m, lb, web, "tcp", 80, source_filtered=False)
    assert [(b.endpoint, b.direction) for b in verdict.blockers] == [(WEB, INGRESS)]


@pytest.mark.parametrize("cidrs, expected", [(["10.0.0.0/16"], UNDECIDED), (["0.0.0.0/0"], ALLOWED)])
def test_source_networks_unknown(cidrs, expected):
    # Client IP preservation: the destination sees clients' addresses, not the source's.
    m, lb, web = lb_and_web([], [rule(WEB_SG, INGRESS, "tcp", (80, 80), cidrs=cidrs)])
    verdict = path(m, lb, web, "tcp", 80, source_filtered=False, source_networks_known=False)
    assert verdict.status == expected
