"""A plan read with its source decides at least what either decides alone.

Three readings of one configuration: the source directory, the plan with its `.tf` files
beside it, and the same plan moved away from them. Whatever the directory or the lone plan
decides about a flow (allowed or blocked), the plan with its source decides too, the same way;
and it reports every finding either of them reports.
"""

import shutil

import pytest

from conftest import FIXTURES, fixture_cases
from test_fixtures import PLAN_ONLY_LIMITS


def _cases_with_source() -> list[str]:
    return [case for case in fixture_cases() if any((FIXTURES / case).glob("*.tf"))]


def _decided(path, source=None) -> tuple[dict, set]:
    """The flows decided (key -> status) and the findings (rule, subject) of one input."""
    from tflint_sg.pipeline import Options, run

    outcome = run(Options(paths=(str(path),), source=source, formats=("json",)))
    assert outcome.unreadable == 0 and not outcome.failed, outcome.messages
    (checked,) = outcome.checked
    flows = {}
    for flow in checked.result.graph["flows"]:
        if flow["status"] != "undecided":
            # The same in every reading: addresses as Terraform prints them, protocol and port.
            key = (flow["kind"], flow["from"], flow["to"], flow["protocol"], flow["port"])
            assert flows.setdefault(key, flow["status"]) == flow["status"], key
    return flows, {(finding.rule, finding.subject) for finding in checked.result.findings}


def _assert_covers(with_source: tuple[dict, set], other: tuple[dict, set]) -> None:
    flows, findings = with_source
    differing = {key: (status, flows.get(key, "undecided")) for key, status in other[0].items()
                 if flows.get(key) != status}
    assert differing == {}
    assert other[1] - findings == set()


@pytest.mark.parametrize("case", _cases_with_source())
def test_the_plan_with_its_source_decides_what_the_directory_decides(case):
    directory = _decided(FIXTURES / case)
    _assert_covers(_decided(FIXTURES / case / "plan.json"), directory)


def _plan_alone_cases():
    for case in _cases_with_source():
        limit = PLAN_ONLY_LIMITS.get(case)
        # Alone, the plan misreads these (see "Known limits of plan input"): the source corrects it.
        marks = [pytest.mark.xfail(strict=True, reason=limit)] if limit else []
        yield pytest.param(case, marks=marks, id=case)


@pytest.mark.parametrize("case", list(_plan_alone_cases()))
def test_the_plan_with_its_source_decides_what_the_plan_alone_decides(case, tmp_path):
    shutil.copy(FIXTURES / case / "plan.json", tmp_path / "plan.json")
    alone = _decided(tmp_path / "plan.json")
    _assert_covers(_decided(FIXTURES / case / "plan.json"), alone)


def test_only_the_plan_with_its_source_decides_the_service_behind_a_dynamic_block(tmp_path):
    """The property is not empty: the directory cannot expand the service (its count reads a
    data source), the plan alone cannot see its dynamic load_balancer block; together they do."""
    case = FIXTURES / "source_ecs_dynamic_load_balancer"
    flow = ("traffic", "aws_lb.web", "module.service.aws_ecs_service.this[0]", "tcp", 8080)
    shutil.copy(case / "plan.json", tmp_path / "plan.json")
    assert flow not in _decided(case)[0] and flow not in _decided(tmp_path / "plan.json")[0]
    assert _decided(case / "plan.json")[0][flow] == "blocked"


