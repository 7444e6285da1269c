"""`tflint-sg DIR` and `tflint-sg FILE.tf ...` as users run them: roots, modules, variables."""

import shutil

from conftest import FIXTURES


def _story_copy(tmp_path):
    copy = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", copy, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    return copy


def test_a_child_module_file_alone_is_analyzed_from_its_root(tflint_sg):
    run = tflint_sg("--format", "json", "fixtures/modules_three_levels/modules/asg/main.tf")
    assert run.code == 2, run.stderr
    (finding,) = run.json()["findings"]
    assert finding["target"] == "module.app.module.compute.module.asg.aws_autoscaling_group.this"
    assert run.json()["inputs"][0]["path"] == "fixtures/modules_three_levels"


def test_files_of_one_root_are_analyzed_once(tflint_sg):
    run = tflint_sg("--format", "json", "fixtures/story/main.tf", "fixtures/story")
    assert len(run.json()["inputs"]) == 1
    assert len([f for f in run.json()["findings"] if f["rule"] == "aws_lb_target_traffic_blocked"]) == 1


def test_a_registry_module_that_is_not_installed_gives_one_note(tflint_sg, tmp_path):
    copy = _story_copy(tmp_path)
    (copy / "vpc.tf").write_text(
        'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.8.1"\n  cidr = "10.9.0.0/16"\n}\n'
        'output "vpc_id" {\n  value = module.vpc.vpc_id\n}\n'
    )
    run = tflint_sg("--verbose", str(copy))
    assert run.code == 2 and "Traceback" not in run.stderr
    notes = [line for line in run.stdout.splitlines() if "terraform-aws-modules/vpc/aws" in line]
    assert len(notes) == 1 and "terraform init" in notes[0]


def test_variables_from_tfvars_and_options(tflint_sg, tmp_path):
    copy = _story_copy(tmp_path)
    main = copy / "main.tf"
    text = main.read_text()
    assert "port     = 80" in text
    main.write_text(text.replace("port     = 80", "port     = var.app_port", 1)
                    + '\nvariable "app_port" {\n  type = number\n}\n')
    # No value: the port is unknown, but the group admits nothing at all from the ALB's subnets
    # (443 from the office only), so the traffic is blocked whatever the port is.
    assert [f["port"] for f in _findings(tflint_sg, str(copy))] == ["var.app_port"]  # both instances in one
    # terraform.tfvars sets it: the group admits 443 only from the office, not the ALB's subnets.
    (copy / "terraform.tfvars").write_text("app_port = 443\n")
    assert [f["port"] for f in _findings(tflint_sg, str(copy))] == [443]
    # --var-file, then --var, win over terraform.tfvars, as in Terraform.
    varfile = tmp_path / "prod.tfvars"
    varfile.write_text("app_port = 9000\n")
    assert {f["port"] for f in _findings(tflint_sg, "--var-file", str(varfile), str(copy))} == {9000}
    later_var = _findings(tflint_sg, "--var-file", str(varfile), "--var", "app_port=8080", str(copy))
    assert {f["port"] for f in later_var} == {8080}


def test_a_conditional_written_over_several_lines_sets_a_rule_port(tflint_sg, tmp_path):
    """`(cond ? a : b)` spread over lines inside parentheses, as modules write it, is evaluated:
    the port it picks decides whether the ALB reaches its targets."""
    copy = _story_copy(tmp_path)
    main = copy / "main.tf"
    text = main.read_text()
    ingress = '    from_port   = 443\n    to_port     = 443\n    protocol    = "tcp"\n    cidr_blocks = ["203.0.113.0/24"]\n'
    assert ingress in text
    port = "(\n      var.plain_http\n      ? 80\n      : 443\n    )"
    main.write_text(text.replace(ingress, f'    from_port   = {port}\n    to_port     = {port}\n    protocol    = "tcp"\n'
                                          '    cidr_blocks = ["10.20.0.0/16"]\n')
                    + '\nvariable "plain_http" {\n  type = bool\n}\n')
    # 443 from the VPC: the targets' group still blocks the ALB's traffic on 80.
    blocked = _findings(tflint_sg, "--var", "plain_http=false", str(copy))
    assert [(f["rule"], f["port"]) for f in blocked] == [("aws_lb_target_traffic_blocked", 80)]
    # 80 from the VPC admits it.
    assert _findings(tflint_sg, "--var", "plain_http=true", str(copy)) == []


