"""The plan loader (tflint_sg.load.plan.reader) and the model built from it, on miniature plan documents.

Each document copies the shape of `terraform show -json PLANFILE` (see fixtures/*/plan.json):
`planned_values` (values known before apply), `resource_changes` (`after`, `after_unknown`,
`actions`), `prior_state` for resources that exist, and `configuration` (expressions and their
references) to follow what is unknown until apply.
"""

from __future__ import annotations

import codecs
import json
from ipaddress import ip_network

import pytest

from conftest import FIXTURES
from tflint_sg.addresses import parse_resource_address
from tflint_sg.modeling import build_model
from tflint_sg.config import Ref
from tflint_sg.errors import InputError
from tflint_sg.load.plan.reader import load_plan
from tflint_sg.model import EGRESS, INGRESS, Endpoint, Forward
from tflint_sg.network import ALLOWED, BLOCKED, Peer, side

# --- building plan documents ------------------------------------------------------------------


def change(address, type_, after, unknown=None, actions=("create",)):
    """One entry of `resource_changes`."""
    parsed = parse_resource_address(address)
    entry = {
        "address": address,
        "mode": "managed",
        "type": type_,
        "name": parsed.resource.split(".")[-1],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": list(actions), "before": None, "after": after, "after_unknown": unknown or {}},
    }
    if parsed.module:
        entry["module_address"] = parsed.module
    if parsed.key is not None:
        entry["index"] = json.loads(parsed.key[1:-1])
    return entry


def config_resource(address, type_, expressions, count=None, for_each=None):
    """One entry of a configuration module's `resources`."""
    entry = {"address": address, "mode": "managed", "type": type_, "name": address.split(".")[-1],
             "provider_config_key": "aws", "expressions": expressions, "schema_version": 0}
    if count is not None:
        entry["count_expression"] = count
    if for_each is not None:
        entry["for_each_expression"] = for_each
    return entry


def refs(*references):
    return {"references": list(references)}


def const(value):
    return {"constant_value": value}


def _state_module(resources):
    """Nest state resources by module path, as planned_values and prior_state do."""
    root = {"resources": [], "child_modules": []}
    modules = {"": root}
    for resource in resources:
        module = parse_resource_address(resource["address"]).module
        steps = module.split(".") if module else []
        path = ""
        node = root
        for index in range(0, len(steps), 2):
            path = ".".join(steps[: index + 2])
            if path not in modules:
                modules[path] = {"address": path, "resources": [], "child_modules": []}
                node["child_modules"].append(modules[path])
            node = modules[path]
        node["resources"].append(resource)
    return root


def _state_resource(entry, values):
    resource = {key: entry[key] for key in ("address", "mode", "type", "name", "provider_name")}
    if "index" in entry:
        resource["index"] = entry["index"]
    resource["schema_version"] = 0
    resource["values"] = values
    return resource


def plan_doc(changes, config=None, prior=None, variables=None):
    """A plan: `changes` from change(); `config` the configuration's root module; `prior` a list
    of (address, type, values) that exist already."""
    planned = [_state_resource(c, c["change"]["after"]) for c in changes if c["change"]["actions"] != ["delete"]]
    doc = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": _state_module(planned)},
        "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {"name": "aws"}}, "root_module": config or {}},
    }
    if prior is not None:
        entries = [change(address, type_, values) for address, type_, values in prior]
        doc["prior_state"] = {
            "format_version": "1.0",
            "terraform_version": "1.9.8",
            "values": {"root_module": _state_module([_state_resource(e, v) for e, (_, _, v) in zip(entries, prior)])},
        }
    if variables is not None:
        doc["variables"] = {name: {"value": value} for name, value in variables.items()}
    return doc


def write(tmp_path, doc, encoding="utf-8", name="plan.json"):
    path = tmp_path / name
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if encoding == "utf-16-be-bom":
        path.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    else:
        path.write_bytes(text.encode(encoding))
    return str(path)


def load(tmp_path, doc, **kwargs):
    return load_plan(write(tmp_path, doc, **kwargs))


def model_of(tmp_path, doc):
    return build_model(load(tmp_path, doc))


# --- common pieces --------------------------------------------------------------------------------

SG_UNKNOWN = {"arn": True, "id": True, "owner_id": True, "tags_all": True, "vpc_id": True, "name_prefix": True}


def rule_block(protocol="tcp", from_port=80, to_port=80, cidrs=(), groups=(), self_=False, description=""):
    return {"cidr_blocks": list(cidrs), "description": description, "from_port": from_port,
            "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": protocol,
            "security_groups": list(groups), "self": self_, "to_port": to_port}


ALL_EGRESS = rule_block("-1", 0, 0, cidrs=["0.0.0.0/0"])


