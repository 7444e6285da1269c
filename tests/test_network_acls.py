"""Network ACL semantics on hand-built models: entry order, ranges, zones, and what stays open."""

import ipaddress

from tflint_sg.model import AclRule, Endpoint, LoadBalancer, Model, NetworkAcl
from tflint_sg.network import ALLOWED, BLOCKED, UNDECIDED
from tflint_sg.network_acls import REPLY, REQUEST, acl_path

NET = ipaddress.ip_network


def _entry(number, allow, low=0, high=65535, cidr="0.0.0.0/0", egress=False, protocol="tcp"):
    return AclRule("aws_network_acl.app", number, egress, protocol, low, high, NET(cidr) if cidr else None, allow,
                   "aws_network_acl.app")


def _model(entries, lb_kind="application", cross_zone=True, db_subnets=("aws_subnet.app_a",)):
    model = Model()
    model.subnet_networks = {"aws_subnet.public_a": NET("10.0.1.0/24"), "aws_subnet.public_b": NET("10.0.2.0/24"),
                             "aws_subnet.app_a": NET("10.0.11.0/24"), "aws_subnet.app_b": NET("10.0.12.0/24")}
    model.subnet_zones = {"aws_subnet.public_a": "a", "aws_subnet.public_b": "b", "aws_subnet.app_a": "a",
                          "aws_subnet.app_b": "b"}
    model.network_acls["aws_network_acl.app"] = NetworkAcl("aws_network_acl.app", list(entries))
    model.subnet_acls = {"aws_subnet.app_a": "aws_network_acl.app", "aws_subnet.app_b": "aws_network_acl.app"}
    model.load_balancers["aws_lb.web"] = LoadBalancer("aws_lb.web", lb_kind, True, cross_zone=cross_zone)
    model.endpoints["aws_lb.web"] = Endpoint("aws_lb.web", "aws_lb", subnets=("aws_subnet.public_a", "aws_subnet.public_b"))
    model.endpoints["aws_instance.app"] = Endpoint("aws_instance.app", "aws_instance", subnets=db_subnets,
                                                   spread=len(db_subnets) == 1)
    return model


OUT_ALL = _entry(100, True, egress=True, protocol="all")


def _verdict(model, port=80):
    return acl_path(model, model.endpoints["aws_lb.web"], model.endpoints["aws_instance.app"], "tcp", port)


def test_the_first_matching_entry_decides():
    allowed = _verdict(_model([_entry(100, True, 80, 80, "10.0.0.0/16"), _entry(200, False), OUT_ALL]))
    assert allowed.status == ALLOWED
    denied = _verdict(_model([_entry(90, False, cidr="10.0.1.0/24"), _entry(100, True, 80, 80, "10.0.0.0/16"), OUT_ALL]))
    assert denied.status == BLOCKED
    assert {(b.peer, b.rule.number) for b in denied.blockers} == {("aws_subnet.public_a", 90)}


def test_nothing_matching_is_the_implicit_deny():
    verdict = _verdict(_model([_entry(100, True, 443, 443), OUT_ALL]))
    assert verdict.status == BLOCKED and all(b.rule is None and b.traffic == REQUEST for b in verdict.blockers)


def test_the_reply_needs_the_whole_ephemeral_range():
    # Load balancers use 1024-65535: an ACL that lets out only the Linux range drops part of it.
    verdict = _verdict(_model([_entry(100, True, 80, 80), _entry(100, True, 32768, 60999, egress=True)]))
    assert verdict.status == BLOCKED and "1024-65535" in verdict.reply_ports
    assert {(b.traffic, b.from_port, b.to_port) for b in verdict.blockers} == {(REPLY, 1024, 32767),
                                                                              (REPLY, 61000, 65535)}


