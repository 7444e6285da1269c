"""SARIF artifact URIs never climb out with `../`: a file in the repository is named relative to
its root; a file outside it relative to a directory the run declares in originalUriBaseIds. Each
location must resolve to the file it names, as a reader of the log would resolve it."""

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

from conftest import FIXTURES, ROOT

STORY = FIXTURES / "story"


def _artifact_locations(log) -> list[dict]:
    """Every artifactLocation of results, related locations and notifications."""
    (run,) = log["runs"]
    found = []
    for result in run.get("results", []):
        for location in result["locations"] + result.get("relatedLocations", []):
            found.append(location["physicalLocation"]["artifactLocation"])
    for invocation in run.get("invocations", []):
        for notification in invocation.get("toolExecutionNotifications", []):
            found += [location["physicalLocation"]["artifactLocation"] for location in notification.get("locations", [])]
    return found


def _resolved(log, artifact: dict) -> Path:
    """The file an artifactLocation names: its base's absolute URI joined with its relative URI;
    a URI with no base is relative to the repository root, as GitHub reads it."""
    bases = log["runs"][0].get("originalUriBaseIds", {})
    if "uriBaseId" not in artifact:
        return ROOT / artifact["uri"]
    base = bases[artifact["uriBaseId"]]["uri"]
    return Path(unquote(urlparse(base).path)) / artifact["uri"]


def _check_log(log, validator) -> list[dict]:
    assert not list(validator.iter_errors(log))
    artifacts = _artifact_locations(log)
    assert artifacts
    for base in log["runs"][0].get("originalUriBaseIds", {}).values():
        assert base["uri"].startswith("file:///") and base["uri"].endswith("/")
    for artifact in artifacts:
        assert ".." not in artifact["uri"].split("/"), artifact
        assert not artifact["uri"].startswith("/"), artifact
    return artifacts


def _outside_plan(tmp_path: Path) -> Path:
    directory = tmp_path / "plans"
    directory.mkdir()
    shutil.copyfile(STORY / "plan.json", directory / "plan.json")
    return directory / "plan.json"


def test_files_in_the_repository_are_relative_to_its_root_with_no_base(tflint_sg, validator):
    log = tflint_sg("--format", "sarif", "fixtures/story/plan.json").json()
    artifacts = _check_log(log, validator)
    assert {artifact["uri"] for artifact in artifacts} == {"fixtures/story/main.tf"}
    assert all("uriBaseId" not in artifact for artifact in artifacts)
    assert "originalUriBaseIds" not in log["runs"][0]


def test_a_plan_outside_the_repository_points_at_its_source_in_it(tflint_sg, tmp_path, validator):
    """Run from outside the repository too: the root is the source's repository, not the cwd's."""
    plan = _outside_plan(tmp_path)
    run = tflint_sg("--format", "sarif", str(plan), "--source", str(STORY), cwd=tmp_path)
    assert run.code == 2, run.stderr
    log = run.json()
    artifacts = _check_log(log, validator)
    assert {artifact["uri"] for artifact in artifacts} == {"fixtures/story/main.tf"}
    assert all("uriBaseId" not in artifact for artifact in artifacts)
    compact = tflint_sg("--format", "compact", str(plan), "--source", str(STORY), cwd=tmp_path).stdout
    assert compact and all(line.startswith("fixtures/story/main.tf:") for line in compact.splitlines())


def test_a_plan_outside_the_repository_with_no_source_is_relative_to_its_directory(tflint_sg, tmp_path, validator):
    plan = _outside_plan(tmp_path)
    log = tflint_sg("--format", "sarif", str(plan)).json()
    artifacts = _check_log(log, validator)
    assert {(artifact["uri"], artifact.get("uriBaseId")) for artifact in artifacts} == {("plan.json", "INPUTROOT")}
    assert log["runs"][0]["originalUriBaseIds"]["INPUTROOT"]["uri"] == plan.parent.resolve().as_uri() + "/"
    assert {_resolved(log, artifact) for artifact in artifacts} == {plan.resolve()}


def test_readable_formats_name_an_outside_plan_by_a_path_that_opens(tflint_sg, tmp_path):
    plan = _outside_plan(tmp_path)
    compact = tflint_sg("--format", "compact", str(plan)).stdout.splitlines()
    assert compact
    for line in compact:
        path, line_number, _ = line.split(":", 2)
        assert Path(path) == plan.resolve() and line_number == "1"
    text = tflint_sg(str(plan)).stdout
    assert text.startswith(f"{plan.resolve().as_posix()}:1:1: ")
    assert ".." not in text.split()


def test_a_plan_and_its_source_both_outside_share_one_base(tflint_sg, tmp_path, validator):
    plan = _outside_plan(tmp_path)
    source = tmp_path / "stack"
    source.mkdir()
    shutil.copyfile(STORY / "main.tf", source / "main.tf")
    log = tflint_sg("--format", "sarif", str(plan), "--source", str(source)).json()
    artifacts = _check_log(log, validator)
    assert {artifact["uri"] for artifact in artifacts} == {"stack/main.tf"}
    assert set(log["runs"][0]["originalUriBaseIds"]) == {artifact["uriBaseId"] for artifact in artifacts}
    assert {_resolved(log, artifact) for artifact in artifacts} == {(source / "main.tf").resolve()}


def test_two_outside_inputs_declare_two_bases(tflint_sg, tmp_path, validator):
    first = _outside_plan(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(STORY / "main.tf", other / "main.tf")
    log = tflint_sg("--format", "sarif", str(first), str(other)).json()
    artifacts = _check_log(log, validator)
    assert len(log["runs"][0]["originalUriBaseIds"]) == 2
    assert {_resolved(log, artifact) for artifact in artifacts} == {first.resolve(), (other / "main.tf").resolve()}


def test_an_unreadable_input_outside_the_repository_is_a_notification_with_a_base(tflint_sg, tmp_path, validator):
    broken = tmp_path / "broken" / "plan.json"
    broken.parent.mkdir()
    broken.write_text('{\n  "format_version": \n')
    run = tflint_sg("--format", "sarif", str(broken))
    assert run.code == 1
    log = run.json()
    (artifact,) = _check_log(log, validator)
    assert artifact["uri"] == "plan.json" and artifact["uriBaseId"] in log["runs"][0]["originalUriBaseIds"]
    assert _resolved(log, artifact) == broken.resolve()