def _edited_copy(tmp_path, case: str, path: str, old: str, new: str):
    copy = tmp_path / "source"
    shutil.copytree(FIXTURES / case, copy, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    edited = copy / path
    text = edited.read_text()
    assert old in text
    edited.write_text(text.replace(old, new))
    return copy


def _findings(plan, source=None) -> list[tuple]:
    from tflint_sg.pipeline import Options, run

    (checked,) = run(Options(paths=(str(plan),), source=source and str(source), formats=("json",))).checked
    return sorted((f.rule, f.subject, f.port) for f in checked.result.findings)


def test_the_instances_the_plan_holds_win_over_the_count_the_source_gives(tmp_path):
    """The source edited after planning to make no service: the plan makes one, and that is
    the one analyzed, its dynamic block filled from the source."""
    case = "source_ecs_dynamic_load_balancer"
    source = _edited_copy(tmp_path, case, "service/main.tf",
                          "count           = contains(var.enabled_regions, data.aws_region.current.name) ? 1 : 0",
                          "count           = 0")
    assert _findings(FIXTURES / case / "plan.json", source) == [
        ("aws_lb_target_traffic_blocked", "module.service.aws_ecs_service.this[0]", 8080)]


def test_a_source_that_contradicts_a_known_value_is_not_used(tmp_path):
    """The plan knows the container port (8080) but not the target group of the dynamic block;
    a source whose default port is now 9090 disagrees, so none of its block is taken: the flow
    stays undecided rather than judged on either port."""
    case = "source_ecs_dynamic_load_balancer"
    source = _edited_copy(tmp_path, case, "service/main.tf", "optional(number, 8080)", "optional(number, 9090)")
    assert _findings(FIXTURES / case / "plan.json", source) == []
    flows = _decided(FIXTURES / case / "plan.json", source=str(source))[0]
    assert not [key for key in flows if key[2].startswith("module.service.aws_ecs_service")]


def test_a_dynamic_block_is_filled_from_the_source_and_declared(tmp_path):
    from tflint_sg.load import load

    config = load(str(FIXTURES / "source_ecs_dynamic_load_balancer" / "plan.json"))
    service = config.resources["module.service.aws_ecs_service.this[0]"]
    assert "load_balancer" in service.declared  # a plan's configuration leaves dynamic blocks out
    (block,) = service.values["load_balancer"]
    assert (block["container_port"], block["target_group_arn"]) == (8080, _ref("aws_lb_target_group.api", "arn"))


def test_the_source_reads_a_data_source_as_planning_read_it(tmp_path):
    from tflint_sg.load.modules.directory import load_directory
    from tflint_sg.load.plan.decode import read_plan
    from tflint_sg.load.plan.instances import PlannedInstances

    case = "source_ecs_dynamic_load_balancer"
    name = '  name            = "api"\n'
    tags = '  tags            = { region = data.aws_region.current.name }\n'
    source = _edited_copy(tmp_path, case, "service/main.tf", name, name + tags)
    planned = PlannedInstances(read_plan(str(FIXTURES / case / "plan.json")))
    service = "module.service.aws_ecs_service.this[0]"
    assert load_directory(str(source), planned=planned).resources[service].values["tags"] == {"region": "us-east-1"}
    alone = load_directory(str(source), var_args=[]).resources
    assert service not in alone  # its count reads the region too: alone, the source cannot expand it
    assert planned.data_values("module.service.data.aws_region.nowhere") is None


def _ref(address, attribute):
    from tflint_sg.config import Ref

    return Ref(address, attribute)


def test_a_literal_id_in_the_source_names_the_existing_resource_the_plan_knows(tmp_path):
    """An instance takes a new group and, by its id, a group that exists already. The plan
    alone sees only the new group's reference; the source adds the literal id, and the plan's
    prior state says which resource of this configuration it is."""
    from test_plan_loader import change, config_resource, const, plan_doc, refs, write

    from tflint_sg.config import Ref
    from tflint_sg.load import load

    legacy_id = "sg-0aaaabbbbccccdddd"
    legacy = {"id": legacy_id, "arn": f"arn:aws:ec2:us-east-1:123456789012:security-group/{legacy_id}"}
    doc = plan_doc(
        [change("aws_security_group.legacy", "aws_security_group", legacy, actions=("no-op",)),
         change("aws_security_group.new", "aws_security_group", {}, {"id": True, "arn": True}),
         change("aws_instance.app", "aws_instance", {"ami": "ami-0123456789abcdef0"},
                {"id": True, "vpc_security_group_ids": True})],
        {"resources": [
            config_resource("aws_security_group.legacy", "aws_security_group", {}),
            config_resource("aws_security_group.new", "aws_security_group", {}),
            config_resource("aws_instance.app", "aws_instance", {
                "ami": const("ami-0123456789abcdef0"),
                "vpc_security_group_ids": refs("aws_security_group.new.id", "aws_security_group.new")})]},
        prior=[("aws_security_group.legacy", "aws_security_group", legacy)])
    plan = write(tmp_path, doc)
    (tmp_path / "main.tf").write_text(f'''
resource "aws_security_group" "legacy" {{}}
resource "aws_security_group" "new" {{}}
resource "aws_instance" "app" {{
  ami                    = "ami-0123456789abcdef0"
  vpc_security_group_ids = [aws_security_group.new.id, "{legacy_id}"]
}}
''')
    groups = load(plan).resources["aws_instance.app"].values["vpc_security_group_ids"]
    assert sorted(groups) == [Ref("aws_security_group.legacy", "id"), Ref("aws_security_group.new", "id")]