def test_an_hcl_syntax_error_names_the_file_and_line(tflint_sg, tmp_path):
    copy = _story_copy(tmp_path)
    (copy / "broken.tf").write_text('resource "aws_instance" "x" {\n  ami = \n}\n')
    run = tflint_sg(str(copy))
    assert run.code == 1 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert f"{copy / 'broken.tf'}:2:" in line and "syntax error" in line


def test_optional_object_attributes_take_their_defaults(tmp_path):
    """Public modules take objects with optional attributes; the defaults decide count and ports."""
    from tflint_sg.load.modules.directory import load_directory

    (tmp_path / "main.tf").write_text('''
module "web" {
  source  = "./web"
  service = { name = "shop" }
  create  = null
}
''')
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "main.tf").write_text('''
variable "service" {
  type = object({
    name = string
    port = optional(number, 8080)
    tags = optional(map(string))
  })
}
variable "create" {
  type     = bool
  default  = true
  nullable = false
}
resource "aws_lb_target_group" "this" {
  count    = var.create ? 1 : 0
  name     = var.service.name
  port     = var.service.port
  protocol = "HTTP"
}
''')
    config = load_directory(str(tmp_path))
    group = config.resources["module.web.aws_lb_target_group.this[0]"]
    assert group.values["port"] == 8080 and group.values["name"] == "shop"


def test_a_number_variable_given_as_a_string_is_a_number(tmp_path):
    from tflint_sg.load.modules.directory import load_directory

    (tmp_path / "main.tf").write_text('''
variable "port" {
  type = number
}
resource "aws_lb_target_group" "this" {
  port     = var.port
  protocol = "HTTP"
}
''')
    config = load_directory(str(tmp_path), var_args=["port=8443"])
    assert config.resources["aws_lb_target_group.this"].values["port"] == 8443


def test_tf_json_syntax(tflint_sg, tmp_path):
    """The story in Terraform's JSON syntax gives the story's finding, on the .tf.json file."""
    import json

    config = {
        "resource": {
            "aws_vpc": {"main": {"cidr_block": "10.20.0.0/16"}},
            "aws_subnet": {
                "a": {"vpc_id": "${aws_vpc.main.id}", "cidr_block": "10.20.1.0/24"},
                "b": {"vpc_id": "${aws_vpc.main.id}", "cidr_block": "10.20.2.0/24"},
            },
            "aws_security_group": {"public": {
                "vpc_id": "${aws_vpc.main.id}",
                "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["203.0.113.0/24"]}],
                "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}],
            }},
            "aws_lb": {"web": {"security_groups": ["${aws_security_group.public.id}"],
                               "subnets": ["${aws_subnet.a.id}", "${aws_subnet.b.id}"]}},
            "aws_lb_target_group": {"web": {"port": 80, "protocol": "HTTP", "vpc_id": "${aws_vpc.main.id}"}},
            "aws_lb_listener": {"https": {
                "load_balancer_arn": "${aws_lb.web.arn}", "port": 443, "protocol": "HTTPS",
                "default_action": [{"type": "forward", "target_group_arn": "${aws_lb_target_group.web.arn}"}],
            }},
            "aws_instance": {"web": {"ami": "ami-0123456789abcdef0", "subnet_id": "${aws_subnet.a.id}",
                                     "vpc_security_group_ids": ["${aws_security_group.public.id}"]}},
            "aws_lb_target_group_attachment": {"web": {
                "target_group_arn": "${aws_lb_target_group.web.arn}", "target_id": "${aws_instance.web.id}"}},
        }
    }
    (tmp_path / "main.tf.json").write_text(json.dumps(config, indent=2))
    run = tflint_sg("--format", "json", str(tmp_path))
    assert run.code == 2, run.stderr
    (finding,) = run.json()["findings"]
    assert (finding["target"], finding["port"]) == ("aws_instance.web", 80)
    assert [b["security_group"] for b in finding["blockers"]] == ["aws_security_group.public"]
    assert finding["location"]["file"].endswith("main.tf.json")


