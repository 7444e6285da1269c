"""SARIF output: valid against the official SARIF 2.1.0 schema, and what GitHub code scanning needs."""

import json

import pytest

from conftest import FIXTURES, fixture_cases


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
    assert len(results) == 1  # one problem: both instances of aws_instance.web
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/story/main.tf"
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["kind"] == "resource"
        assert [logical["fullyQualifiedName"] for logical in location["logicalLocations"]] == [
            "aws_instance.web[0]", "aws_instance.web[1]"]
        related: dict[str, int] = {}  # a message links an address to its first related location
        for r in result["relatedLocations"]:
            related.setdefault(r["logicalLocations"][0]["fullyQualifiedName"], r["id"])
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
    assert len(set(original.values())) == len(original) == 2  # the database; both instances in one


def test_inputs_that_cannot_be_read_are_notifications_of_a_failed_run(tflint_sg, tmp_path, validator):
    (tmp_path / "broken.json").write_text('{\n  "format_version": \n')
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "main.tf").write_text('resource "aws_security_group" "web" {\n  name = \n}\n')
    run = tflint_sg("--format", "sarif", "broken.json", "stack", "absent.json",
                    str(FIXTURES / "story" / "plan.json"), cwd=tmp_path)
    assert run.code == 1
    log = run.json()
    assert not list(validator.iter_errors(log))
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    printed = [line.removeprefix("tflint-sg: error: ") for line in run.stderr.splitlines()]
    notifications = invocation["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notifications] == printed and len(printed) == 3
    assert all(n["level"] == "error" for n in notifications)
    where = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]:
             n["locations"][0]["physicalLocation"].get("region", {}).get("startLine") for n in notifications}
    assert where == {"broken.json": 3, "stack/main.tf": 2, "absent.json": None}
    # The input that could be read is still reported.
    assert any(r["ruleId"] == "aws_lb_target_traffic_blocked" for r in log["runs"][0]["results"])


def test_a_run_that_read_every_input_succeeded(tflint_sg):
    run = tflint_sg("--format", "sarif", "fixtures/story/plan.json")
    assert run.code == 2
    (invocation,) = run.json()["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True and "toolExecutionNotifications" not in invocation


def _front_matter_summary(rule_id: str) -> str:
    lines = (FIXTURES.parent / "rules" / f"{rule_id}.md").read_text(encoding="utf-8").split("\n")
    return next(line.partition(":")[2].strip() for line in lines if line.startswith("summary:"))


def test_rule_help_is_the_document_in_markdown_and_in_plain_text(tflint_sg):
    rules = tflint_sg("--format", "sarif", "fixtures/story/plan.json").json()["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) > 5
    for rule in rules:
        assert rule["fullDescription"]["text"] == _front_matter_summary(rule["id"])
        markdown, text = rule["help"]["markdown"], rule["help"]["text"]
        assert markdown.startswith(f"# {rule['id']}\n") and "\n## How To Fix\n" in markdown and "\n```" in markdown
        assert text.startswith(f"{rule['id']}\n") and "\nHow To Fix\n" in text
        assert "`" not in text and not any(line.startswith("#") for line in text.split("\n"))
        # Code keeps its lines, indented, comments and all.
        code = markdown.split("```hcl\n", 1)[1].split("\n```", 1)[0].split("\n")
        assert "\n".join(f"    {line}" if line else "" for line in code) in text


def test_plain_text_keeps_what_looks_like_markdown_inside_code():
    from tflint_sg.ruledoc import plain_text

    document = "# r\n\nUse `name_prefix`.\n\n```hcl\n# main.tf\nname = \"`x`\"\n\n```\n"
    assert plain_text(document) == "r\n\nUse name_prefix.\n\n    # main.tf\n    name = \"`x`\"\n\n"


def test_a_port_the_configuration_names_but_does_not_give_is_written_as_its_expression(tflint_sg, tmp_path, validator):
    """`port = var.app_port` with no value: still blocked (the group admits nothing from the
    ALB), and SARIF says which port by its expression."""
    import shutil

    story = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", story, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    main = story / "main.tf"
    main.write_text(main.read_text().replace("port     = 80", "port     = var.app_port", 1)
                    + '\nvariable "app_port" {\n  type = number\n}\n')
    run = tflint_sg("--format", "sarif", str(story))
    assert run.code == 2, run.stderr
    log = run.json()
    validator.validate(log)
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "aws_lb_target_traffic_blocked"]
    assert result["properties"]["port"] == "var.app_port"
