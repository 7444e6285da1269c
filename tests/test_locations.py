"""Findings land on the .tf lines that cause them, in source mode and in plan mode with the
source at hand; without it, on the plan file."""

import re

import pytest

from conftest import FIXTURES, block_lines


def _block_lines(path, header):
    return block_lines(path.read_text().splitlines(), header)


def _result(log, subject):
    return next(r for r in log["runs"][0]["results"]
                if subject in [logical["fullyQualifiedName"] for logical in r["locations"][0]["logicalLocations"]])


def _lines(location):
    return location["region"]["startLine"], location["region"]["endLine"]


@pytest.mark.parametrize("target", ["fixtures/story", "fixtures/story/plan.json"])
def test_story_points_at_the_group_to_change_and_relates_the_instances(target, tflint_sg):
    log = tflint_sg("--format", "sarif", target).json()
    result = _result(log, "aws_instance.web[0]")
    main = FIXTURES / "story" / "main.tf"
    # One result for both instances, at the group that must admit the traffic: a change there is
    # what a pull request touches.
    assert [logical["fullyQualifiedName"] for logical in result["locations"][0]["logicalLocations"]] == [
        "aws_instance.web[0]", "aws_instance.web[1]"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "fixtures/story/main.tf"
    assert _lines(location) == _block_lines(main, 'resource "aws_security_group" "public"')
    related = {r["logicalLocations"][0]["fullyQualifiedName"]: r["physicalLocation"]
               for r in result["relatedLocations"] if "logicalLocations" in r}
    assert _lines(related["aws_instance.web"]) == _block_lines(main, 'resource "aws_instance" "web"')
    assert related["aws_lb.web"]["region"]["startLine"] == _block_lines(main, 'resource "aws_lb" "web"')[0]


def test_text_output_names_the_tf_line(tflint_sg):
    out = tflint_sg("fixtures/story").stdout
    start, _ = _block_lines(FIXTURES / "story" / "main.tf", 'resource "aws_security_group" "public"')
    assert f"fixtures/story/main.tf:{start}:1: error: aws_lb_target_traffic_blocked: aws_lb.web sends traffic" in out
    instance, _ = _block_lines(FIXTURES / "story" / "main.tf", 'resource "aws_instance" "web"')
    assert f"see: main.tf:{instance} target aws_instance.web;" in out


def test_without_the_source_a_plan_finding_points_at_the_plan(tflint_sg, tmp_path):
    alone = tmp_path / "plan.json"
    alone.write_bytes((FIXTURES / "story" / "plan.json").read_bytes())
    log = tflint_sg("--format", "sarif", str(alone)).json()
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("plan.json")
    assert location["region"]["startLine"] == 1


def test_source_option_names_the_configuration(tflint_sg, tmp_path):
    alone = tmp_path / "plan.json"
    alone.write_bytes((FIXTURES / "story" / "plan.json").read_bytes())
    log = tflint_sg("--format", "sarif", "--source", "fixtures/story", str(alone)).json()
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "fixtures/story/main.tf"


@pytest.mark.parametrize("target", ["fixtures/modules_three_levels", "fixtures/modules_three_levels/plan.json"])
def test_a_resource_made_by_a_module_has_its_call_site(target, tflint_sg):
    log = tflint_sg("--format", "sarif", target).json()
    (result,) = log["runs"][0]["results"]
    # The app group admits the load balancer on 8080 only, the target group sends 80: the port
    # comes first, in the module that declares the target group.
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "fixtures/modules_three_levels/modules/lb/main.tf"
    lb = FIXTURES / "modules_three_levels" / "modules" / "lb" / "main.tf"
    start, end = _block_lines(lb, 'resource "aws_lb_target_group" "this"')
    assert start <= location["region"]["startLine"] <= end
    subject = [r for r in result["relatedLocations"] if r["message"]["text"].startswith("target ")]
    assert subject[0]["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/modules_three_levels/modules/asg/main.tf"
    assert subject[0]["physicalLocation"]["region"]["startLine"] == _block_lines(
        FIXTURES / "modules_three_levels" / "modules" / "asg" / "main.tf", 'resource "aws_autoscaling_group"')[0]
    call = [r for r in result["relatedLocations"] if "module call" in r["message"]["text"]]
    assert len(call) == 1
    root = FIXTURES / "modules_three_levels" / "main.tf"
    assert call[0]["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/modules_three_levels/main.tf"
    assert call[0]["physicalLocation"]["region"]["startLine"] == _block_lines(root, 'module "app"')[0]


def test_uris_use_forward_slashes_relative_to_the_repository(tflint_sg):
    log = tflint_sg("--format", "sarif", "fixtures/modules_three_levels").json()
    for result in log["runs"][0]["results"]:
        for location in [result["locations"][0]] + result["relatedLocations"]:
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith("/") and "\\" not in uri and re.match(r"^fixtures/", uri)


def test_a_finding_in_an_installed_registry_module_lands_on_the_call_site(tflint_sg, tmp_path):
    """Modules `terraform init` installed are not committed: GitHub can only show the call."""
    import json
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "modules_three_levels", repo, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    (repo / ".git").mkdir()
    for name in ("app", "compute", "asg"):  # app calls ../compute, which calls ../asg
        shutil.move(str(repo / "modules" / name), repo / ".terraform" / "modules" / name)
    main = repo / "main.tf"
    text = main.read_text()
    start, _ = _block_lines(main, 'module "app"')
    call = text.splitlines()[start - 1: start + 8]
    source_line = next(line for line in call if "source" in line)
    main.write_text(text.replace(source_line, '  source = "example-corp/app/aws"', 1))
    (repo / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "app", "Source": "registry.terraform.io/example-corp/app/aws", "Dir": ".terraform/modules/app"},
    ]}))
    log = tflint_sg("--format", "sarif", str(repo)).json()
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "aws_lb_target_traffic_blocked"]
    assert results, log["runs"][0]["results"]
    # The fix goes in the target group, in the repository's own modules/lb; the target, made
    # inside the installed modules, is shown at the call of module.app.
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "modules/lb/main.tf"  # relative to the repository root
    (target,) = [r for r in results[0]["relatedLocations"] if r["message"]["text"].startswith("target module.app.")]
    assert target["physicalLocation"]["artifactLocation"]["uri"] == "main.tf"
    assert target["physicalLocation"]["region"]["startLine"] == start
