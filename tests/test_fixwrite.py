"""The fixes as edits: what each rule's first way out writes into the .tf files, checked as the
text a reviewer would read, and by checking the edited copy again."""

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, block_lines, line_of
from tflint_sg import pipeline
from tflint_sg.findings import SAFE, UNSAFE


def _copy(tmp_path, case):
    copy = tmp_path / case
    shutil.copytree(FIXTURES / case, copy, ignore=shutil.ignore_patterns("plan.json", "expected.json", "plan.args"))
    (copy / ".git").mkdir()
    return copy


def _findings(path):
    outcome = pipeline.run(pipeline.Options(paths=(str(path),), cache=False))
    assert not outcome.failed, outcome.messages
    return outcome.checked[0].result.findings


def _applied(fix) -> dict:
    """Each file's text with the fix's edits made, as --fix makes them."""
    from tflint_sg.apply import apply
    from tflint_sg.findings import Finding

    holder = Finding(rule="r", subject="s", message="m", fix=fix.description, changes=(fix,))
    root = Path(fix.edits[0].path).parent
    while not (root / ".git").exists():
        root = root.parent
    return {change.path: change.new for change in apply([(holder, root)], unsafe=True).changes}


def _apply(fix):
    for path, text in _applied(fix).items():
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)


def _first_safe(finding):
    return next(change for change in finding.changes if change.applicability == SAFE)


def test_the_story_gets_a_group_of_its_own_for_the_instances(tmp_path):
    """The office group is on the ALB and the instances: opening it would open the ALB too. The
    fix is a group that admits the ALB's group on 80, beside it, attached to the instances."""
    story = _copy(tmp_path, "story")
    main = story / "main.tf"
    (finding,) = [f for f in _findings(story) if f.rule == "aws_lb_target_traffic_blocked"]
    fix = _first_safe(finding)
    text = _applied(fix)[str(main)]
    assert '''  }
}

resource "aws_security_group" "web_from_public" {
  description = "tcp/80 from aws_security_group.public"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port       = 80
    to_port         = 80
    protocol        = "tcp"
    security_groups = [aws_security_group.public.id]
  }
}

resource "aws_lb" "web" {''' in text
    assert ("  vpc_security_group_ids = [aws_security_group.public.id, aws_security_group.web_from_public.id]\n"
            in text)
    _apply(fix)
    assert not [f for f in _findings(story) if f.rule == "aws_lb_target_traffic_blocked"]


def test_a_rule_says_the_port_as_the_configuration_does(tmp_path):
    story = _copy(tmp_path, "story")
    main = story / "main.tf"
    main.write_text(main.read_text().replace("port     = 80", "port     = var.app_port", 1)
                    + '\nvariable "app_port" {\n  type    = number\n  default = 8080\n}\n')
    (finding,) = [f for f in _findings(story) if f.rule == "aws_lb_target_traffic_blocked"]
    text = _applied(_first_safe(finding))[str(main)]
    assert "    from_port       = var.app_port\n    to_port         = var.app_port\n" in text


def test_a_group_without_inline_egress_gets_a_rule_resource(tmp_path):
    """The ALB's group declares ingress inline and no egress: an inline egress naming the
    targets' group, which names the ALB's group, would be a dependency cycle."""
    case = _copy(tmp_path, "alb_no_egress")
    (finding,) = _findings(case)
    fix = _first_safe(finding)
    (edit,) = fix.edits
    assert edit.text.startswith('\n\nresource "aws_vpc_security_group_egress_rule" "grafana_alb_tcp80_grafana" {\n')
    assert "  referenced_security_group_id = aws_security_group.grafana.id\n" in edit.text
    # Right after the ALB group's block.
    lines = (case / "main.tf").read_text().splitlines()
    assert edit.line == block_lines(lines, 'resource "aws_security_group" "grafana_alb"')[1]
    _apply(fix)
    assert _findings(case) == []


def test_a_module_called_for_each_is_not_edited_for_one_instance(tmp_path):
    """count_for_each: the api group is made by module.sg["api"], one of two instances of
    modules/service_sg: a rule in its code would open the web instances too (module.sg["web"]
    is theirs). The api instances get a group of their own in the root instead, in the VPC the
    module's groups are in, said as the root says it."""
    case = _copy(tmp_path, "count_for_each")
    main = case / "main.tf"
    (finding,) = [f for f in _findings(case) if f.rule == "aws_lb_target_traffic_blocked"]
    safe = _first_safe(finding)
    assert {edit.path for edit in safe.edits} == {str(main)}
    text = _applied(safe)[str(main)]
    assert "vpc_security_group_ids = [module.sg[\"api\"].id, aws_security_group.api_from_alb.id]" in text
    assert "vpc_security_group_ids = [module.sg[\"web\"].id]" in text
    new = text[text.index('resource "aws_security_group" "api_from_alb" {'):]
    assert new.split("\n")[2] == "  vpc_id      = aws_vpc.main.id"
    assert "from_port       = 8443" in new and "security_groups = [aws_security_group.alb.id]" in new
    assert (case / "modules" / "service_sg" / "main.tf").read_text() == (
        FIXTURES / "count_for_each" / "modules" / "service_sg" / "main.tf").read_text()
    _apply(safe)
    assert not [f for f in _findings(case) if f.rule == "aws_lb_target_traffic_blocked"]