def new_group(address, ingress=None, egress=None, name=None):
    """A security group being created; a missing ingress/egress means the configuration declares none."""
    after = {"description": "Managed by Terraform", "name": name or address.split(".")[-1],
             "revoke_rules_on_delete": False, "tags": None, "timeouts": None}
    unknown = dict(SG_UNKNOWN)
    for direction, blocks in (("ingress", ingress), ("egress", egress)):
        if blocks is None:
            unknown[direction] = True  # computed when not declared
        else:
            after[direction] = blocks
            unknown[direction] = [{"cidr_blocks": [False for _ in b["cidr_blocks"]], "ipv6_cidr_blocks": [],
                                   "prefix_list_ids": [], "security_groups": []} for b in blocks]
    return change(address, "aws_security_group", after, unknown)


def group_config(address, ingress=None, egress=None):
    expressions = {"description": const("Managed by Terraform"), "name": const(address.split(".")[-1])}
    if ingress is not None:
        expressions["ingress"] = const(ingress)
    if egress is not None:
        expressions["egress"] = const(egress)
    return config_resource(address, "aws_security_group", expressions)


INSTANCE_UNKNOWN = {"arn": True, "id": True, "private_ip": True, "security_groups": True, "subnet_id": True,
                    "vpc_security_group_ids": True, "network_interface": True}


def new_instance(address, groups=None):
    """An instance being created; `groups` known ids, or None when unknown until apply."""
    after = {"ami": "ami-0123456789abcdef0", "instance_type": "t3.small", "launch_template": []}
    unknown = dict(INSTANCE_UNKNOWN)
    if groups is not None:
        after["vpc_security_group_ids"] = list(groups)
        del unknown["vpc_security_group_ids"]
    return change(address, "aws_instance", after, unknown)


def instance_config(address, groups_expression=None, **extra):
    expressions = {"ami": const("ami-0123456789abcdef0"), "instance_type": const("t3.small")}
    if groups_expression is not None:
        expressions["vpc_security_group_ids"] = groups_expression
    return config_resource(address, "aws_instance", expressions, **extra)


def a_peer(*groups, networks=("10.0.1.0/24",)):
    return Peer("aws_instance.peer", tuple(groups), True, tuple(ip_network(n) for n in networks))


def one_group_plan(ingress=None, egress=None):
    address = "aws_security_group.app"
    return plan_doc([new_group(address, ingress, egress)],
                    {"resources": [group_config(address, ingress, egress)]})


# --- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom", "utf-8-sig", "utf-8", "utf-16-le"])
def test_encodings_load(tmp_path, encoding):
    config = load(tmp_path, one_group_plan(ingress=[rule_block(cidrs=["0.0.0.0/0"])]), encoding=encoding)
    assert list(config.resources) == ["aws_security_group.app"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_non_ascii_text_survives_a_bom(tmp_path, encoding):
    doc = one_group_plan(ingress=[rule_block(cidrs=["0.0.0.0/0"], description="Café → API")])
    config = load(tmp_path, doc, encoding=encoding)
    assert config.resources["aws_security_group.app"].values["ingress"][0]["description"] == "Café → API"


# --- actions --------------------------------------------------------------------------------------


def _group_with_actions(actions):
    address = "aws_security_group.old"
    entry = change(address, "aws_security_group",
                   {"id": "sg-0123456789abcdef0", "name": "old", "ingress": [], "egress": []}, {}, actions)
    return plan_doc([entry], {"resources": [group_config(address)]},
                    prior=[(address, "aws_security_group", {"id": "sg-0123456789abcdef0", "name": "old"})])


def test_deleted_resource_is_absent(tmp_path):
    assert "aws_security_group.old" not in load(tmp_path, _group_with_actions(["delete"])).resources


@pytest.mark.parametrize("actions", [["delete", "create"], ["create", "delete"], ["no-op"], ["update"]])
def test_replaced_or_kept_resource_is_present(tmp_path, actions):
    assert "aws_security_group.old" in load(tmp_path, _group_with_actions(actions)).resources


def test_deleted_resource_is_absent_from_the_model(tmp_path):
    assert "aws_security_group.old" not in model_of(tmp_path, _group_with_actions(["delete"])).groups


def test_deleted_group_id_does_not_resolve(tmp_path):
    doc = _group_with_actions(["delete"])
    doc["resource_changes"].append(new_instance("aws_instance.web", groups=["sg-0123456789abcdef0"]))
    endpoint = model_of(tmp_path, doc).endpoints["aws_instance.web"]
    assert (endpoint.groups, bool(endpoint.unresolved_groups)) == ((), True)


# --- legacy type names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "legacy, canonical",
    [
        ("aws_alb", "aws_lb"),
        ("aws_alb_listener", "aws_lb_listener"),
        ("aws_alb_target_group", "aws_lb_target_group"),
        ("aws_alb_listener_rule", "aws_lb_listener_rule"),
        ("aws_alb_target_group_attachment", "aws_lb_target_group_attachment"),
    ],
)
def test_legacy_type_becomes_canonical(tmp_path, legacy, canonical):
    address = f"{legacy}.x"
    config = load(tmp_path, plan_doc([change(address, legacy, {"name": "x"}, {"id": True, "arn": True})]))
    assert config.resources[address].type == canonical


