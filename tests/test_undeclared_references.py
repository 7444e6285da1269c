"""A reference to something the configuration does not declare is an input error naming the file
and line, as Terraform refuses it; where scoping is not followed here, nothing is reported."""

import json
import shutil

import pytest

from conftest import FIXTURES
from tflint_sg.errors import InputError
from tflint_sg.load import load
from tflint_sg.load.modules.directory import load_directory
from tflint_sg.load.modules.module import InstanceBudget

GROUP = 'resource "aws_security_group" "web" {\n  name = "web"\n}\n'


def _write(root, files: dict[str, str]):
    (root / ".git").mkdir(parents=True, exist_ok=True)  # the repository boundary for local module sources
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


UNDECLARED = {
    "resource": ('output "id" {\n  value = aws_security_group.missing.id\n}\n',
                 "Reference to undeclared resource: aws_security_group.missing"),
    "resource of another type": ('output "id" {\n  value = aws_vpc.web.id\n}\n',
                                 "Reference to undeclared resource: aws_vpc.web"),
    "indexed resource": ('output "id" {\n  value = aws_instance.app[0].id\n}\n',
                         "Reference to undeclared resource: aws_instance.app"),
    "splat": ('output "ids" {\n  value = aws_instance.app[*].id\n}\n',
              "Reference to undeclared resource: aws_instance.app"),
    "variable": ('output "port" {\n  value = var.port\n}\n', "Reference to undeclared input variable: var.port"),
    "local": ('output "name" {\n  value = "sg-${local.prefix}"\n}\n',
              "Reference to undeclared local value: local.prefix"),
    "module": ('output "vpc" {\n  value = module.network.vpc_id\n}\n', "Reference to undeclared module: module.network"),
    "data source": ('output "ami" {\n  value = data.aws_ami.ubuntu.id\n}\n',
                    "Reference to undeclared resource: data.aws_ami.ubuntu"),
    "ephemeral resource": ('output "secret" {\n  value     = ephemeral.aws_secretsmanager_secret_version.db.secret_string\n'
                           '  ephemeral = true\n}\n',
                           "Reference to undeclared ephemeral resource: ephemeral.aws_secretsmanager_secret_version.db"),
    "in a for expression's collection": ('output "ids" {\n  value = [for g in aws_security_group.extra : g.id]\n}\n',
                                         "Reference to undeclared resource: aws_security_group.extra"),
}


@pytest.mark.parametrize("kind", sorted(UNDECLARED))
def test_an_undeclared_reference_is_one_line_naming_file_and_line(kind, tflint_sg, tmp_path):
    text, problem = UNDECLARED[kind]
    root = _write(tmp_path / "root", {"main.tf": GROUP, "outputs.tf": "\n" + text})
    run = tflint_sg(str(root), cwd=tmp_path)
    assert run.code == 1 and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        f"tflint-sg: error: root/outputs.tf:3: {problem} is not declared in the root module"]


def test_a_reference_in_a_nested_block_names_the_attribute_line(tflint_sg, tmp_path):
    root = _write(tmp_path, {"main.tf": 'resource "aws_security_group" "web" {\n  ingress {\n    from_port = 443\n'
                                        '    to_port   = 443\n    protocol  = "tcp"\n'
                                        '    security_groups = [aws_security_group.lb.id]\n  }\n}\n'})
    run = tflint_sg(str(root), cwd=tmp_path)
    assert run.code == 1
    assert run.stderr.splitlines() == ["tflint-sg: error: main.tf:6: Reference to undeclared resource: "
                                       "aws_security_group.lb is not declared in the root module"]


def test_a_reference_in_a_called_module_names_the_module_once(tflint_sg, tmp_path):
    root = _write(tmp_path, {
        "main.tf": 'module "app" {\n  source = "./app"\n  count  = 3\n}\n',
        "app/main.tf": GROUP + 'resource "aws_instance" "app" {\n  vpc_security_group_ids = [var.group_id]\n}\n',
    })
    run = tflint_sg(str(root), cwd=tmp_path)
    assert run.code == 1
    assert run.stderr.splitlines() == ["tflint-sg: error: app/main.tf:5: Reference to undeclared input variable: "
                                       "var.group_id is not declared in module.app"]


def test_a_json_file_reference_is_checked_too(tflint_sg, tmp_path):
    document = {"resource": {"aws_instance": {"app": {"vpc_security_group_ids": ["${aws_security_group.api.id}"]}}}}
    root = _write(tmp_path, {"main.tf": GROUP, "app.tf.json": json.dumps(document, indent=2)})
    run = tflint_sg(str(root), cwd=tmp_path)
    assert run.code == 1
    (line,) = run.stderr.splitlines()
    assert line.startswith("tflint-sg: error: app.tf.json:")
    assert line.endswith("Reference to undeclared resource: aws_security_group.api is not declared in the root module")


