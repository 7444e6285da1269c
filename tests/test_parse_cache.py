"""The parse cache and parallel parsing change how fast a run is, never what it says."""

import os
import shutil
from pathlib import Path

from conftest import FIXTURES, benchmark_generator
from tflint_sg.load.hcl import parse as hcl_parse
from tflint_sg.load.hcl import cache as parse_cache


def _entries(cache: Path) -> list[Path]:
    return sorted(path for path in cache.rglob("*") if path.is_file())


def test_a_second_run_reads_the_cache_and_a_changed_file_is_parsed_again(tflint_sg, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(cache))
    story = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", story, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    first = tflint_sg(str(story))
    assert first.code == 2
    entries = _entries(cache)
    assert len(entries) == len(list(story.glob("*.tf")))  # one entry per file, nothing beside the input
    stamps = [entry.stat().st_mtime_ns for entry in entries]
    second = tflint_sg(str(story))
    assert (second.code, second.stdout) == (first.code, first.stdout)
    assert [entry.stat().st_mtime_ns for entry in _entries(cache)] == stamps  # read, not rewritten
    # The story's instances admit only 443 from the office. Opening the group to the VPC (where
    # the ALB's subnets are) ends the traffic finding: the cache is keyed by content, so the
    # edited file is parsed again.
    assert "aws_lb_target_traffic_blocked" in first.stdout
    main = story / "main.tf"
    text = main.read_text()
    opened = text.replace('from_port   = 443\n    to_port     = 443\n    protocol    = "tcp"\n'
                          '    cidr_blocks = ["203.0.113.0/24"]',
                          'from_port   = 0\n    to_port     = 65535\n    protocol    = "tcp"\n'
                          '    cidr_blocks = ["10.20.0.0/16"]')
    assert opened != text
    main.write_text(opened)
    assert "aws_lb_target_traffic_blocked" not in tflint_sg(str(story)).stdout


def test_no_cache_writes_nothing_and_a_damaged_entry_is_parsed_again(tflint_sg, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(cache))
    expected = tflint_sg("fixtures/story", "--no-cache")
    assert expected.code == 2 and not cache.exists()
    tflint_sg("fixtures/story")
    for entry in _entries(cache):
        entry.write_bytes(b"not a pickle")
    again = tflint_sg("fixtures/story")
    assert (again.code, again.stdout, again.stderr) == (expected.code, expected.stdout, expected.stderr)


def test_parsing_over_several_cores_gives_what_one_parse_at_a_time_gives(tmp_path, monkeypatch):
    benchmark_generator().write_repository(tmp_path, 12)  # 97 files
    files = sorted(str(path) for path in tmp_path.rglob("*.tf"))
    assert len(files) >= 2 * hcl_parse.PARALLEL_FROM
    monkeypatch.setattr(parse_cache, "_enabled", False)
    monkeypatch.setattr(hcl_parse, "_parsed", {})
    hcl_parse.parse_files(files)
    together = [hcl_parse.parse_file(path) for path in files]
    one_by_one = [hcl_parse._parse_uncached(path, Path(path).read_bytes()) for path in files]
    assert together == one_by_one
    assert os.cpu_count() == 1 or len(hcl_parse._parsed) == len(files)


def _annotated_story(tmp_path: Path) -> Path:
    story = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", story, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    (story / ".git").mkdir()
    main = story / "main.tf"
    text = main.read_text()
    main.write_text(text.replace('resource "aws_instance" "web" {',
                                 '# tflint-sg-ignore: aws_lb_target_traffic_blocked  # being fixed\n'
                                 'resource "aws_instance" "web" {', 1))
    return story


def test_a_cached_parse_is_right_from_another_working_directory(tflint_sg, tmp_path, monkeypatch):
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(tmp_path / "cache"))
    story = _annotated_story(tmp_path)
    inside = tflint_sg(".", cwd=story)
    assert "2 suppressed by annotations" in inside.stdout
    outside = tflint_sg("story", cwd=tmp_path)  # the same files, found by another spelling
    assert outside.stdout == inside.stdout and outside.code == inside.code


def test_an_expression_too_deep_to_cache_is_still_read(tflint_sg, tmp_path, monkeypatch):
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(tmp_path / "cache"))
    story = _annotated_story(tmp_path)
    (story / "deep.tf").write_text('locals {\n  deep = ' + "[" * 260 + "]" * 260 + "\n}\n")
    runs = [tflint_sg(str(story), *options) for options in ((), (), ("--no-cache",))]
    for run in runs:
        assert run.code == 2 and run.stderr == "", run.stderr  # the story's unsuppressed finding
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout


def test_parsing_falls_back_to_one_process_when_workers_cannot_start(tmp_path, monkeypatch):
    import concurrent.futures

    benchmark_generator().write_repository(tmp_path, 12)
    files = sorted(str(path) for path in tmp_path.rglob("*.tf"))

    def no_workers(*args, **kwargs):
        raise OSError(38, "Function not implemented")  # as where /dev/shm is missing

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_workers)
    monkeypatch.setattr(parse_cache, "_enabled", False)
    monkeypatch.setattr(hcl_parse, "_parsed", {})
    hcl_parse.parse_files(files)
    assert len(hcl_parse._parsed) == len(files)


def test_the_cache_is_used_only_in_a_private_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("TFLINT_SG_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG rules say
    monkeypatch.setenv("HOME", "")
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # no home directory at all
    assert parse_cache.directory() is None
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(shared))
    monkeypatch.setattr(parse_cache, "_root", None)
    monkeypatch.setattr(parse_cache, "_enabled", True)
    parse_cache.store("ab" * 32, b"entry")
    assert list(shared.iterdir()) == [] and parse_cache.load("ab" * 32) is None