def _findings(tflint_sg, *args):
    """The load balancer findings (the story's database is unreachable in every variant)."""
    run = tflint_sg("--format", "json", *args)
    assert run.code in (0, 2), run.stderr
    return [f for f in run.json()["findings"] if f["rule"].startswith("aws_lb_target_")]


def test_override_files_are_merged(tflint_sg, tmp_path):
    """main_override.tf replaces the group's ingress with one that admits the ALB: no finding."""
    copy = _story_copy(tmp_path)
    (copy / "main_override.tf").write_text('''
resource "aws_security_group" "public" {
  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
}
''')
    assert _findings(tflint_sg, str(copy)) == []


def test_ignore_changes_leaves_the_rules_unknown(tflint_sg, tmp_path):
    copy = _story_copy(tmp_path)
    main = copy / "main.tf"
    text = main.read_text()
    anchor = '  description = "HTTPS from the office only"\n'
    assert anchor in text
    main.write_text(text.replace(anchor, anchor + "  lifecycle {\n    ignore_changes = [ingress]\n  }\n", 1))
    assert _findings(tflint_sg, str(copy)) == []


def test_an_attachment_whose_count_is_unknown_makes_no_finding(tflint_sg, tmp_path):
    copy = _story_copy(tmp_path)
    main = copy / "main.tf"
    text = main.read_text()
    main.write_text(text.replace("  count            = 2\n  target_group_arn", "  count            = var.fleet\n  target_group_arn", 1)
                    + '\nvariable "fleet" {\n  type = number\n}\n')
    assert _findings(tflint_sg, str(copy)) == []


def test_var_and_var_file_apply_in_command_line_order(tflint_sg, tmp_path):
    copy = _story_copy(tmp_path)
    main = copy / "main.tf"
    main.write_text(main.read_text().replace("port     = 80", "port     = var.app_port", 1)
                    + '\nvariable "app_port" {\n  type = number\n}\n')
    varfile = tmp_path / "prod.tfvars"
    varfile.write_text("app_port = 9000\n")
    later_file = _findings(tflint_sg, "--var", "app_port=8080", "--var-file", str(varfile), str(copy))
    later_var = _findings(tflint_sg, "--var-file", str(varfile), "--var", "app_port=8080", str(copy))
    assert {f["port"] for f in later_file} == {9000}
    assert {f["port"] for f in later_var} == {8080}


def test_a_dynamic_block_over_a_set_binds_each_element_as_its_key(tmp_path):
    from tflint_sg.load.modules.directory import load_directory

    (tmp_path / "main.tf").write_text('''
resource "aws_security_group" "app" {
  dynamic "ingress" {
    for_each = toset(["80", "443"])
    content {
      from_port = ingress.key
      to_port   = ingress.value
      protocol  = "tcp"
    }
  }
}
''')
    ingress = load_directory(str(tmp_path)).resources["aws_security_group.app"].values["ingress"]
    assert [(rule["from_port"], rule["to_port"]) for rule in ingress] == [("443", "443"), ("80", "80")]