def test_unknowns_ahead_of_the_match_leave_it_open_but_an_earlier_deny_stands():
    unknown = AclRule("aws_network_acl.app", None, False, "tcp", 80, 80, NET("0.0.0.0/0"), True, "aws_network_acl_rule.x")
    assert _verdict(_model([unknown, _entry(200, False), OUT_ALL])).status == UNDECIDED
    later = AclRule("aws_network_acl.app", 300, False, "tcp", 80, 80, None, True, "aws_network_acl_rule.y")
    assert _verdict(_model([_entry(100, False, 80, 80), later, OUT_ALL])).status == BLOCKED


def test_an_entry_that_covers_part_of_a_subnet_is_not_decided():
    assert _verdict(_model([_entry(100, False, cidr="10.0.1.0/25"), _entry(200, True), OUT_ALL])).status == UNDECIDED


def test_an_nlb_without_cross_zone_sends_only_within_each_zone():
    # app_b (zone b) denies public_a (zone a): an NLB's node in zone a never sends there.
    entries = [_entry(90, False, cidr="10.0.1.0/24"), _entry(100, True), OUT_ALL]
    model = _model(entries, lb_kind="network", cross_zone=False, db_subnets=("aws_subnet.app_b",))
    assert _verdict(model).status == ALLOWED
    model = _model(entries, lb_kind="network", cross_zone=True, db_subnets=("aws_subnet.app_b",))
    assert _verdict(model).status == BLOCKED


def test_one_of_several_subnets_is_blocked_only_when_each_is():
    # A database is in one subnet of its group: app_a denies the load balancer, app_b (no ACL) does not.
    model = _model([_entry(100, False), OUT_ALL], db_subnets=("aws_subnet.app_a", "aws_subnet.app_b"))
    del model.subnet_acls["aws_subnet.app_b"]
    assert _verdict(model).status == UNDECIDED
    model.subnet_acls["aws_subnet.app_b"] = "aws_network_acl.app"
    assert _verdict(model).status == BLOCKED


def test_unknown_placement_is_undecided_unless_every_acl_allows_all():
    model = _model([_entry(100, True, 443, 443), OUT_ALL])
    model.endpoints["aws_instance.app"].subnets = None
    verdict = _verdict(model)
    assert verdict.status == UNDECIDED and "its subnets are not known" in verdict.unresolved[0]
    model.network_acls["aws_network_acl.app"].rules = [_entry(100, True, protocol="all"), OUT_ALL]
    assert _verdict(model).status == ALLOWED


def test_traffic_within_one_subnet_is_not_filtered():
    model = _model([_entry(100, False, protocol="all"), _entry(100, False, egress=True, protocol="all")])
    model.endpoints["aws_lb.web"].subnets = ("aws_subnet.app_a",)
    assert _verdict(model).status == ALLOWED


def test_a_flow_both_filters_drop_is_reported_by_each_rule_naming_the_other(tmp_path):
    import shutil

    from conftest import FIXTURES
    from tflint_sg import pipeline

    case = tmp_path / "case"
    shutil.copytree(FIXTURES / "nacl_request_blocked", case, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    (case / ".git").mkdir()
    main = case / "main.tf"
    text = main.read_text()
    marker = "    from_port       = 80\n    to_port         = 80\n    protocol        = \"tcp\"\n    security_groups"
    assert marker in text
    main.write_text(text.replace(marker, marker.replace("= 80", "= 443")))
    outcome = pipeline.run(pipeline.Options(paths=(str(case),), cache=False))
    findings = {f.rule: f for f in outcome.checked[0].result.findings}
    assert set(findings) == {"aws_lb_target_traffic_blocked", "aws_network_acl_traffic_blocked"}
    assert "A network ACL drops it too" in findings["aws_lb_target_traffic_blocked"].message
    assert findings["aws_network_acl_traffic_blocked"].message.endswith("Security groups block it too.")
    # The security-group finding names the ACL entries beside its groups.
    assert [b.acl for b in findings["aws_lb_target_traffic_blocked"].acl_blockers] == [
        b.acl for b in findings["aws_network_acl_traffic_blocked"].acl_blockers]
    assert findings["aws_lb_target_traffic_blocked"].acl_blockers