def test_a_reference_an_override_file_sets_names_the_override_file(tflint_sg, tmp_path):
    root = _write(tmp_path, {"main.tf": GROUP, "main_override.tf": '\nresource "aws_security_group" "web" {\n'
                                                                  '  name = local.group_name\n}\n'})
    run = tflint_sg(str(root), cwd=tmp_path)
    assert run.code == 1
    assert run.stderr.splitlines() == ["tflint-sg: error: main_override.tf:3: Reference to undeclared local value: "
                                       "local.group_name is not declared in the root module"]


def test_other_inputs_are_still_analyzed(tflint_sg, tmp_path):
    bad = _write(tmp_path / "bad", {"main.tf": 'output "x" {\n  value = var.missing\n}\n'})
    good = FIXTURES / "story"
    run = tflint_sg("--format", "json", str(bad), str(good / "plan.json"), cwd=tmp_path)
    assert run.code == 1
    assert run.stderr.splitlines() == ["tflint-sg: error: bad/main.tf:2: Reference to undeclared input variable: "
                                       "var.missing is not declared in the root module"]
    assert len(run.json()["inputs"]) == 1


def test_a_plan_whose_source_has_an_undeclared_reference_points_at_the_plan(tmp_path):
    source = _write(tmp_path / "src", {"main.tf": 'output "x" {\n  value = local.missing\n}\n'})
    config = load(str(FIXTURES / "story" / "plan.json"), source=str(source))
    assert config.resources and not config.spans
    assert any("could not be read" in note and "Reference to undeclared local value: local.missing" in note
               for note in config.notes)


# --- where the scope is not followed, or Terraform allows the name: nothing reported -------

DECLARED = {
    "everything declared": {
        "main.tf": 'variable "port" {}\nlocals {\n  prefix = "a"\n}\n'
                   'module "net" {\n  source = "./net"\n}\n'
                   'data "aws_ami" "ubuntu" {}\n'
                   'ephemeral "aws_secretsmanager_secret_version" "db" {\n  secret_id = "x"\n}\n'
                   + GROUP +
                   'resource "aws_instance" "app" {\n  count = 2\n  ami = data.aws_ami.ubuntu.id\n'
                   '  vpc_security_group_ids = [aws_security_group.web.id, module.net.id]\n'
                   '  tags = { Name = "${local.prefix}-${var.port}-${count.index}", Path = path.module,\n'
                   '           Ws = terraform.workspace }\n}\n'
                   'output "ids" {\n  value = aws_instance.app[*].id\n}\n',
        "net/main.tf": 'output "id" {\n  value = "sg-1"\n}\n',
    },
    "dynamic block iterators": {
        "main.tf": 'variable "rules" {\n  default = []\n}\n'
                   'resource "aws_security_group" "web" {\n'
                   '  dynamic "ingress" {\n    for_each = var.rules\n    iterator = sg_rule\n    content {\n'
                   '      from_port = sg_rule.value.port\n      to_port = sg_rule.value.port\n      protocol = "tcp"\n'
                   '      dynamic "nested_setting" {\n        for_each = sg_rule.value.settings\n'
                   '        content {\n          name = nested_setting.value\n          other = sg_rule.key\n'
                   '        }\n      }\n    }\n  }\n}\n',
    },
    "for expression variables": {
        "main.tf": 'variable "rules" {\n  default = {}\n}\n'
                   'locals {\n  ports = [for sg_rule in var.rules : sg_rule.port if sg_rule.enabled]\n'
                   '  by_name = { for rule_key, rule_value in var.rules : rule_key => rule_value.port }\n'
                   '  text = "%{for ip_addr in var.rules}${ip_addr.cidr} %{endfor}"\n}\n',
    },
    "self, each and count in their contexts": {
        "main.tf": 'variable "names" {\n  default = {}\n}\n'
                   'resource "aws_instance" "app" {\n  for_each = var.names\n  tags = { Name = each.key }\n'
                   '  provisioner "local-exec" {\n    command = "echo ${self.private_ip}"\n  }\n'
                   '  connection {\n    host = self.public_ip\n  }\n'
                   '  lifecycle {\n    postcondition {\n      condition = self.instance_state == "running"\n'
                   '      error_message = "down"\n    }\n    ignore_changes = [launch_template.version, tags_all]\n'
                   '  }\n}\n',
    },
    "moved, import, removed, check and newer blocks": {
        "main.tf": GROUP +
                   'moved {\n  from = aws_security_group.old\n  to   = aws_security_group.web\n}\n'
                   'import {\n  to = aws_security_group.imported\n  id = "sg-1"\n}\n'
                   'removed {\n  from = aws_instance.gone\n}\n'
                   'check "health" {\n  data "http" "site" {\n    url = "https://example.com"\n  }\n'
                   '  assert {\n    condition = data.http.site.status_code == 200\n    error_message = "down"\n  }\n}\n'
                   'action "aws_lambda_invoke" "notify" {\n  config {\n    function_name = aws_lambda_function.x.arn\n'
                   '  }\n}\n',
    },
    "provider-defined functions and provider arguments": {
        "main.tf": GROUP +
                   'output "region" {\n  value = provider::aws::arn_parse(aws_security_group.web.arn).region\n}\n'
                   'resource "aws_instance" "app" {\n  provider = aws_west.secondary\n}\n'
                   'module "net" {\n  source = "./net"\n  providers = { aws = aws_west.secondary }\n}\n',
        "net/main.tf": "",
    },
    "declarations in override and JSON files": {
        "main.tf": 'output "x" {\n  value = [var.from_json, aws_instance.app.id, local.overridden]\n}\n',
        "vars.tf.json": json.dumps({"variable": {"from_json": {"default": 1}}}),
        "main_override.tf": 'resource "aws_instance" "app" {\n  ami = "ami-1"\n}\nlocals {\n  overridden = 1\n}\n',
    },
    "literal strings of the JSON syntax": {
        "main.tf.json": json.dumps({
            "variable": {"pattern": {"default": "${aws_instance.web.id}", "description": "${var.none}"}},
            "ephemeral": {"aws_secretsmanager_secret_version": {"db": {"secret_id": "x"}}},
            "output": {"secret": {"value": "${ephemeral.aws_secretsmanager_secret_version.db.secret_string}",
                                  "ephemeral": True}},
        }),
    },
    "references inside a template file": {
        "main.tf": 'output "user_data" {\n  value = templatefile("${path.module}/init.tpl", { port = 80 })\n}\n',
        "init.tpl": "listen ${port} ${aws_instance.not_a_reference.id} ${var.nor_this}\n",
    },
    "variable types with underscores": {
        "main.tf": 'variable "rules" {\n  type = list(object({ from_port = number, cidr_blocks = list(string) }))\n'
                   '  default = []\n}\n',
    },
}