def test_a_module_group_on_two_tiers_is_left_alone_for_a_group_of_the_targets_own(tmp_path):
    """The service module called once: its one group is on the web and the api instances, so
    a rule in it would open the web tier too. The api instances get a group of their own in
    the root, which can name the root's ALB group."""
    case = _copy(tmp_path, "count_for_each")
    main = case / "main.tf"
    text = main.read_text()
    call = text[text.index('module "sg" {'):text.index("}\n", text.index('module "sg" {')) + 2]
    single = call.replace('  for_each = toset(["web", "api"])\n', "").replace('"portal-${each.key}"', '"portal-api"')
    main.write_text(text.replace(call, single).replace('module.sg["web"].id', "module.sg.id")
                    .replace('module.sg["api"].id', "module.sg.id"))
    blocked = [f for f in _findings(case) if f.rule == "aws_lb_target_traffic_blocked"]
    assert [f.subject for f in blocked] == ['aws_instance.api["green"]']
    safe = _first_safe(blocked[0])
    new, attach = safe.edits
    assert new.path == attach.path == str(main)
    assert new.text.startswith('\n\nresource "aws_security_group" "api_from_alb" {\n')
    assert "    security_groups = [aws_security_group.alb.id]\n" in new.text and "from_port       = 8443" in new.text
    assert attach.text == ", aws_security_group.api_from_alb.id"
    _apply(safe)
    assert not [f for f in _findings(case) if f.rule == "aws_lb_target_traffic_blocked"]


def test_a_port_change_is_unsafe_and_keeps_the_alignment(tmp_path):
    case = _copy(tmp_path, "health_check_port")
    (finding,) = _findings(case)
    first = finding.changes[0]
    assert first.applicability == UNSAFE
    (edit,) = first.edits
    line = line_of(case / "main.tf", 'port     = "8081"')
    assert (edit.line, edit.text) == (line, 'port     = "traffic-port"')
    assert finding.changes[1].applicability == SAFE


def test_nothing_is_written_into_an_installed_module(tmp_path):
    """The same three-level fixture with its modules where `terraform init` puts them."""
    import json

    repo = _copy(tmp_path, "modules_three_levels")
    for name in ("network",):
        shutil.move(str(repo / "modules" / name), repo / ".terraform" / "modules" / name)
    main = repo / "main.tf"
    text = main.read_text()
    start = line_of(main, 'module "network"')
    source = next(line for line in text.splitlines()[start - 1:start + 5] if "source" in line)
    main.write_text(text.replace(source, '  source = "example-corp/network/aws"', 1))
    (repo / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "network", "Source": "registry.terraform.io/example-corp/network/aws",
         "Dir": ".terraform/modules/network"}]}))
    (finding,) = _findings(repo)
    for change in finding.changes:
        assert all(".terraform" not in edit.path for edit in change.edits)
    safe = _first_safe(finding)
    assert safe.edits == ()
    assert safe.note.startswith("module.network.aws_security_group.app is in module.network, a module `terraform init` "
                                "installed: the change belongs there, or in its call; a new group of ")


def test_a_module_names_the_root_group_by_the_variable_its_rules_use(tmp_path):
    """plan_module_defaults: module.app's group admits the ALB's group as var.lb_group_id, on
    8080; the target group sends 80. The new rule, in the module, says var.lb_group_id too."""
    case = _copy(tmp_path, "plan_module_defaults")
    (finding,) = _findings(case)
    (edit,) = _first_safe(finding).edits
    assert edit.path == str(case / "modules" / "app" / "main.tf")
    assert "    from_port       = 80\n" in edit.text and "    security_groups = [var.lb_group_id]\n" in edit.text


