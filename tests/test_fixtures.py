"""End to end: every fixture's real plan through the real CLI, against the findings its
author reasoned out in expected.json (one folder per case)."""

import json
import shutil

import pytest

from conftest import FIXTURES, fixture_cases, source_only_cases


def _projection(finding: dict) -> tuple:
    """A finding as the tests compare it: the addresses, port and blockers (message text aside)."""
    blockers = frozenset(
        (b["endpoint"], b["direction"], b["security_group"]) for b in finding.get("blockers", [])
    )
    acl_blockers = frozenset(_acl_key(b) for b in finding.get("network_acl_blockers", []))
    keys = ("rule", "subject", "load_balancer", "target", "peer", "protocol", "port")
    return tuple(finding.get(key) for key in keys) + (blockers, acl_blockers)


def _matches(expected: dict, got: dict) -> bool:
    """An expected entry matches a finding on exactly the keys the entry gives."""
    for key, value in expected.items():
        if key == "blockers":
            want = {(b["endpoint"], b["direction"], b["security_group"]) for b in value}
            if want != {(b["endpoint"], b["direction"], b["security_group"]) for b in got.get("blockers", [])}:
                return False
        elif key == "network_acl_blockers":
            if {_acl_key(b) for b in value} != {_acl_key(b) for b in got.get(key, [])}:
                return False
        elif got.get(key) != value:
            return False
    return True


def _acl_key(blocker: dict) -> tuple:
    return tuple(blocker[key] for key in ("network_acl", "subnet", "peer_subnet", "direction", "traffic", "from_port",
                                          "to_port", "rule_number"))


def _unmatched(expected: list[dict], got: list[dict]) -> tuple[list, list]:
    remaining = list(got)
    missing = []
    for entry in expected:
        match = next((finding for finding in remaining if _matches(entry, finding)), None)
        if match is None:
            missing.append(entry)
        else:
            remaining.remove(match)
    return missing, [(f["rule"], f["subject"], f.get("port")) for f in remaining]


def _cases():
    """Every fixture; one the tool is known to get wrong in plan mode is a strict xfail."""
    for case in fixture_cases():
        expected = json.loads((FIXTURES / case / "expected.json").read_text())
        known = expected.get("known_false_positive")
        marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
        yield pytest.param(case, marks=marks, id=case)


@pytest.mark.parametrize("case", list(_cases()))
def test_fixture_findings(case, tflint_sg):
    expected = json.loads((FIXTURES / case / "expected.json").read_text())
    run = tflint_sg("--format", "json", f"fixtures/{case}/plan.json")
    assert run.code == (2 if expected["findings"] else 0), run.stderr
    missing, unexpected = _unmatched(expected["findings"], run.json()["findings"])
    assert (missing, unexpected) == ([], [])


def test_there_are_enough_fixtures():
    cases = fixture_cases()
    assert len(cases) >= 10
    bad = [c for c in cases if json.loads((FIXTURES / c / "expected.json").read_text())["findings"]]
    assert bad and len(bad) < len(cases)


PLAN_ONLY_LIMITS = {
    "guard_count_offset": "without the source, `tier[count.index + 1]` reads as `tier[count.index]`",
    "guard_literal_sg_id": "without the source, a literal id beside a reference in an unknown set is invisible",
}


@pytest.mark.parametrize("case", sorted(PLAN_ONLY_LIMITS))
@pytest.mark.xfail(strict=True, reason="plan JSON keeps only an expression's references")
def test_plan_without_its_source_cannot_settle(case, tflint_sg, tmp_path):
    """The same plan moved away from its .tf files: the known limit of plan-only input."""
    alone = tmp_path / "plan.json"
    alone.write_bytes((FIXTURES / case / "plan.json").read_bytes())
    run = tflint_sg("--format", "json", str(alone))
    assert run.json()["findings"] == []


@pytest.mark.parametrize("case", ["plan_module_defaults", "modules_three_levels", "story"])
def test_plan_alone_finds_what_it_holds(case, tflint_sg, tmp_path):
    """Away from its .tf files, a plan still holds its modules' variable defaults."""
    expected = json.loads((FIXTURES / case / "expected.json").read_text())
    alone = tmp_path / "plan.json"
    alone.write_bytes((FIXTURES / case / "plan.json").read_bytes())
    run = tflint_sg("--format", "json", str(alone))
    assert _unmatched(expected["findings"], run.json()["findings"]) == ([], [])


@pytest.mark.parametrize("case", fixture_cases())
def test_directory_and_plan_agree(case, tflint_sg):
    """Parity: the source directory and the plan Terraform made from it give the same findings,
    except where the case says the plan knows more (a data source's reading, a -var given at
    plan time): there the directory may only decide less."""
    expected = json.loads((FIXTURES / case / "expected.json").read_text())
    from_plan = tflint_sg("--format", "json", f"fixtures/{case}/plan.json").json()["findings"]
    from_source = tflint_sg("--format", "json", *_plan_variables(case), f"fixtures/{case}").json()["findings"]
    if "plan_knows_more" in expected:
        assert set(map(_projection, from_source)) < set(map(_projection, from_plan))
        return
    assert sorted(map(_projection, from_source)) == sorted(map(_projection, from_plan))
    assert [f["location"] for f in from_source] == [f["location"] for f in from_plan]


# Source directories no plan can be made of: a variable they leave without a value.

def _flow(flow: dict) -> dict:
    return {key: flow[key] for key in ("kind", "from", "to", "protocol", "port", "status")}


@pytest.mark.parametrize("case", source_only_cases())
def test_source_only_fixture(case, tflint_sg):
    expected = json.loads((FIXTURES / case / "expected.json").read_text())
    run = tflint_sg("--format", "json", "--verbose", f"fixtures/{case}")
    assert run.code == (2 if expected["findings"] else 0), run.stderr
    document = run.json()
    (checked,) = document["inputs"]
    assert [(f["rule"], f["subject"], f.get("port")) for f in document["findings"]] == [
        (f["rule"], f["subject"], f.get("port")) for f in expected["findings"]]
    assert checked["undecided"] == expected["undecided"]
    assert sorted(map(_flow, checked["graph"]["flows"]), key=json.dumps) == sorted(expected["flows"], key=json.dumps)
    for note in expected.get("notes", []):
        assert any(line.startswith(note) for line in checked["unresolved"]), (note, checked["unresolved"])


def test_there_are_source_only_cases():
    assert {"symbolic_port_ecs", "symbolic_port_other", "symbolic_port_module"} <= set(source_only_cases())


def test_the_same_case_given_a_value_is_decided_by_it(tflint_sg, tmp_path):
    """With the variable set, the port is a number and the rule on it admits the same number."""
    copy = tmp_path / "case"
    shutil.copytree(FIXTURES / "symbolic_port_other", copy)
    run = tflint_sg("--format", "json", "--var", "app_port=8080", "--var", "admin_port=8080", str(copy))
    assert run.code == 0 and run.json()["inputs"][0]["undecided"] == 0
    run = tflint_sg("--format", "json", "--var", "app_port=8080", "--var", "admin_port=9090", str(copy))
    assert run.code == 2
    assert [(f["rule"], f["port"]) for f in run.json()["findings"]] == [("aws_lb_target_traffic_blocked", 8080)]


def _plan_variables(case: str) -> list[str]:
    """The -var values the case was planned with (plan.args), as the directory is given them."""
    args = FIXTURES / case / "plan.args"
    lines = args.read_text().splitlines() if args.is_file() else []
    return [option for line in lines if line.startswith("-var=") for option in ("--var", line[len("-var="):])]
