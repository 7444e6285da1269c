"""A port the configuration names but does not give (a root variable with no value): every use
of it is the same value, so a rule on that very value admits it, and nothing else is assumed."""

from __future__ import annotations

import json
import shutil
from ipaddress import ip_network

import pytest

from conftest import FIXTURES
from tflint_sg.config import Unknown
from tflint_sg.load.modules.directory import load_directory
from tflint_sg.model import (INGRESS, Endpoint, Forward, LoadBalancer, Model, Rule, SymbolicPort, Target,
                             TargetGroup)
from tflint_sg.network import ALLOWED, BLOCKED, UNDECIDED, Peer, ports_match, rule_admits
from tflint_sg.topology import intended_flows

APP = SymbolicPort("var.app_port")
OTHER = SymbolicPort("var.other_port")
ALB = "aws_security_group.alb"


def rule(protocol="tcp", ports=(80, 80), groups=(ALB,), cidrs=()) -> Rule:
    return Rule("aws_security_group.app", INGRESS, protocol, ports[0], ports[1],
                cidrs=tuple(ip_network(c) for c in cidrs), groups=tuple(groups))


# --- the comparison ----------------------------------------------------------------------------

TRUTH_TABLE = [
    # (rule protocol, rule ports, flow port, answer)
    ("tcp", (APP, APP), APP, ALLOWED),  # the same value on both sides, whatever it is
    ("tcp", (0, 65535), APP, ALLOWED),  # every port
    ("tcp", (1, 65535), APP, ALLOWED),  # every port a target group can use
    ("all", (0, 65535), APP, ALLOWED),  # protocol -1 / all
    ("tcp", (443, 443), APP, UNDECIDED),  # app_port may be 443: never blocked
    ("tcp", (1024, 65535), APP, UNDECIDED),  # a known range that is not every port
    ("tcp", (0, 65534), APP, UNDECIDED),
    ("tcp", (OTHER, OTHER), APP, UNDECIDED),  # two variables may or may not hold the same value
    ("tcp", (APP, 65535), APP, UNDECIDED),  # a range with one end unknown is not judged
    ("tcp", (APP, APP), 8080, UNDECIDED),  # app_port may be 8080
    ("tcp", (APP, OTHER), APP, UNDECIDED),
    ("udp", (APP, APP), APP, BLOCKED),  # the protocol is known: no port makes udp tcp
    ("udp", (0, 65535), APP, BLOCKED),
    ("tcp", (None, None), APP, UNDECIDED),  # ports unknown until apply, as before
    (None, (APP, APP), APP, UNDECIDED),
    ("tcp", (80, 80), 80, ALLOWED),  # known ports, as before
    ("tcp", (443, 443), 80, BLOCKED),
]


@pytest.mark.parametrize("protocol, ports, port, expected", TRUTH_TABLE)
def test_ports_match(protocol, ports, port, expected):
    assert ports_match(rule(protocol, ports), "tcp", port) == expected


def test_a_symbolic_port_from_a_peer_the_rule_does_not_name_is_blocked_whatever_the_port():
    """The source is known not to match: no value of the port changes that."""
    alb = Peer("aws_lb.web", (ALB,), True, (ip_network("10.0.1.0/24"),))
    assert rule_admits(rule(ports=(APP, APP), groups=(), cidrs=["203.0.113.0/24"]), alb, "tcp", APP) == BLOCKED
    assert rule_admits(rule(ports=(443, 443), groups=(), cidrs=["203.0.113.0/24"]), alb, "tcp", APP) == BLOCKED
    assert rule_admits(rule(ports=(443, 443)), alb, "tcp", APP) == UNDECIDED
    assert rule_admits(rule(ports=(APP, APP)), alb, "tcp", APP) == ALLOWED


def test_symbolic_ports_equal_by_name_sort_after_numbers_and_read_as_their_expression():
    assert SymbolicPort("var.app_port") == APP and hash(SymbolicPort("var.app_port")) == hash(APP)
    assert APP != OTHER and APP != "var.app_port" and APP != 80
    assert sorted([APP, 443, OTHER, 80]) == [80, 443, APP, OTHER]
    assert sorted([(1, OTHER), (1, 22), (0, APP)]) == [(0, APP), (1, 22), (1, OTHER)]
    assert f"tcp/{APP}" == "tcp/var.app_port" and json.dumps({"port": APP}) == '{"port": "var.app_port"}'


# --- which values carry the symbol -------------------------------------------------------------

ROOT_TF = """
variable "port" {
  type = number
}

variable "svc" {}

locals {
  port = var.port
}

module "child" {
  source = "./child"
  port   = var.port
  typed  = var.port
  strict = var.port
  shaped = var.port
}

resource "aws_security_group_rule" "r" {
  type              = "ingress"
  security_group_id = "sg-0123456789abcdef0"
  protocol          = "tcp"
  from_port         = var.port
  to_port           = 0
  cidr_blocks       = []
  description       = "x"
  tags = {
    local        = local.port
    template     = "${var.port}"
    tostring     = tostring(var.port)
    tonumber     = tonumber(tostring(var.port))
    chosen       = true ? var.port : 80
    tried        = try(var.port, 80)
    child        = module.child.port
    child_typed  = module.child.typed
    attribute    = var.svc.port
    element      = var.svc["web"]
    position     = var.svc[0]
    sum          = var.port + 0
    larger       = max(var.port, 1)
    coalesced    = coalesce(var.port, 80)
    text         = "port ${var.port}"
    open_choice  = var.port == 80 ? var.port : var.port
    child_strict = module.child.strict
    child_shaped = module.child.shaped
  }
}
"""