def test_the_root_names_groups_and_the_vpc_of_its_modules_by_their_outputs(tmp_path):
    """module_lb_root_targets: the root's instance, in the default group module.network
    manages, is blocked; the fix, in the root, names the ALB's group by module.alb's output
    and keeps the default group by module.network's, and goes in the VPC module.network
    says."""
    case = _copy(tmp_path, "module_lb_root_targets")
    (finding,) = _findings(case)
    fix = _first_safe(finding)
    text = _applied(fix)[str(case / "main.tf")]
    assert ('  subnet_id     = module.network.private_subnet_ids[0]\n\n'
            '  vpc_security_group_ids = [module.network.default_security_group_id, '
            'aws_security_group.web_from_alb.id]\n}\n') in text
    assert ('resource "aws_security_group" "web_from_alb" {\n'
            '  description = "tcp/8080 from module.alb.aws_security_group.this[0]"\n'
            '  vpc_id      = module.network.vpc_id\n') in text
    assert "    security_groups = [module.alb.security_group_id]\n" in text
    _apply(fix)
    assert _findings(case) == []


def test_without_an_output_for_the_group_the_note_says_to_add_one(tmp_path):
    case = _copy(tmp_path, "module_lb_root_targets")
    lb = case / "modules" / "lb" / "main.tf"
    text = lb.read_text()
    lb.write_text(text[:text.index('output "security_group_id"')] + text[text.index('output "target_group_arn"'):])
    (finding,) = _findings(case)
    fix = _first_safe(finding)
    assert fix.edits == ()
    assert fix.note == ("module.alb.aws_security_group.this[0] is made by module.alb, and no output of it gives "
                        "its id: add one to that module (value = the group's id), then name module.alb.<output> "
                        "in the root module")


def test_a_description_leaves_out_the_quotes_aws_refuses(tmp_path):
    """A security group rule's description takes no double quotes: a key of module.x["k"]
    is written without them."""
    case = _copy(tmp_path, "module_lb_root_targets")
    main = case / "main.tf"
    text = main.read_text().replace('module "alb" {', 'module "alb" {\n  for_each = toset(["shop"])\n', 1)
    main.write_text(text.replace("module.alb.target_group_arn", 'module.alb["shop"].target_group_arn'))
    (finding,) = _findings(case)
    text = _applied(_first_safe(finding))[str(main)]
    assert '  description = "tcp/8080 from module.alb[shop].aws_security_group.this[0]"\n' in text
    assert '    security_groups = [module.alb["shop"].security_group_id]\n' in text


@pytest.mark.parametrize("written, fixed", [
    ("[\n    aws_security_group.public.id,\n  ]",
     "[\n    aws_security_group.public.id,\n    aws_security_group.web_from_public.id,\n  ]"),
    ("[\n    aws_security_group.public.id\n  ]",
     "[\n    aws_security_group.public.id,\n    aws_security_group.web_from_public.id\n  ]"),
    ('[\n  "${aws_security_group.public.id}"]',
     '[\n  "${aws_security_group.public.id}", aws_security_group.web_from_public.id]'),
], ids=["one-a-line", "no-trailing-comma", "bracket-after-the-item"])
def test_a_list_of_groups_over_several_lines_gets_the_new_group_in_its_style(written, fixed, tmp_path):
    story = _copy(tmp_path, "story")
    main = story / "main.tf"
    one_line = "vpc_security_group_ids = [aws_security_group.public.id]"
    main.write_text(main.read_text().replace(one_line, f"vpc_security_group_ids = {written}"))
    (finding,) = [f for f in _findings(story) if f.rule == "aws_lb_target_traffic_blocked"]
    fix = _first_safe(finding)
    assert f"vpc_security_group_ids = {fixed}\n" in _applied(fix)[str(main)]
    _apply(fix)
    assert not [f for f in _findings(story) if f.rule == "aws_lb_target_traffic_blocked"]


FIXED_BY_THE_FIRST_SAFE_FIX = [
    "alb_no_egress", "both_sides_blocked", "classic_elb", "default_security_group", "ecs_awsvpc",
    "ecs_bridge_dynamic_blocked", "ecs_bridge_templatefile", "health_check_port", "listener_rules_weighted",
    "module_lb_root_targets", "modules_three_levels", "nlb", "plan_dynamic_interfaces", "plan_module_defaults", "rule_styles",
    "source_asg_locals", "story", "tier_client_egress_blocked", "tier_db_port_mismatch", "tier_db_unreachable",
    "weighted_standby"]


@pytest.mark.parametrize("case", FIXED_BY_THE_FIRST_SAFE_FIX)
def test_the_first_safe_fixes_clear_the_blocked_flows(case, tmp_path):
    """Each blocked flow's first safe fix, applied, leaves no finding. The story takes two
    rounds: its database can admit the app tier once the app tier has a group of its own."""
    copy = _copy(tmp_path, case)
    for _ in range(3):
        writable = [f for f in _findings(copy) if any(c.edits and c.applicability == SAFE for c in f.changes)]
        if not writable:
            break
        for finding in writable:
            _apply(next(c for c in finding.changes if c.edits and c.applicability == SAFE))
    assert [(f.rule, f.subject) for f in _findings(copy)] == []