def test_the_source_settles_only_what_the_plan_did_not_know(tmp_path):
    """A plan's known parts are Terraform's own answer: a source that disagrees with them is not
    used for that attribute; one that agrees fills in what the plan could only guess."""
    from tflint_sg.config import Ref, Resolved
    from tflint_sg.load import load

    group = 'module.sg["api"].aws_security_group.this'
    beside = load(str(FIXTURES / "count_for_each" / "plan.json")).resources[group].values["ingress"]
    (rule,) = beside
    assert rule["from_port"] == 443 and not isinstance(rule["security_groups"], Resolved)
    assert rule["security_groups"] == [Ref("aws_security_group.alb", "id")]

    changed = tmp_path / "source"
    shutil.copytree(FIXTURES / "count_for_each", changed, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    main = changed / "main.tf"
    assert main.read_text().count("443") >= 1
    main.write_text(main.read_text().replace("443", "9443"))
    disagreeing = load(str(FIXTURES / "count_for_each" / "plan.json"), source=str(changed))
    (rule,) = disagreeing.resources[group].values["ingress"]
    assert rule["from_port"] == 443  # the plan's, not the edited source's


def test_a_vpcs_default_security_group_id_is_the_group_that_manages_it(tflint_sg, tmp_path):
    """`aws_vpc.this.default_security_group_id` names the VPC's default group: the
    aws_default_security_group of that VPC when the configuration manages it; else a group
    whose rules the configuration does not show, so the flow is not decided."""
    copy = tmp_path / "case"
    shutil.copytree(FIXTURES / "module_lb_root_targets", copy, ignore=shutil.ignore_patterns("plan.json"))
    main = copy / "main.tf"
    main.write_text(main.read_text().replace(
        "  subnet_id     = module.network.private_subnet_ids[0]\n",
        "  subnet_id     = module.network.private_subnet_ids[0]\n"
        "  vpc_security_group_ids = [module.network.default_security_group_id]\n", 1))
    (finding,) = _findings(tflint_sg, str(copy))
    assert finding["blockers"] == [{"endpoint": "aws_instance.web", "direction": "ingress",
                                    "security_group": "module.network.aws_default_security_group.this",
                                    "admits": []}]
    network = copy / "modules" / "network" / "main.tf"
    text = network.read_text()
    start = text.index('resource "aws_default_security_group"')
    network.write_text(text[:start] + text[text.index("}\n", start) + 2:])
    run = tflint_sg("--verbose", str(copy))
    assert run.code == 0, run.stdout
    assert ("module.network.aws_vpc.this.default_security_group_id: the VPC's default group, whose rules the "
            "configuration does not manage (aws_default_security_group)") in run.stdout


REDSHIFT = '''
resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_security_group" "warehouse" {
  vpc_id = aws_vpc.main.id
}

resource "aws_redshift_cluster" "main" {
  cluster_identifier     = "analytics"
  node_type              = "ra3.xlplus"
  vpc_security_group_ids = [aws_security_group.warehouse.id]
}
'''

ENDPOINT_ACCESS = '''
resource "aws_redshift_endpoint_access" "bi" {
  endpoint_name          = "analytics-bi"
  cluster_identifier     = aws_redshift_cluster.main.cluster_identifier
  subnet_group_name      = "analytics-endpoint"
  vpc_security_group_ids = [aws_security_group.warehouse.id]
}
'''


def test_a_warehouse_served_by_a_managed_vpc_endpoint_is_not_decided(tflint_sg, tmp_path):
    """Its group admits nothing, but clients may come in through the Redshift-managed VPC
    endpoint, whose access the model does not read: not decided, and said so."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(REDSHIFT)
    alone = tflint_sg("--format", "json", str(tmp_path))
    assert [f["rule"] for f in alone.json()["findings"]] == ["aws_data_store_unreachable"]
    (tmp_path / "access.tf").write_text(ENDPOINT_ACCESS)
    run = tflint_sg("--verbose", str(tmp_path))
    assert run.code == 0, run.stdout
    assert ("clients may reach it through aws_redshift_endpoint_access.bi, a Redshift-managed VPC endpoint"
            in run.stdout)