CHILD_TF = """
variable "port" {}

variable "typed" {
  type = string
}

variable "strict" {
  default  = 8080
  nullable = false
}

variable "shaped" {
  type = object({ port = optional(number, 8080) })
}

output "port" {
  value = var.port
}

output "typed" {
  value = var.typed
}

output "strict" {
  value = var.strict
}

output "shaped" {
  value = var.shaped
}
"""

SYMBOLS = [
    ("from_port", "var.port"),
    ("local", "var.port"),  # a local that passes it on
    ("template", "var.port"),  # "${x}" is x itself
    ("tostring", "var.port"),  # a port attribute reads 8080 and "8080" alike
    ("tonumber", "var.port"),
    ("chosen", "var.port"),  # a known condition picks the branch
    ("tried", "var.port"),
    ("child", "var.port"),  # a module input, read back through its output
    ("child_typed", "var.port"),  # string <-> number keeps the port
    ("attribute", "var.svc.port"),  # a part of one value is one value
    ("element", 'var.svc["web"]'),
    ("position", "var.svc[0]"),
    ("sum", None),  # arithmetic makes another value
    ("larger", None),  # so does a function that may change it
    ("coalesced", None),  # null would give 80
    ("text", None),  # a longer string is not a port
    ("open_choice", None),  # an unknown condition: either branch
    ("child_strict", None),  # null would take the module's default instead
    ("child_shaped", None),  # an object's optional() default may differ from the caller's
]


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    base = tmp_path_factory.mktemp("symbols")
    (base / ".git").mkdir()
    (base / "main.tf").write_text(ROOT_TF)
    (base / "child").mkdir()
    (base / "child" / "main.tf").write_text(CHILD_TF)
    values = load_directory(str(base)).resources["aws_security_group_rule.r"].values
    return {"from_port": values["from_port"], **values["tags"]}


@pytest.mark.parametrize("name, symbol", SYMBOLS)
def test_which_values_keep_the_symbol(values, name, symbol):
    value = values[name]
    assert isinstance(value, Unknown), value
    assert value.symbol == symbol


def test_a_variable_with_a_value_is_no_symbol(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(ROOT_TF.replace('"./child"', '"./none"'))
    config = load_directory(str(tmp_path), root_values={"port": 8080})
    assert config.resources["aws_security_group_rule.r"].values["from_port"] == 8080


# --- where the model compares two ports ----------------------------------------------------------

@pytest.mark.parametrize("health, flows", [
    ("traffic-port", [("traffic", APP)]),  # the traffic flow answers for the health check
    (APP, [("traffic", APP)]),  # health_check.port = var.app_port: the same port
    (OTHER, [("health_check", OTHER), ("traffic", APP)]),
    (8081, [("health_check", 8081), ("traffic", APP)]),
])
def test_health_check_port_against_a_symbolic_traffic_port(health, flows):
    model = Model(
        endpoints={"aws_lb.web": Endpoint("aws_lb.web", "aws_lb"),
                   "aws_instance.app": Endpoint("aws_instance.app", "aws_instance")},
        load_balancers={"aws_lb.web": LoadBalancer("aws_lb.web", "application", True)},
        target_groups={"aws_lb_target_group.web": TargetGroup("aws_lb_target_group.web", APP, "tcp", "instance", health)},
        targets=[Target("aws_lb_target_group.web", "aws_instance.app", None, "aws_lb_target_group_attachment.app")],
        forwards=[Forward("aws_lb.web", "aws_lb_listener.https", "aws_lb_target_group.web", 1)],
    )
    found, notes = intended_flows(model)
    assert [(flow.kind, flow.port) for flow in found] == flows and notes == []


def test_bridge_mode_maps_the_symbolic_container_port_to_its_host_port(tflint_sg, tmp_path):
    """containerPort and hostPort in the task definition, container_port in the service and the
    instances' rule all read var.app_port: the load balancer reaches the hosts on it."""
    copy = tmp_path / "case"
    shutil.copytree(FIXTURES / "ecs_bridge_dynamic_ok", copy, ignore=shutil.ignore_patterns("plan.json"))
    main = copy / "main.tf"
    text = main.read_text()
    for old, new in [("port        = 8080", "port        = var.app_port"),
                     ("{ containerPort = 8080, hostPort = 0 }", "{ containerPort = var.app_port, hostPort = var.app_port }"),
                     ("container_port   = 8080", "container_port   = var.app_port"),
                     ("from_port       = 32768", "from_port       = var.app_port"),
                     ("to_port         = 61000", "to_port         = var.app_port")]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    main.write_text(text + '\nvariable "app_port" {\n  type = number\n}\n')
    run = tflint_sg("--format", "json", "--verbose", str(copy))
    assert run.code == 0, run.stdout
    (checked,) = run.json()["inputs"]
    flows = [(f["kind"], f["port"], f["status"]) for f in checked["graph"]["flows"] if f["kind"] != "data"]
    assert flows and set(flows) == {("traffic", "var.app_port", "allowed")}