def _legacy_alb_plan():
    return plan_doc(
        [
            change("aws_alb.web", "aws_alb", {"name": "web", "load_balancer_type": "application", "internal": False},
                   {"id": True, "arn": True, "security_groups": True, "subnets": True}),
            change("aws_alb_target_group.web", "aws_alb_target_group",
                   {"name": "web", "port": 80, "protocol": "HTTP", "target_type": "instance", "health_check": []},
                   {"id": True, "arn": True, "health_check": True}),
            change("aws_alb_listener.http", "aws_alb_listener",
                   {"port": 80, "protocol": "HTTP", "default_action": [{"type": "forward"}]},
                   {"id": True, "arn": True, "load_balancer_arn": True,
                    "default_action": [{"target_group_arn": True}]}),
        ],
        {"resources": [
            config_resource("aws_alb.web", "aws_alb", {"name": const("web")}),
            config_resource("aws_alb_target_group.web", "aws_alb_target_group",
                            {"name": const("web"), "port": const(80), "protocol": const("HTTP")}),
            config_resource("aws_alb_listener.http", "aws_alb_listener", {
                "load_balancer_arn": refs("aws_alb.web.arn", "aws_alb.web"),
                "port": const(80), "protocol": const("HTTP"),
                "default_action": [{"type": const("forward"),
                                    "target_group_arn": refs("aws_alb_target_group.web.arn",
                                                             "aws_alb_target_group.web")}],
            }),
        ]},
    )


def test_legacy_alb_is_a_load_balancer(tmp_path):
    assert model_of(tmp_path, _legacy_alb_plan()).load_balancers["aws_alb.web"].kind == "application"


def test_legacy_alb_target_group_is_a_target_group(tmp_path):
    assert model_of(tmp_path, _legacy_alb_plan()).target_groups["aws_alb_target_group.web"].port == 80


def test_legacy_alb_listener_forwards(tmp_path):
    assert model_of(tmp_path, _legacy_alb_plan()).forwards == [
        Forward("aws_alb.web", "aws_alb_listener.http", "aws_alb_target_group.web", 1)]


# --- ports given as strings -----------------------------------------------------------------------


def _string_port_plans():
    group = "aws_security_group.db"
    inline = plan_doc([new_group(group, ingress=[rule_block("tcp", "3306", "3306", cidrs=["10.0.0.0/16"])])],
                      {"resources": [group_config(group)]})
    legacy = plan_doc(
        [new_group(group),
         change("aws_security_group_rule.mysql", "aws_security_group_rule",
                {"type": "ingress", "protocol": "tcp", "from_port": "3306", "to_port": "3306",
                 "cidr_blocks": ["10.0.0.0/16"], "self": False},
                {"id": True, "security_group_id": True, "source_security_group_id": True})],
        {"resources": [group_config(group),
                       config_resource("aws_security_group_rule.mysql", "aws_security_group_rule",
                                       {"security_group_id": refs(f"{group}.id", group)})]},
    )
    v5 = plan_doc(
        [new_group(group),
         change("aws_vpc_security_group_ingress_rule.mysql", "aws_vpc_security_group_ingress_rule",
                {"ip_protocol": "tcp", "from_port": "3306", "to_port": "3306", "cidr_ipv4": "10.0.0.0/16"},
                {"id": True, "arn": True, "security_group_id": True})],
        {"resources": [group_config(group),
                       config_resource("aws_vpc_security_group_ingress_rule.mysql",
                                       "aws_vpc_security_group_ingress_rule",
                                       {"security_group_id": refs(f"{group}.id", group)})]},
    )
    return {"inline": inline, "aws_security_group_rule": legacy, "aws_vpc_security_group_ingress_rule": v5}


