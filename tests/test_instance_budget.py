"""Nested count, for_each and dynamic blocks multiply: one budget bounds what a run expands,
and a run cut short says so on standard error in every format."""

import pytest

from tflint_sg.load import load
from tflint_sg.load.modules.module import INSTANCE_BUDGET

WARNING = "tflint-sg: warning: {}: stopped expanding count/for_each after {:,} instances in this run; " \
          "the rest is not analyzed"


def _nested(root, modules: int, groups: int):
    """A module called `modules` times, each instance holding `groups` security groups."""
    (root / "m").mkdir(parents=True)
    (root / "main.tf").write_text(f'module "m" {{\n  source = "./m"\n  count  = {modules}\n}}\n')
    (root / "m" / "main.tf").write_text(
        f'resource "aws_security_group" "g" {{\n  count = {groups}\n  name  = "g-${{count.index}}"\n'
        '  ingress {\n    from_port   = 443\n    to_port     = 443\n    protocol    = "tcp"\n'
        '    cidr_blocks = ["10.0.0.0/8"]\n  }\n}\n')
    return root


def _cidrs(count: int) -> str:
    return "[" + ", ".join(f'"10.{i // 65536}.{i // 256 % 256}.{i % 256}/32"' for i in range(count)) + "]"


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    return _nested(tmp_path_factory.mktemp("million"), 1000, 1000)


def test_a_module_count_around_a_resource_count_stops_at_the_budget(tflint_sg, million):
    run = tflint_sg("--format", "json", str(million))
    assert run.code == 0, run.stderr
    # The module's 1,000 instances come first; then each instance's groups, the last call first.
    kept_modules = (INSTANCE_BUDGET - 1000) // 1000
    stopped = f"module.m[{999 - kept_modules}].aws_security_group.g"
    assert run.stderr.splitlines() == [WARNING.format(stopped, INSTANCE_BUDGET)]
    (document,) = run.json()["inputs"]
    groups = {group["address"]: group for group in document["graph"]["security_groups"]}
    assert len(groups) == kept_modules * 1000
    kept = groups["module.m[999].aws_security_group.g[999]"]
    assert kept["rules"][0]["cidrs"] == ["10.0.0.0/8"] and kept["rules"][0]["from_port"] == 443
    assert f"{stopped}[0]" not in groups


@pytest.mark.parametrize("output_format", ["text", "compact", "sarif", "github", "markdown", "graph", "graph-mermaid"])
def test_every_format_shows_the_warning_without_verbose(tflint_sg, million, output_format):
    if output_format.startswith("graph"):  # the model, as `tflint-sg graph` prints it
        run = tflint_sg("graph", "--format", "mermaid" if output_format.endswith("mermaid") else "json", str(million))
    else:
        run = tflint_sg("--format", output_format, str(million))
    assert run.code == 0 and "Traceback" not in run.stderr
    assert "stopped expanding count/for_each after" in run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_a_for_each_over_a_huge_map_keeps_the_first_keys(tmp_path):
    (tmp_path / "main.tf").write_text(
        f'locals {{\n  cidrs = {_cidrs(INSTANCE_BUDGET + 5000)}\n}}\n'
        'resource "aws_security_group" "g" {\n  for_each = {for c in local.cidrs : c => c}\n'
        '  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n'
        '    cidr_blocks = [each.value]\n  }\n}\n')
    config = load(str(tmp_path))
    assert config.warnings == [WARNING.format("aws_security_group.g", INSTANCE_BUDGET)[len("tflint-sg: warning: "):]]
    assert len(config.resources) == INSTANCE_BUDGET
    first = 'aws_security_group.g["10.0.0.0/32"]'  # for_each keys in order
    assert config.resources[first].values["ingress"][0]["cidr_blocks"] == ["10.0.0.0/32"]


def test_a_dynamic_block_past_the_budget_leaves_its_rules_unknown_not_partial(tflint_sg, tmp_path):
    many = INSTANCE_BUDGET - 100
    (tmp_path / "main.tf").write_text(
        f'locals {{\n  cidrs = {_cidrs(many)}\n}}\n'
        'resource "aws_security_group" "g" {\n  count = 2\n  dynamic "ingress" {\n    for_each = local.cidrs\n'
        '    content {\n      from_port   = 443\n      to_port     = 443\n      protocol    = "tcp"\n'
        '      cidr_blocks = [ingress.value]\n    }\n  }\n}\n')
    run = tflint_sg("--format", "json", str(tmp_path))
    assert run.stderr.splitlines() == [WARNING.format('aws_security_group.g[1] (dynamic "ingress")', INSTANCE_BUDGET)]
    groups = {group["address"]: group for group in run.json()["inputs"][0]["graph"]["security_groups"]}
    assert len(groups["aws_security_group.g[0]"]["rules"]) == many
    assert groups["aws_security_group.g[1]"]["rules"] == []
    config = load(str(tmp_path))
    assert "budget" in config.resources["aws_security_group.g[1]"].values["ingress"].reason


