"""Mistakes in suppression annotations are warnings naming file and line, through the real command
line."""

import json
import shutil

import pytest

from conftest import FIXTURES

TRAFFIC = "aws_lb_target_traffic_blocked"
DATA = "aws_data_store_unreachable"
WEB = 'resource "aws_instance" "web" {'
VPC = 'resource "aws_vpc" "main" {'


def _copy(tmp_path, fixture, *keep):
    copy = tmp_path / fixture
    left_out = {"plan.json", "expected.json"} - set(keep)
    shutil.copytree(FIXTURES / fixture, copy, ignore=shutil.ignore_patterns(*left_out))
    (copy / ".git").mkdir()  # the repository root, so names are relative to it
    return copy


@pytest.fixture
def story(tmp_path):
    return _copy(tmp_path, "story")


def _annotate(path, before, line):
    """Puts `line` above `before`; returns the annotation's line number."""
    text = path.read_text()
    assert before in text
    path.write_text(text.replace(before, line + "\n" + before, 1))
    return text[:text.index(before)].count("\n") + 1


def _prepend(path, line):
    path.write_text(line + "\n" + path.read_text())


def _warnings(run):
    prefix = "tflint-sg: warning: "
    return [line[len(prefix):] for line in run.stderr.splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("annotation", [
    f"# tflint-sg-ignore: {TRAFFIC}  # the new group lands in PR 42",
    f"// tflint-sg-ignore: {TRAFFIC}, {DATA}",
    "# tflint-sg-ignore: all",
    f"# tflint-sg-ignore: {TRAFFIC} exp:2999-12-31",
])
def test_a_valid_annotation_gives_no_warning(story, tflint_sg, annotation):
    _annotate(story / "main.tf", WEB, annotation)
    _prepend(story / "main.tf", f"# tflint-sg-ignore-file: {DATA}  # rebuilt in Q3")
    run = tflint_sg("--format", "json", str(story))
    assert run.code == 0 and run.stderr == ""
    assert run.json()["findings"] == []  # they did suppress


def test_an_unknown_rule_suggests_the_closest(story, tflint_sg):
    line = _annotate(story / "main.tf", WEB, "# tflint-sg-ignore: aws_lb_target_trafic_blocked  # typo")
    _prepend(story / "main.tf", "# tflint-sg-ignore-file: no_such_thing, aws_data_store_unreachabel")
    run = tflint_sg("--format", "json", str(story))
    assert _warnings(run) == [
        "main.tf:1: rule 'no_such_thing' does not exist",
        f"main.tf:1: rule 'aws_data_store_unreachabel' does not exist; did you mean '{DATA}'?",
        f"main.tf:{line + 1}: rule 'aws_lb_target_trafic_blocked' does not exist; did you mean '{TRAFFIC}'?",
    ]
    # A warning, not an error: the findings, and the exit code, are those of a run without it.
    assert run.code == 2 and sorted(f["rule"] for f in run.json()["findings"]) == [DATA, TRAFFIC]


def test_a_policy_of_the_settings_is_a_known_name(story, tflint_sg, tmp_path):
    settings = tmp_path / "settings.hcl"
    settings.write_text('policy "no_open_groups" {\n  select  = "security_groups[?false]"\n'
                        '  message = "never"\n}\n')
    line = _annotate(story / "main.tf", WEB, "# tflint-sg-ignore: no_open_groups")
    assert _warnings(tflint_sg("--config", str(settings), str(story))) == []
    (story / "main.tf").write_text((story / "main.tf").read_text().replace("no_open_groups", "no_open_group", 1))
    assert _warnings(tflint_sg("--config", str(settings), str(story))) == [
        f"main.tf:{line}: rule 'no_open_group' does not exist; did you mean 'no_open_groups'?"]


@pytest.mark.parametrize("annotation, warning", [
    (f"# tflint-sg-ignore {TRAFFIC}",
     "'tflint-sg-ignore' needs a colon and the rules it suppresses (# tflint-sg-ignore: rule_name); "
     "it suppresses nothing"),
    ("# tflint-sg-ignore:  # no names",
     "'tflint-sg-ignore' names no rule (a rule's name, or all); it suppresses nothing"),
    (f"# tflint-sg-ignores: {TRAFFIC}",
     "unknown annotation 'tflint-sg-ignores', which suppresses nothing; did you mean 'tflint-sg-ignore'?"),
    (f"# tflint-sg-ignore: {TRAFFIC} exp:2027-13-01",
     "'exp:2027-13-01' is not a date (exp:YYYY-MM-DD), so the annotation suppresses nothing"),
    (f"# tflint-sg-ignore: {TRAFFIC} exp:soon",
     "'exp:soon' is not a date (exp:YYYY-MM-DD) and sets no expiry"),
    (f"# tflint-sg-ignore-file: {TRAFFIC}",
     "'tflint-sg-ignore-file' has no effect after the first line of code: it belongs among the file's "
     "leading comments"),
])
def test_a_malformed_annotation(story, tflint_sg, annotation, warning):
    line = _annotate(story / "main.tf", WEB, annotation)
    run = tflint_sg(str(story))
    assert _warnings(run) == [f"main.tf:{line}: {warning}"]
    assert run.code == 2


def test_an_expired_annotation_says_which_findings_are_back(story, tflint_sg):
    back = _annotate(story / "main.tf", WEB, f"# tflint-sg-ignore: {TRAFFIC} exp:2001-01-01  # until the fix")
    idle = _annotate(story / "main.tf", VPC, f"# tflint-sg-ignore: {DATA} exp:2002-02-02")
    run = tflint_sg(str(story))
    assert _warnings(run) == [
        f"main.tf:{idle}: the annotation expired on 2002-02-02",
        f"main.tf:{back + 1}: the annotation expired on 2001-01-01; because of it, {TRAFFIC} on "
        "aws_instance.web is reported again",
    ]


def test_an_expired_file_annotation_names_the_finding_back(story, tflint_sg):
    _prepend(story / "main.tf", f"# tflint-sg-ignore-file: {DATA} exp:2001-01-01")
    assert _warnings(tflint_sg(str(story))) == [
        f"main.tf:1: the annotation expired on 2001-01-01; because of it, {DATA} on aws_db_instance.main is "
        "reported again"]


def test_every_file_of_the_repository_is_read_once(tmp_path, tflint_sg):
    """Files without findings, local modules' files, and a file that two inputs read; not the
    modules `terraform init` installed."""
    repo = _copy(tmp_path, "modules_three_levels")
    local = repo / "modules" / "network" / "main.tf"
    for name in ("app", "compute", "asg"):  # app calls ../compute, which calls ../asg
        shutil.move(str(repo / "modules" / name), repo / ".terraform" / "modules" / name)
    installed = repo / ".terraform" / "modules" / "asg"
    main = repo / "main.tf"
    main.write_text(main.read_text().replace('source = "./modules/app"', 'source = "example-corp/app/aws"', 1))
    assert "example-corp/app/aws" in main.read_text()
    (repo / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "app", "Source": "registry.terraform.io/example-corp/app/aws", "Dir": ".terraform/modules/app"},
    ]}))
    _prepend(installed / "main.tf", "# tflint-sg-ignore no colon, but not the repository's")
    _prepend(local, "# tflint-sg-ignore-file: aws_vpc_open")
    _prepend(main, "# tflint-sg-ignore-file: all exp:2001-01-01")
    run = tflint_sg(str(repo), str(main), str(local))
    assert _warnings(run) == [
        "main.tf:1: the annotation expired on 2001-01-01; because of it, aws_lb_target_traffic_blocked on "
        'module.app.module.compute.module.asg.aws_autoscaling_group.this is reported again',
        "modules/network/main.tf:1: rule 'aws_vpc_open' does not exist",
    ]


def test_a_plan_read_with_its_source_and_the_source_warn_once(tmp_path, tflint_sg):
    story = _copy(tmp_path, "story", "plan.json")
    line = _annotate(story / "main.tf", VPC, "# tflint-sg-ignore: aws_vpc_open")
    run = tflint_sg(str(story / "plan.json"), str(story))
    assert _warnings(run) == [f"main.tf:{line}: rule 'aws_vpc_open' does not exist"]
    assert _warnings(tflint_sg(str(story / "plan.json"))) == [f"main.tf:{line}: rule 'aws_vpc_open' does not exist"]