@pytest.mark.parametrize("style", ["inline", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"])
def test_string_ports_become_numbers(tmp_path, style):
    rules = model_of(tmp_path, _string_port_plans()[style]).groups["aws_security_group.db"].rules_in(INGRESS)
    assert [(r.protocol, r.from_port, r.to_port) for r in rules] == [("tcp", 3306, 3306)]


@pytest.mark.parametrize("style", ["inline", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"])
def test_string_ports_admit_the_port(tmp_path, style):
    model = model_of(tmp_path, _string_port_plans()[style])
    db = model.groups["aws_security_group.db"]
    assert side(
        model, probe(db.address), INGRESS, a_peer(), "tcp", 3306).status == ALLOWED


def probe(*groups):
    """An endpoint carrying `groups`, to ask what the model's groups admit."""
    return Endpoint("aws_instance.probe", "aws_instance", tuple(groups))


# --- Terraform removes AWS's default egress -------------------------------------------------------


def test_new_group_without_egress_block_has_no_egress(tmp_path):
    model = model_of(tmp_path, one_group_plan(ingress=[rule_block(cidrs=["0.0.0.0/0"])]))
    assert model.groups["aws_security_group.app"].rules_in(EGRESS) == []


def test_new_group_without_egress_block_is_not_uncertain(tmp_path):
    model = model_of(tmp_path, one_group_plan(ingress=[rule_block(cidrs=["0.0.0.0/0"])]))
    assert EGRESS not in model.groups["aws_security_group.app"].uncertain


def test_new_group_without_egress_block_blocks_egress(tmp_path):
    model = model_of(tmp_path, one_group_plan(ingress=[rule_block(cidrs=["0.0.0.0/0"])]))
    verdict = side(model, probe("aws_security_group.app"), EGRESS, a_peer(), "tcp", 80)
    assert verdict.status == BLOCKED


def test_existing_group_with_empty_egress_has_no_egress(tmp_path):
    address = "aws_security_group.app"
    values = {"id": "sg-0aaa", "name": "app", "ingress": [], "egress": []}
    doc = plan_doc([change(address, "aws_security_group", values, {}, ["no-op"])],
                   {"resources": [group_config(address)]}, prior=[(address, "aws_security_group", values)])
    assert model_of(tmp_path, doc).groups[address].rules_in(EGRESS) == []


def test_declared_egress_is_kept(tmp_path):
    model = model_of(tmp_path, one_group_plan(egress=[ALL_EGRESS]))
    assert [(r.protocol, r.cidrs) for r in model.groups["aws_security_group.app"].rules_in(EGRESS)] == [
        ("all", (ip_network("0.0.0.0/0"),))]


# --- the four ways to declare rules ---------------------------------------------------------------


def _rule_styles_plan():
    inline, legacy, v5, default = ("aws_security_group.inline", "aws_security_group.legacy",
                                   "aws_security_group.v5", "aws_default_security_group.default")
    changes = [
        new_group(inline, ingress=[rule_block("tcp", 443, 443, cidrs=["0.0.0.0/0"])], egress=[ALL_EGRESS]),
        new_group(legacy),
        new_group(v5),
        change(default, "aws_default_security_group",
               {"ingress": [rule_block("-1", 0, 0, self_=True)], "egress": [ALL_EGRESS], "tags": None},
               {"id": True, "arn": True, "vpc_id": True, "name": True}),
        change("aws_security_group_rule.legacy_from_inline", "aws_security_group_rule",
               {"type": "ingress", "protocol": "tcp", "from_port": 80, "to_port": 80, "self": False,
                "cidr_blocks": None},
               {"id": True, "security_group_id": True, "source_security_group_id": True}),
        change("aws_vpc_security_group_ingress_rule.v5_from_legacy", "aws_vpc_security_group_ingress_rule",
               {"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": None},
               {"id": True, "arn": True, "security_group_id": True, "referenced_security_group_id": True}),
        change("aws_vpc_security_group_egress_rule.v5_out", "aws_vpc_security_group_egress_rule",
               {"ip_protocol": "-1", "from_port": None, "to_port": None, "cidr_ipv4": "10.0.0.0/16"},
               {"id": True, "arn": True, "security_group_id": True}),
    ]
    config = {"resources": [
        group_config(inline, ingress=[rule_block("tcp", 443, 443, cidrs=["0.0.0.0/0"])], egress=[ALL_EGRESS]),
        group_config(legacy),
        group_config(v5),
        config_resource(default, "aws_default_security_group", {
            "ingress": const([rule_block("-1", 0, 0, self_=True)]), "egress": const([ALL_EGRESS])}),
        config_resource("aws_security_group_rule.legacy_from_inline", "aws_security_group_rule", {
            "type": const("ingress"), "protocol": const("tcp"), "from_port": const(80), "to_port": const(80),
            "security_group_id": refs(f"{legacy}.id", legacy),
            "source_security_group_id": refs(f"{inline}.id", inline)}),
        config_resource("aws_vpc_security_group_ingress_rule.v5_from_legacy", "aws_vpc_security_group_ingress_rule", {
            "ip_protocol": const("tcp"), "from_port": const(8080), "to_port": const(8080),
            "security_group_id": refs(f"{v5}.id", v5),
            "referenced_security_group_id": refs(f"{legacy}.id", legacy)}),
        config_resource("aws_vpc_security_group_egress_rule.v5_out", "aws_vpc_security_group_egress_rule", {
            "ip_protocol": const("-1"), "cidr_ipv4": const("10.0.0.0/16"),
            "security_group_id": refs(f"{v5}.id", v5)}),
    ]}
    return plan_doc(changes, config)


def _shape(rule):
    return (rule.direction, rule.protocol, rule.from_port, rule.to_port, tuple(str(c) for c in rule.cidrs),
            rule.groups, rule.self_ref)


@pytest.mark.parametrize(
    "group, declared_by, shape",
    [
        ("aws_security_group.inline", "aws_security_group.inline",
         (INGRESS, "tcp", 443, 443, ("0.0.0.0/0",), (), False)),
        ("aws_security_group.inline", "aws_security_group.inline",
         (EGRESS, "all", 0, 65535, ("0.0.0.0/0",), (), False)),
        ("aws_security_group.legacy", "aws_security_group_rule.legacy_from_inline",
         (INGRESS, "tcp", 80, 80, (), ("aws_security_group.inline",), False)),
        ("aws_security_group.v5", "aws_vpc_security_group_ingress_rule.v5_from_legacy",
         (INGRESS, "tcp", 8080, 8080, (), ("aws_security_group.legacy",), False)),
        ("aws_security_group.v5", "aws_vpc_security_group_egress_rule.v5_out",
         (EGRESS, "all", 0, 65535, ("10.0.0.0/16",), (), False)),
        ("aws_default_security_group.default", "aws_default_security_group.default",
         (INGRESS, "all", 0, 65535, (), (), True)),
    ],
)
def test_rule_style_lands_on_its_group(tmp_path, group, declared_by, shape):
    model = model_of(tmp_path, _rule_styles_plan())
    assert [_shape(r) for r in model.groups[group].rules if r.declared_by == declared_by and r.direction == shape[0]] \
        == [shape]


def test_rule_styles_leave_no_floating_rules(tmp_path):
    assert model_of(tmp_path, _rule_styles_plan()).floating_rules == []


def test_default_security_group_is_marked(tmp_path):
    assert model_of(tmp_path, _rule_styles_plan()).groups["aws_default_security_group.default"].is_vpc_default


@pytest.mark.parametrize("group", ["aws_security_group.legacy", "aws_security_group.v5"])
def test_standalone_rules_alone_do_not_make_a_group_uncertain(tmp_path, group):
    assert model_of(tmp_path, _rule_styles_plan()).groups[group].uncertain == {}


def test_standalone_rule_with_unresolved_group_floats(tmp_path):
    doc = plan_doc(
        [change("aws_security_group_rule.x", "aws_security_group_rule",
                {"type": "ingress", "protocol": "tcp", "from_port": 80, "to_port": 80,
                 "cidr_blocks": ["0.0.0.0/0"], "security_group_id": "sg-0fromelsewhere"}, {"id": True})],
        {"resources": [config_resource("aws_security_group_rule.x", "aws_security_group_rule",
                                       {"security_group_id": const("sg-0fromelsewhere")})]},
    )
    assert [r.declared_by for r in model_of(tmp_path, doc).floating_rules] == ["aws_security_group_rule.x"]


def test_mixing_inline_and_standalone_rules_makes_the_direction_uncertain(tmp_path):
    group = "aws_security_group.app"
    doc = plan_doc(
        [new_group(group, ingress=[rule_block(cidrs=["10.0.0.0/8"])]),
         change("aws_security_group_rule.extra", "aws_security_group_rule",
                {"type": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443,
                 "cidr_blocks": ["10.0.0.0/8"]}, {"id": True, "security_group_id": True})],
        {"resources": [group_config(group, ingress=[rule_block(cidrs=["10.0.0.0/8"])]),
                       config_resource("aws_security_group_rule.extra", "aws_security_group_rule",
                                       {"security_group_id": refs(f"{group}.id", group)})]},
    )
    assert INGRESS in model_of(tmp_path, doc).groups[group].uncertain


def _existing_group_with_standalone_rule(rule_actions=("no-op",)):
    """An existing group whose configuration declares no inline ingress; AWS reports the
    standalone rule's permission inside the group's `ingress`, so the plan lists it there too."""
    group = "aws_security_group.app"
    permission = rule_block("tcp", 443, 443, cidrs=["10.0.0.0/8"])
    group_values = {"id": "sg-0aaa", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0aaa",
                    "name": "app", "ingress": [permission], "egress": []}
    rule_values = {"id": "sgrule-1", "type": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443,
                   "cidr_blocks": ["10.0.0.0/8"], "security_group_id": "sg-0aaa", "self": False}
    return plan_doc(
        [change(group, "aws_security_group", group_values, {}, ["no-op"]),
         change("aws_security_group_rule.https", "aws_security_group_rule", rule_values, {}, list(rule_actions))],
        {"resources": [group_config(group),  # no inline ingress in the configuration
                       config_resource("aws_security_group_rule.https", "aws_security_group_rule",
                                       {"security_group_id": refs(f"{group}.id", group)})]},
        prior=[(group, "aws_security_group", group_values),
               ("aws_security_group_rule.https", "aws_security_group_rule", rule_values)],
    )


def test_existing_group_managed_by_standalone_rules_is_not_mixing(tmp_path):
    model = model_of(tmp_path, _existing_group_with_standalone_rule())
    assert INGRESS not in model.groups["aws_security_group.app"].uncertain


def test_existing_group_counts_its_standalone_rule_once(tmp_path):
    model = model_of(tmp_path, _existing_group_with_standalone_rule())
    assert [r.declared_by for r in model.groups["aws_security_group.app"].rules_in(INGRESS)] == [
        "aws_security_group_rule.https"]


@pytest.mark.xfail(strict=True, reason=(
    "build_groups drops a group's state-read inline copy of standalone rules only while some standalone "
    "rule in that direction survives; when the last one is deleted, the copy of the deleted rule stays "
    "and still admits the traffic the plan revokes"))
def test_deleting_the_standalone_rule_revokes_what_it_admitted(tmp_path):
    model = model_of(tmp_path, _existing_group_with_standalone_rule(rule_actions=["delete"]))
    verdict = side(model, probe("aws_security_group.app"), INGRESS, a_peer(), "tcp", 443)
    assert verdict.status != ALLOWED


def test_wholly_unknown_inline_ingress_is_not_blocking(tmp_path):
    group = "aws_security_group.app"
    unknown = dict(SG_UNKNOWN, ingress=True, egress=[{"cidr_blocks": [False], "ipv6_cidr_blocks": [],
                                                      "prefix_list_ids": [], "security_groups": []}])
    doc = plan_doc(
        [change(group, "aws_security_group", {"name": "app", "egress": [ALL_EGRESS]}, unknown)],
        {"resources": [config_resource(group, "aws_security_group", {
            "name": const("app"), "ingress": refs("local.rules"), "egress": const([ALL_EGRESS])})]},
    )
    model = model_of(tmp_path, doc)
    assert side(model, probe(group), INGRESS, a_peer(), "tcp", 80).status != BLOCKED


# --- resolving security group ids -------------------------------------------------------------------


def _known_id_plan(sg_actions=("no-op",)):
    group = "aws_security_group.legacy"
    values = {"id": "sg-0123456789abcdef0", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0123456789abcdef0",
              "name": "legacy", "ingress": [], "egress": []}
    return plan_doc(
        [change(group, "aws_security_group", values, {}, sg_actions),
         new_instance("aws_instance.web", groups=["sg-0123456789abcdef0"])],
        {"resources": [group_config(group),
                       instance_config("aws_instance.web", const(["sg-0123456789abcdef0"]))]},
        prior=[(group, "aws_security_group", values)],
    )


def test_known_id_becomes_a_ref(tmp_path):
    config = load(tmp_path, _known_id_plan())
    assert config.resources["aws_instance.web"].values["vpc_security_group_ids"] == [
        Ref("aws_security_group.legacy", "id")]


def test_known_id_resolves_endpoint_group(tmp_path):
    assert model_of(tmp_path, _known_id_plan()).endpoints["aws_instance.web"].groups == ("aws_security_group.legacy",)


def test_terraform_012_prior_state_module_addresses_get_their_prefix(tmp_path):
    # Terraform 0.12 printed child-module resources of prior_state without the module prefix.
    group = "module.sg.aws_security_group.this"
    values = {"id": "sg-0bbb", "name": "this", "ingress": [], "egress": []}
    doc = plan_doc(
        [change(group, "aws_security_group", values, {}, ["no-op"]),
         new_instance("aws_instance.web", groups=["sg-0bbb"])],
        {"resources": [instance_config("aws_instance.web", const(["sg-0bbb"]))],
         "module_calls": {"sg": {"source": "./sg", "module": {"resources": [group_config("aws_security_group.this")]}}}},
    )
    doc["prior_state"] = {"format_version": "0.1", "terraform_version": "0.12.31", "values": {"root_module": {
        "child_modules": [{"address": "module.sg", "resources": [
            {"address": "aws_security_group.this", "mode": "managed", "type": "aws_security_group",
             "name": "this", "values": values}]}]}}}
    assert model_of(tmp_path, doc).endpoints["aws_instance.web"].groups == (group,)


def test_own_id_is_not_replaced_by_a_ref(tmp_path):
    values = load(tmp_path, _known_id_plan()).resources["aws_security_group.legacy"].values
    assert values["id"] == "sg-0123456789abcdef0"


def test_unknown_id_resolves_through_a_resource_reference(tmp_path):
    doc = plan_doc(
        [new_group("aws_security_group.web"), new_instance("aws_instance.web")],
        {"resources": [group_config("aws_security_group.web"),
                       instance_config("aws_instance.web", refs("aws_security_group.web.id", "aws_security_group.web"))]},
    )
    assert model_of(tmp_path, doc).endpoints["aws_instance.web"].groups == ("aws_security_group.web",)


def test_id_from_outside_the_configuration_stays_unresolved(tmp_path):
    doc = plan_doc([new_instance("aws_instance.web", groups=["sg-0notours"])],
                   {"resources": [instance_config("aws_instance.web", const(["sg-0notours"]))]})
    endpoint = model_of(tmp_path, doc).endpoints["aws_instance.web"]
    assert (endpoint.groups, len(endpoint.unresolved_groups)) == ((), 1)


def _module_plan():
    """root: module.sg (output id) -> module.app (var.security_group_ids) -> aws_instance.web."""
    sg_module = {
        "resources": [group_config("aws_security_group.this")],
        "outputs": {"id": {"expression": refs("aws_security_group.this.id", "aws_security_group.this")}},
        "variables": {},
    }
    app_module = {
        "resources": [instance_config("aws_instance.web", refs("var.security_group_ids"))],
        "variables": {"security_group_ids": {}},
    }
    return plan_doc(
        [new_group("module.sg.aws_security_group.this"), new_instance("module.app.aws_instance.web")],
        {"module_calls": {
            "sg": {"source": "./modules/sg", "expressions": {}, "module": sg_module},
            "app": {"source": "./modules/app",
                    "expressions": {"security_group_ids": refs("module.sg.id", "module.sg")},
                    "module": app_module},
        }},
    )


def test_unknown_id_resolves_across_a_module_call(tmp_path):
    config = load(tmp_path, _module_plan())
    assert config.resources["module.app.aws_instance.web"].values["vpc_security_group_ids"] == [
        Ref("module.sg.aws_security_group.this", "id")]


def test_module_endpoint_carries_the_module_group(tmp_path):
    endpoint = model_of(tmp_path, _module_plan()).endpoints["module.app.aws_instance.web"]
    assert endpoint.groups == ("module.sg.aws_security_group.this",)


def test_unknown_id_resolves_through_two_module_levels(tmp_path):
    inner = {"resources": [instance_config("aws_instance.web", refs("var.sg_ids"))], "variables": {"sg_ids": {}}}
    outer = {"module_calls": {"compute": {"source": "../compute", "module": inner,
                                          "expressions": {"sg_ids": refs("var.security_group_ids")}}},
             "variables": {"security_group_ids": {}}}
    doc = plan_doc(
        [new_group("aws_security_group.app"), new_instance("module.app.module.compute.aws_instance.web")],
        {"resources": [group_config("aws_security_group.app")],
         "module_calls": {"app": {"source": "./modules/app", "module": outer, "expressions": {
             "security_group_ids": refs("aws_security_group.app.id", "aws_security_group.app")}}}},
    )
    endpoint = model_of(tmp_path, doc).endpoints["module.app.module.compute.aws_instance.web"]
    assert endpoint.groups == ("aws_security_group.app",)


def test_unknown_id_resolves_to_one_for_each_module_instance(tmp_path):
    sg_module = {
        "resources": [group_config("aws_security_group.this")],
        "outputs": {"id": {"expression": refs("aws_security_group.this.id", "aws_security_group.this")}},
    }
    doc = plan_doc(
        [new_group('module.sg["web"].aws_security_group.this'), new_group('module.sg["api"].aws_security_group.this'),
         new_instance("aws_instance.api")],
        {"resources": [instance_config("aws_instance.api", refs('module.sg["api"].id', 'module.sg["api"]'))],
         "module_calls": {"sg": {"source": "./modules/sg", "expressions": {}, "module": sg_module,
                                 "for_each_expression": const(["web", "api"])}}},
    )
    assert model_of(tmp_path, doc).endpoints["aws_instance.api"].groups == (
        'module.sg["api"].aws_security_group.this',)


def test_root_variable_value_resolves(tmp_path):
    doc = plan_doc(
        [new_group("aws_security_group.web", ingress=[], egress=[]), new_instance("aws_instance.web")],
        {"resources": [group_config("aws_security_group.web"), instance_config("aws_instance.web", refs("var.sgs"))]},
        variables={"sgs": ["sg-0123"]},
    )
    doc["resource_changes"][0]["change"]["after"]["id"] = "sg-0123"
    del doc["resource_changes"][0]["change"]["after_unknown"]["id"]
    assert model_of(tmp_path, doc).endpoints["aws_instance.web"].groups == ("aws_security_group.web",)


# --- count and for_each pairing -------------------------------------------------------------------


def _attachment(address):
    return change(address, "aws_lb_target_group_attachment", {"port": None},
                  {"id": True, "target_group_arn": True, "target_id": True})


def _paired_plan(keys, index_ref, count=None, for_each=None):
    instances = [f"aws_instance.web{k}" for k in keys]
    attachments = [f"aws_lb_target_group_attachment.web{k}" for k in keys]
    return plan_doc(
        [new_instance(a, groups=[]) for a in instances] + [_attachment(a) for a in attachments],
        {"resources": [
            instance_config("aws_instance.web", count=count, for_each=for_each),
            config_resource("aws_lb_target_group_attachment.web", "aws_lb_target_group_attachment",
                            {"target_id": refs("aws_instance.web", index_ref)},
                            count=refs("aws_instance.web") if count else None, for_each=for_each),
        ]},
    )


@pytest.mark.parametrize("key", ["[0]", "[1]"])
def test_count_index_pairs_instances(tmp_path, key):
    config = load(tmp_path, _paired_plan(["[0]", "[1]"], "count.index", count=const(2)))
    assert config.resources[f"aws_lb_target_group_attachment.web{key}"].values["target_id"] == [
        Ref(f"aws_instance.web{key}", "id")]


@pytest.mark.parametrize("key", ['["blue"]', '["green"]'])
def test_each_key_pairs_instances(tmp_path, key):
    config = load(tmp_path, _paired_plan(['["blue"]', '["green"]'], "each.key", for_each=refs("local.hosts")))
    assert config.resources[f"aws_lb_target_group_attachment.web{key}"].values["target_id"] == [
        Ref(f"aws_instance.web{key}", "id")]


# --- bad input ------------------------------------------------------------------------------------

STATE_FROM_SHOW = {"format_version": "1.0", "terraform_version": "1.9.8",
                   "values": {"root_module": {"resources": []}}}
RAW_TFSTATE = {"version": 4, "terraform_version": "1.9.8", "serial": 3,
               "lineage": "0d3c1b9e-7a4f-4c1e-9d57-3f0e5b2a7c11", "outputs": {}, "resources": [], "check_results": None}


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file"),
        (b'{"format_version": "1.2", "planned_values": {"root_module": {', "truncated"),
        (b"{}", "no planned_values or resource_changes"),
        (b"[]", "top level must be a JSON object"),
        (b"[{\"address\": \"aws_instance.web\"}]", "top level must be a JSON object"),
        (b'"plan"', "top level must be a JSON object"),
        (json.dumps(STATE_FROM_SHOW).encode(), "Terraform state"),
        (json.dumps(RAW_TFSTATE).encode(), "state file"),
        (b'{"planned_values": []}', "planned_values"),
    ],
)
def test_bad_input_says_what_is_wrong(tmp_path, content, words):
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        load_plan(str(path))
    assert words in error.value.problem


@pytest.mark.parametrize("content", [b"", b"{}", b"[]", json.dumps(RAW_TFSTATE).encode()])
def test_bad_input_message_starts_with_the_path(tmp_path, content):
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        load_plan(str(path))
    assert str(error.value).startswith(str(path) + ":")


def test_not_json_gives_line_and_column(tmp_path):
    path = tmp_path / "plan.json"
    path.write_bytes(b'{\n  "format_version": "1.2",\n  oops: 1\n}\n')
    with pytest.raises(InputError) as error:
        load_plan(str(path))
    assert (error.value.line, error.value.column, "not valid JSON" in error.value.problem) == (3, 3, True)


def test_not_json_line_counts_in_utf16(tmp_path):
    path = tmp_path / "plan.json"
    path.write_bytes('{\n\n  "format_version": "1.2",\n  oops\n}\n'.encode("utf-16"))
    with pytest.raises(InputError) as error:
        load_plan(str(path))
    assert error.value.line == 4


def test_truncated_json_points_at_the_end(tmp_path):
    path = tmp_path / "plan.json"
    path.write_bytes(b'{\n  "format_version": "1.2",\n  "planned_values": {\n')
    with pytest.raises(InputError) as error:
        load_plan(str(path))
    assert error.value.line == 4


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as error:
        load_plan(str(tmp_path / "nope.json"))
    assert (error.value.path, error.value.problem) == (str(tmp_path / "nope.json"), "no such file")


def test_newer_format_version_is_a_warning_not_an_error(tmp_path):
    doc = one_group_plan()
    doc["format_version"] = "9.0"
    assert any("9.0" in warning for warning in load(tmp_path, doc).warnings)


def test_plan_without_configuration_loads_with_a_note(tmp_path):
    doc = one_group_plan()
    del doc["configuration"]
    config = load(tmp_path, doc)
    assert ("aws_security_group.app" in config.resources,
            any("no configuration" in note for note in config.notes)) == (True, True)


def test_a_reference_list_holding_a_non_string_is_read(tmp_path):
    # Found by the long fuzz run: `"references": ["aws_instance.app", false]` beside a counted
    # attachment crashed the pairing of count instances. It is read as the string references.
    plan = json.loads((FIXTURES / "smell_unattached_ok" / "plan.json").read_text())
    attachment = next(r for r in plan["configuration"]["root_module"]["resources"]
                      if r["address"] == "aws_lb_target_group_attachment.app")
    attachment["expressions"]["target_id"]["references"] = ["aws_instance.app", False]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    config = load_plan(str(path))
    assert any(address.startswith("aws_lb_target_group_attachment.app") for address in config.resources)
