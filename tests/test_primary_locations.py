"""Every finding of every bad fixture points where the fix goes: its SARIF primary location is
inside the block to edit, computed here from the .tf text. A pull request that changes that
block gets the annotation on its diff.

Each expectation says why that is the place, from the fixture's configuration: the rule on the
blocking side that names the peer on another port puts the port first (the port may be the
mistake); a rule on the right port from another source is the rule to change; otherwise the
group that must admit the traffic; an exposure points at the open rule.
"""

import pytest

from conftest import FIXTURES, block_lines


RULE = "rule: "  # a marker inside an inline rule: the whole `ingress`/`egress` block is expected


def _inner(lines: list[str], start: int, end: int, marker: str) -> tuple[int, int]:
    """The line holding `marker` inside lines start..end (an attribute), or for a RULE marker
    the nested block around it, from its opening line to its closing brace."""
    if marker.startswith(RULE):
        holding = next(n for n in range(start, end + 1) if marker[len(RULE):] in lines[n - 1])
        line = max(n for n in range(start + 1, holding) if lines[n - 1].rstrip().endswith("{"))
    else:
        line = next(n for n in range(start, end + 1) if marker in lines[n - 1])
    if not lines[line - 1].rstrip().endswith("{"):
        return line, line
    depth = 0
    for last in range(line, end + 1):
        depth += lines[last - 1].count("{") - lines[last - 1].count("}")
        if depth == 0:
            return line, last
    raise AssertionError(marker)