def test_nesting_depth_times_count_is_bounded(tmp_path):
    """Eight levels of a module calling the next with count = 10: a hundred million instances."""
    directory = tmp_path
    for level in range(8):
        call = f'module "next" {{\n  source = "./l{level + 1}"\n  count  = 10\n}}\n' if level < 7 else ""
        (directory / "main.tf").write_text(call + 'resource "aws_security_group" "g" {\n  name = "g"\n}\n')
        directory = directory / f"l{level + 1}"
        directory.mkdir()
    config = load(str(tmp_path))
    (warning,) = config.warnings
    assert "stopped expanding count/for_each after" in warning
    assert len(config.resources) < INSTANCE_BUDGET
    assert "module.next[9].module.next[9].aws_security_group.g" in config.resources


def test_below_the_budget_nothing_is_cut_and_nothing_is_said(tflint_sg, tmp_path):
    root = _nested(tmp_path, 10, 100)
    run = tflint_sg("--format", "json", str(root))
    assert run.stderr == ""
    assert len(run.json()["inputs"][0]["graph"]["security_groups"]) == 1000


def test_a_plan_read_with_its_source_says_only_the_source_was_cut(tmp_path, million):
    from tflint_sg.config import Config
    from tflint_sg.load import attach_source

    config = Config(source="plan.json")
    attach_source(config, str(million))
    (warning,) = config.warnings
    assert warning.startswith(f"the configuration at {million}: module.m[")
    assert warning.endswith("the rest of it is not read, and findings there point at the plan")


def test_a_rule_resource_past_the_budget_makes_no_group_look_closed(tflint_sg, tmp_path):
    """The database admits the app through a standalone rule, which the budget cuts off: the
    database must not be reported as unreachable (its group may hold that rule)."""
    import re
    import shutil

    from conftest import FIXTURES

    shutil.copytree(FIXTURES / "tier_db_ok", tmp_path / "infra")
    main = tmp_path / "infra" / "main.tf"
    text = main.read_text()
    text = re.sub(r'(resource "aws_security_group" "db" \{.*?)  ingress \{.*?\n  \}\n', r"\1", text, count=1, flags=re.S)
    rule = ('resource "aws_security_group_rule" "db_from_app" {\n  type                     = "ingress"\n'
            '  security_group_id        = aws_security_group.db.id\n  from_port                = 5432\n'
            '  to_port                  = 5432\n  protocol                 = "tcp"\n'
            '  source_security_group_id = aws_security_group.app.id\n}\n')
    main.write_text(text + rule)
    assert tflint_sg("--format", "json", str(tmp_path / "infra")).json()["findings"] == []  # the rule holds

    # Three groups of 10,000 declared before the rule take the whole budget.
    fillers = "".join(f'resource "aws_security_group" "filler{i}" {{\n  count  = 10000\n'
                      f'  vpc_id = aws_vpc.main.id\n}}\n' for i in range(3))
    main.write_text(text + fillers + rule)
    run = tflint_sg("--format", "json", "--verbose", str(tmp_path / "infra"))
    assert "stopped expanding count/for_each" in run.stderr
    assert run.json()["findings"] == [], [f["rule"] for f in run.json()["findings"]]
    assert run.code == 0


def test_inputs_analyzed_over_the_cores_say_what_one_process_says(tflint_sg, tmp_path, monkeypatch):
    """Ten roots of about 4,000 instances each: the budget runs out in the seventh, so it and the
    roots after it must see what the roots before them left, as in a run in one process."""
    from tflint_sg import forked, pipeline

    roots = [str(_nested(tmp_path / f"root{index}", 4, 999)) for index in range(10)]
    spread = tflint_sg("--format", "json", *roots)
    # 6 roots and 1,000 of the seventh's 4,000 groups fit; the eighth to the tenth get nothing.
    assert spread.stderr.splitlines() == [WARNING.format("module.m[3].aws_security_group.g", INSTANCE_BUDGET)] + \
        [WARNING.format("module.m", INSTANCE_BUDGET)] * 3
    monkeypatch.setattr(forked, "workers_for", lambda jobs, per_worker: 0)
    alone = tflint_sg("--format", "json", *roots)
    assert (spread.code, spread.stdout, spread.stderr) == (alone.code, alone.stdout, alone.stderr)
    assert pipeline.INPUTS_PER_WORKER * 2 <= len(roots)  # enough inputs to spread on two cores