@pytest.mark.parametrize("case", sorted(DECLARED))
def test_no_error_where_terraform_allows_the_reference_or_scoping_is_not_followed(case, tmp_path):
    root = _write(tmp_path, DECLARED[case])
    config = load_directory(str(root))
    assert config is not None


def test_a_module_ignored_by_the_settings_is_not_checked(tflint_sg, tmp_path):
    _write(tmp_path, {
        "root/main.tf": 'module "app" {\n  source = "./app"\n}\noutput "x" {\n  value = module.app.anything\n}\n',
        "root/app/main.tf": 'output "anything" {\n  value = aws_instance.missing.id\n}\n',
        ".tflint-sg.hcl": 'config {\n  ignore_module = { "./app" = true }\n}\n',
    })
    run = tflint_sg(str(tmp_path / "root"), cwd=tmp_path)
    assert run.code == 0, run.stderr


def test_a_module_the_budget_left_unread_is_not_checked(tmp_path):
    root = _write(tmp_path, {
        "main.tf": 'module "first" {\n  source = "./first"\n}\nmodule "second" {\n  source = "./second"\n}\n',
        "first/main.tf": "",
        "second/main.tf": 'output "x" {\n  value = aws_instance.missing.id\n}\n',
    })
    config = load_directory(str(root), budget=InstanceBudget(1))
    assert config.expansion_cut_at == "module.second"
    with pytest.raises(InputError, match="aws_instance.missing is not declared in module.second"):
        load_directory(str(root), budget=InstanceBudget(2))


def test_a_fixture_copy_with_one_reference_renamed_is_refused(tflint_sg, tmp_path):
    """A real-looking configuration: the story fixture with one group reference misspelt."""
    copy = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", copy, ignore=shutil.ignore_patterns("plan.json", "expected*"))
    main = copy / "main.tf"
    text = main.read_text()
    assert "aws_security_group.public.id" in text
    line = text[:text.index("aws_security_group.public.id")].count("\n") + 1
    main.write_text(text.replace("aws_security_group.public.id", "aws_security_group.pubic.id", 1))
    run = tflint_sg(str(copy), cwd=tmp_path)
    assert run.code == 1
    assert run.stderr.splitlines() == [f"tflint-sg: error: story/main.tf:{line}: Reference to undeclared resource: "
                                       "aws_security_group.pubic is not declared in the root module"]