# fixture, rule -> (file, resource header, the part inside it: a line of the attribute, or RULE
# and a line only that inline rule holds; None for the whole block)
EXPECTED = {
    # The load balancer's own group has no egress: the group that must allow it.
    ("alb_no_egress", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_security_group" "grafana_alb"', None),
    # The API group admits the ALB on 443 only, the target group sends 8080: the port first.
    ("both_sides_blocked", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_lb_target_group" "api"', "port     = 8080"),
    # The app group admits the ELB on 80, the listener sends instance_port 8080.
    ("classic_elb", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_elb" "web"', "instance_port"),
    # The green attachment overrides the port to 8443; the group admits the ALB on 443.
    ("count_for_each", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_lb_target_group_attachment" "api"', "port "),
    # The instances declare no groups, so they get the VPC's default group, which admits only
    # itself: the instances need a group of their own, attached in their block.
    ("default_security_group", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_instance" "app"', None),
    # The task group admits the ALB on 80, the service registers container port 3000.
    ("ecs_awsvpc", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_ecs_service" "orders"', "container_port"),
    # Dynamic host ports: the rule that admits the ALB (on 8080 only) is the one to widen.
    ("ecs_bridge_dynamic_blocked", "aws_ecs_service_dynamic_ports_blocked"): ("main.tf", 'resource "aws_security_group" "ecs_hosts"', RULE + "App port from the ALB"),
    # Bridge mode maps container 8080 to host 8081, the hosts admit the ALB on 8080: the mapping.
    ("ecs_bridge_templatefile", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_ecs_service" "web"', "task_definition"),
    # The open rules themselves.
    ("expose_db_public", "aws_data_store_exposed"): ("main.tf", 'resource "aws_security_group" "db"', RULE + "MySQL for the reporting vendor"),
    ("expose_db_to_lb", "aws_data_store_exposed"): ("main.tf", 'resource "aws_security_group" "db"', RULE + "Postgres from the ALB"),
    ("expose_target_open", "aws_lb_target_exposed"): ("main.tf", 'resource "aws_security_group" "api"', RULE + "temporary debugging"),
    # The listener is on 443; the ALB's group admits clients (anywhere) on 80 only: that rule.
    ("expose_listener_unreachable", "aws_lb_listener_unreachable"): ("main.tf", 'resource "aws_security_group" "alb"', RULE + "HTTP from anywhere"),
    # Health checks on 8081; the group admits the ALB on the traffic port 80.
    ("health_check_port", "aws_lb_target_health_check_blocked"): ("main.tf", 'resource "aws_lb_target_group" "web"', 'port     = "8081"'),
    ("listener_rules_weighted", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_lb_target_group" "admin"', "port     = 9000"),
    # The root's instance is in the default group module.network manages with no rules: the
    # instance needs a group of its own, attached in its block (the same as default_security_group).
    ("module_lb_root_targets", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_instance" "web"', None),
    # The database admits the app on 5432, not the proxy: that rule is the place to edit.
    ("rds_proxy_blocked", "aws_db_proxy_target_blocked"): (
        "main.tf", 'resource "aws_security_group" "db"', RULE + "security_groups = [aws_security_group.app.id]"),
    # Neptune listens on 8182; its group admits the app on 8080: that rule.
    ("tier_more_stores", "aws_data_store_port_mismatch"): (
        "main.tf", 'resource "aws_security_group" "neptune"', RULE + "from_port       = 8080"),
    # The nodes' own group admits the ALB on 443, the target group sends to 30080: the port.
    ("eks_nodes_blocked", "aws_lb_target_traffic_blocked"): (
        "main.tf", 'resource "aws_lb_target_group" "web"', "port        = 30080"),
    # The API tasks' group lets out only 443 (to the proxy and the brokers); the proxy's rule
    # admits the API tasks, not the function handed its endpoint.
    ("tier_handed_stores", "aws_data_store_client_egress_blocked"): [
        ("main.tf", 'resource "aws_security_group" "api"', None)] * 2,
    ("tier_handed_stores", "aws_data_store_unreachable"): (
        "main.tf", 'resource "aws_security_group" "proxy"', RULE + "security_groups = [aws_security_group.api.id]"),
    # The ALB's group lets out only 8080: that group gets the egress on 443.
    ("lb_authenticate_blocked", "aws_lb_authenticate_egress_blocked"): (
        "main.tf", 'resource "aws_security_group" "alb"', None),
    # Interface endpoints: the endpoint's rule written for another tier (or on another port), else
    # its group, or the caller's group when its egress blocks.
    ("vpc_endpoint_blocked", "aws_vpc_endpoint_unreachable"): [
        ("main.tf", 'resource "aws_security_group" "secrets"', RULE + "from_port       = 80"),
        ("main.tf", 'resource "aws_security_group" "ssm"', None),
        ("main.tf", 'resource "aws_security_group" "worker"', None)],
    # The endpoints' one group admits the Lambda on 443: that rule, for each endpoint.
    ("vpc_endpoint_fargate_pull", "aws_vpc_endpoint_unreachable"): [
        ("main.tf", 'resource "aws_security_group" "endpoints"', RULE + "security_groups = [aws_security_group.report.id]")] * 3,
    # The IAM cluster's brokers are on 9098; its group admits the app on the plaintext 9092.
    ("tier_streams_brokers", "aws_data_store_port_mismatch"): (
        "main.tf", 'resource "aws_security_group" "kafka"', RULE + "from_port       = 9092"),
    # Network ACLs: the entry that denies (its nested block), else the ACL, where an entry goes.
    ("nacl_request_blocked", "aws_network_acl_traffic_blocked"): ("main.tf", 'resource "aws_network_acl" "app"', None),
    ("nacl_return_blocked", "aws_network_acl_return_traffic_blocked"): (
        "main.tf", 'resource "aws_network_acl" "app"', None),
    ("nacl_deny_shadows_allow", "aws_network_acl_traffic_blocked"): (
        "main.tf", 'resource "aws_network_acl" "app"', RULE + "rule_no    = 90"),
    ("nacl_default_managed", "aws_network_acl_traffic_blocked"): (
        "main.tf", 'resource "aws_default_network_acl" "main"', None),
    ("nacl_module_dedicated", "aws_network_acl_traffic_blocked"): (
        "modules/network/main.tf", 'resource "aws_network_acl" "private"', None),
    # Two calls of an installed module whose group admits the ALB on 443 only; the target groups
    # send 8080 and 9090: each finding points at its port (the module cannot be edited).
    ("module_installed_call_site", "aws_lb_target_traffic_blocked"): [
        ("main.tf", 'resource "aws_lb_target_group" "web"', "port     = 8080"),
        ("main.tf", 'resource "aws_lb_target_group" "api"', "port     = 9090")],
    # The target port is a variable of the lb module; its target group is where it is set.
    ("modules_three_levels", "aws_lb_target_traffic_blocked"): ("modules/lb/main.tf", 'resource "aws_lb_target_group" "this"', "port     = var.target_port"),
    ("nlb", "aws_lb_target_health_check_blocked"): ("main.tf", 'resource "aws_lb_target_group" "gateway"', 'port     = "8080"'),
    # Clients arrive with their own addresses; the rule on 443 admits only the VPC.
    ("nlb_clients_blocked", "aws_lb_target_clients_blocked"): ("main.tf", 'resource "aws_security_group" "web"', RULE + "HTTPS from the NLB"),
    ("plan_dynamic_interfaces", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_lb_target_group" "web"', "port     = 80"),
    ("plan_module_defaults", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_lb_target_group" "web"', "port     = 80"),
    # The metrics group admits the ALB on 9000-9089, one short of the target port 9090: that rule.
    ("rule_styles", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_vpc_security_group_ingress_rule" "metrics_from_alb"', None),
    # The rule on 8080 names a group nothing carries: its source is what to change.
    ("smell_unattached_source", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_vpc_security_group_ingress_rule" "app_from_lb"', None),
    ("source_count_from_plan_var", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_lb_target_group" "web"', "port     = 80"),
    # The tasks admit the ALB on 80; the service's dynamic load_balancer block gives 8080.
    ("source_ecs_dynamic_load_balancer", "aws_lb_target_traffic_blocked"): ("service/main.tf", 'resource "aws_ecs_service" "this"', "container_port"),
    ("source_asg_locals", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_lb_target_group" "app"', "port     = 8443"),
    ("source_unattached_through_local", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_vpc_security_group_ingress_rule" "app_from_lb"', None),
    # The story: the office-only group is on every tier; no rule names the ALB or the app tier.
    ("story", "aws_lb_target_traffic_blocked"): ("main.tf", 'resource "aws_security_group" "public"', None),
    ("story", "aws_data_store_unreachable"): ("main.tf", 'resource "aws_security_group" "public"', None),
    # The app tier's own group lets nothing out to the cache: that group.
    ("tier_client_egress_blocked", "aws_data_store_client_egress_blocked"): ("main.tf", 'resource "aws_security_group" "app"', None),
    # The database group admits the app tier on 3306, the database listens on 5432: that rule.
    ("tier_db_port_mismatch", "aws_data_store_port_mismatch"): ("main.tf", 'resource "aws_security_group" "db"', RULE + "MySQL from the app tier"),
    ("tier_db_unreachable", "aws_data_store_unreachable"): ("main.tf", 'resource "aws_security_group" "office"', None),
    # The standby's group admits the ALB on 8000; its target group (and health check) use 8080.
    ("weighted_standby", "aws_lb_target_health_check_blocked"): ("main.tf", 'resource "aws_lb_target_group" "green"', "port     = 8080"),
}


# A variable without a value, a data source read while planning.
NEEDS_THE_PLAN = {"source_count_from_plan_var", "source_ecs_dynamic_load_balancer"}


def _results(tflint_sg, target: str) -> list[dict]:
    return tflint_sg("--format", "sarif", target).json()["runs"][0]["results"]


@pytest.mark.parametrize("mode", ["plan", "source"])
@pytest.mark.parametrize("case, rule", sorted(EXPECTED))
def test_the_primary_location_is_the_block_to_edit(case, rule, mode, tflint_sg):
    target = f"fixtures/{case}/plan.json" if mode == "plan" else f"fixtures/{case}"
    if mode == "source" and (case.startswith("plan_") or case in NEEDS_THE_PLAN):
        pytest.skip("its .tf files alone leave the flow open: it needs the values its plan records")
    places = EXPECTED[(case, rule)]
    places = places if isinstance(places, list) else [places]  # one a finding, in the order of their lines
    results = sorted((r for r in _results(tflint_sg, target) if r["ruleId"] == rule),
                     key=lambda r: r["locations"][0]["physicalLocation"]["region"]["startLine"])
    assert len(results) == len(places)
    for (relative, header, marker), result in zip(places, results):
        lines = (FIXTURES / case / relative).read_text().splitlines()
        start, end = block_lines(lines, header)
        if marker is not None:
            start, end = _inner(lines, start, end, marker)
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == f"fixtures/{case}/{relative}"
        region = location["region"]
        assert (region["startLine"], region["endLine"]) == (start, end)
        # The span starts where the written part does: its first non-blank column.
        first = lines[start - 1]
        assert region["startColumn"] == len(first) - len(first.lstrip()) + 1


def test_every_bad_fixture_has_its_expected_place():
    """A new bad fixture needs an expectation here."""
    import json

    bad = {(case.name, finding["rule"]) for case in FIXTURES.iterdir() if (case / "expected.json").is_file()
           for finding in json.loads((case / "expected.json").read_text())["findings"]}
    # Smells are about the group or rule itself: their subject is the place.
    bad = {pair for pair in bad if not pair[1].startswith("aws_security_group_")}
    assert bad == set(EXPECTED)


STORY_INGRESS = '''  ingress {
    description = "HTTPS from office"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.0/24"]
  }
'''


# A rule for the group's own members (the ALB carries it) on 8080.
SELF_ON_8080 = STORY_INGRESS + '''  ingress {
    from_port = 8080
    to_port   = 8080
    protocol  = "tcp"
    self      = true
  }
'''


def _story_with(tmp_path, ingress: str, egress_removed: bool = False):
    story = tmp_path / "story"
    story.mkdir()
    (story / ".git").mkdir()
    text = (FIXTURES / "story" / "main.tf").read_text()
    assert STORY_INGRESS in text
    text = text.replace(STORY_INGRESS, ingress)
    if egress_removed:
        egress = text[text.index("  egress {"):text.index("}\n", text.index("  egress {")) + 2]
        text = text.replace(egress, "")
    (story / "main.tf").write_text(text)
    return story


def _traffic(tflint_sg, story) -> dict:
    (finding,) = [f for f in tflint_sg("--format", "json", str(story)).json()["findings"]
                  if f["rule"] == "aws_lb_target_traffic_blocked"]
    return finding


def test_a_rule_for_the_load_balancer_on_another_port_puts_the_port_first(tflint_sg, tmp_path):
    # The group admits itself (the ALB carries it) on 8080; the target group sends 80.
    story = _story_with(tmp_path, SELF_ON_8080)
    finding = _traffic(tflint_sg, story)
    assert finding["primary"]["address"] == "aws_lb_target_group.web" and finding["primary"]["attribute"] == "port"
    assert "the port may be the mistake" in finding["message"]
    assert finding["fix"].startswith("Set port of aws_lb_target_group.web to 8080")


def test_a_rule_open_to_the_internet_on_ssh_says_nothing_of_the_port(tflint_sg, tmp_path):
    # 0.0.0.0/0 covers the ALB's subnets, but a rule for SSH from anywhere is for people.
    story = _story_with(tmp_path, STORY_INGRESS + '''  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
''')
    finding = _traffic(tflint_sg, story)
    assert finding["primary"]["address"] == "aws_security_group.public" and "attribute" not in finding["primary"]
    assert "may be the mistake" not in finding["message"] and not finding["other_fixes"]


def test_a_port_the_load_balancer_cannot_send_is_no_way_out(tflint_sg, tmp_path):
    # The group admits the ALB on 8080, but the ALB's only group has no egress at all: setting
    # the target group's port to 8080 would still be blocked, so the group comes first.
    story = _story_with(tmp_path, SELF_ON_8080, egress_removed=True)
    finding = _traffic(tflint_sg, story)
    assert "may be the mistake" not in finding["message"]
    assert not any("Set port" in fix for fix in [finding["fix"], *finding["other_fixes"]])