def test_internet_clients_of_an_nlb_are_admitted_only_when_asked(tmp_path):
    """nlb_clients_blocked: the NLB has no groups and passes clients' addresses, so the only rule
    that lets them in opens the port to every address. That is the service's purpose, but a
    reviewer's choice: the fix is unsafe, on the one port, inline as the web group's rules are."""
    case = _copy(tmp_path, "nlb_clients_blocked")
    main = case / "main.tf"
    (finding,) = _findings(case)
    (fix,) = finding.changes
    assert fix.applicability == UNSAFE and "0.0.0.0/0" in fix.description
    (edit,) = fix.edits
    assert edit.line == block_lines(main.read_text().split("\n"), 'resource "aws_security_group" "web"')[1]
    assert edit.text == ('\n  ingress {\n    description = "tcp/443 from 0.0.0.0/0"\n    from_port   = 443\n'
                         '    to_port     = 443\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n')
    _apply(fix)
    assert _findings(case) == []


# --- modules `terraform init` installed: the fix goes in their call ----------------------


def _installed_case(tmp_path):
    case = _copy(tmp_path, "module_installed_call_site")
    findings = {finding.subject: finding for finding in _findings(case)}
    return case, findings


def test_a_group_in_an_installed_module_is_fixed_at_its_call(tmp_path):
    """module_installed_call_site: module.web's own group (installed) admits the ALB only on
    443; its launch template also carries var.security_group_ids, which the call leaves at its
    default []. The fix: a new group in the root admitting 8080 from the ALB's group, in the
    call's security_group_ids. Nothing under .terraform is edited."""
    case, findings = _installed_case(tmp_path)
    main = case / "main.tf"
    fix = _first_safe(findings["module.web.aws_autoscaling_group.this"])
    assert all(edit.path == str(main) for edit in fix.edits)
    text = _applied(fix)[str(main)]
    assert '''  target_group_arns    = [aws_lb_target_group.web.arn]

  security_group_ids = [aws_security_group.web_from_alb.id]
}

resource "aws_security_group" "web_from_alb" {
  description = "tcp/8080 from aws_security_group.alb"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }
}
''' in text
    assert fix.description.endswith("written at the call of module.web (installed by `terraform init`): a new "
                                    "security group aws_security_group.web_from_alb passed to it in "
                                    "`security_group_ids`.")
    _apply(fix)
    assert "module.web.aws_autoscaling_group.this" not in {f.subject for f in _findings(case)}


def test_the_new_group_joins_the_list_the_call_already_passes(tmp_path):
    case, findings = _installed_case(tmp_path)
    fix = _first_safe(findings["module.api.aws_autoscaling_group.this"])
    text = _applied(fix)[str(case / "main.tf")]
    assert ("  security_group_ids = [\n    aws_security_group.ssh.id,\n    aws_security_group.api_from_alb.id,\n  ]\n"
            in text)


def test_a_call_that_passes_an_expression_gets_it_concatenated(tmp_path):
    case = _copy(tmp_path, "module_installed_call_site")
    main = case / "main.tf"
    text = main.read_text()
    main.write_text(text.replace("  security_group_ids = [\n    aws_security_group.ssh.id,\n  ]\n",
                                 "  security_group_ids = local.api_groups\n")
                    + '\nlocals {\n  api_groups = [aws_security_group.ssh.id]\n}\n')
    (finding,) = [f for f in _findings(case) if f.subject == "module.api.aws_autoscaling_group.this"]
    (edit,) = [edit for edit in _first_safe(finding).edits if "concat" in edit.text]
    assert edit.text == "security_group_ids = concat(local.api_groups, [aws_security_group.api_from_alb.id])"


def test_no_call_site_edit_when_two_variables_may_carry_the_groups(tmp_path):
    """Which one a group should go in is the module's to say: a note, no edit."""
    case = _copy(tmp_path, "module_installed_call_site")
    module = case / ".terraform" / "modules" / "web-tier" / "main.tf"
    module.write_text(module.read_text().replace(
        "concat([aws_security_group.this.id], var.security_group_ids)",
        "concat([aws_security_group.this.id], var.security_group_ids, var.extra_security_groups)")
        + 'variable "extra_security_groups" {\n  type    = list(string)\n  default = []\n}\n')
    (finding,) = [f for f in _findings(case) if f.subject == "module.web.aws_autoscaling_group.this"]
    fix = _first_safe(finding)
    assert fix.edits == ()
    assert fix.note == ("module.web.aws_security_group.this is in module.web, a module `terraform init` installed: "
                        "the change belongs there, or in its call; no one variable of the module carries the "
                        "security groups of module.web.aws_autoscaling_group.this")
