"""The parse cache and parallel parsing change how fast a run is, never what it says."""

import os
import shutil
from pathlib import Path

import msgspec
import pytest

from conftest import FIXTURES, benchmark_generator
from tflint_sg.load.hcl import parse as hcl_parse
from tflint_sg.load.hcl import cache as parse_cache
from tflint_sg.load.hcl.syntax import Block


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
    assert len(entries) == 1 and entries[0].suffix == ".pack"  # one pack for the run, nothing beside the input
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
        entry.write_bytes(b"not a pack")
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
    assert "1 suppressed by annotations" in inside.stdout  # aws_instance.web, both instances
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


# --- what the cache holds, and what it will not trust -------------------------------------


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """The parse cache of this process, empty, in a directory of its own."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(cache))
    for name, value in (("_enabled", True), ("_root", None), ("_packs", None), ("_index", {}),
                        ("_pending", {}), ("_used", set())):
        monkeypatch.setattr(parse_cache, name, value)
    monkeypatch.setattr(hcl_parse, "_parsed", {})
    return cache


def _forget_the_run(monkeypatch) -> None:
    """As if a new process started: nothing parsed, no pack read yet."""
    parse_cache._close_packs()
    monkeypatch.setattr(hcl_parse, "_parsed", {})


def _packs(cache: Path) -> list[Path]:
    return sorted((cache / "parse-packs").glob("*.pack"))


def _rewrite_entries(cache: Path, change) -> None:
    """Replaces the packs by one whose entries are `change(entries)`, with a right index and
    digests: what someone who can write to the cache could leave there."""
    entries = {}
    for pack in _packs(cache):
        handle, index = parse_cache._open_pack(str(pack))
        with handle:
            for entry, (offset, length, _) in index.items():
                handle.seek(offset)
                entries[entry] = handle.read(length)
        pack.unlink()
    parse_cache._write_pack(str(cache / "parse-packs"), change(entries))


OPEN_TO_THE_VPC = ('from_port   = 443\n    to_port     = 443\n    protocol    = "tcp"\n'
                   '    cidr_blocks = ["203.0.113.0/24"]',
                   'from_port   = 0\n    to_port     = 65535\n    protocol    = "tcp"\n'
                   '    cidr_blocks = ["10.20.0.0/16"]')


def _story_copy(tmp_path: Path) -> Path:
    story = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", story, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    return story


def test_literal_values_come_back_as_they_were_parsed(tmp_path):
    # 1 and 1.0 and true are equal in Python, so compare the reprs, which name each type.
    text = ('locals {\n  values = [1, 1.0, 0.5, -3, 1e3, true, false, null, "", "x${var.y}z", "é\\u00e9", 10000000000]\n'
            '  object = { a = 1, "b" = [2.5, null], c = { d = false } }\n'
            '  splat  = aws_instance.web[*].private_ip\n  full = var.list.*.name[0]\n'
            '  each   = { for k, v in var.map : k => v... if v != null }\n  list = [for v in var.list : v]\n'
            '  pick   = var.a ? -var.b : !var.c\n  call = lookup(var.m, "k", 2)\n}\n'
            'resource "aws_security_group" "g" {\n  ingress {\n    from_port = 443\n  }\n}\n')
    json_text = '{"locals": {"n": 1, "f": 1.5, "t": true, "z": null, "s": "${var.x}-a", "l": [1, {"k": 2.0}]}}'
    for name, source, kinds in (("main.tf", text, ("Literal(value=1.0)", "Literal(value=None)", "For(")),
                                ("main.tf.json", json_text, ("Literal(value=2.0)", "Literal(value=True)"))):
        path = str(tmp_path / name)
        blocks = hcl_parse._parse_uncached(path, source.encode())
        entry = "ab" * 32
        again = parse_cache.decode(entry, parse_cache.encode(entry, blocks))
        assert again == blocks and repr(again) == repr(blocks)
        assert all(kind in repr(again) for kind in kinds)


def test_what_cannot_be_encoded_is_parsed_on_every_run(tmp_path):
    blocks = hcl_parse._parse_uncached(str(tmp_path / "big.tf"), b"locals {\n  big = 123456789012345678901234567890\n}\n")
    assert parse_cache.encode("ab" * 32, blocks) is None  # past 64 bits: MessagePack cannot hold it
    assert "123456789012345678901234567890" in repr(blocks)


def test_a_changed_byte_in_an_entry_is_noticed_and_the_file_parsed_again(tflint_sg, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(cache))
    story = _story_copy(tmp_path)
    expected = tflint_sg(str(story), "--no-cache")
    assert tflint_sg(str(story)).stdout == expected.stdout
    [pack] = _packs(cache)
    data = pack.read_bytes()
    assert data.count(b"203.0.113.0/24") == 1  # the office's network, which the finding names
    pack.write_bytes(data.replace(b"203.0.113.0/24", b"203.0.113.0/25"))  # still decodes
    again = tflint_sg(str(story))
    assert (again.code, again.stdout) == (expected.code, expected.stdout)
    assert len(_packs(cache)) == 2  # parsed again, and kept


def test_a_pack_cut_short_is_ignored(tflint_sg, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(cache))
    story = _story_copy(tmp_path)
    expected = tflint_sg(str(story), "--no-cache")
    tflint_sg(str(story))
    [pack] = _packs(cache)
    pack.write_bytes(pack.read_bytes()[:-1])
    again = tflint_sg(str(story))
    assert (again.code, again.stdout) == (expected.code, expected.stdout)


@pytest.mark.parametrize("forgery", ["another key", "another format", "a pickle", "not an entry"])
def test_a_forged_entry_is_not_trusted(forgery, tflint_sg, tmp_path, monkeypatch, fresh_cache):
    """Each forgery holds the blocks of the story opened to the VPC, which would end its
    finding: the run must say what the files on disk say."""
    import pickle

    story = _story_copy(tmp_path)
    expected = tflint_sg(str(story), "--no-cache")
    assert "aws_lb_target_traffic_blocked" in expected.stdout
    main = story / "main.tf"
    assert tflint_sg(str(story)).stdout == expected.stdout
    entry = parse_cache.key(str(main), main.read_bytes())
    opened_text = main.read_text().replace(*OPEN_TO_THE_VPC)
    assert opened_text != main.read_text()
    opened = hcl_parse._parse_uncached(str(main), opened_text.encode())
    marker = tmp_path / "unpickled"

    class Planted:
        def __reduce__(self):
            return (Path.touch, (marker,))

    forged = {
        "another key": msgspec.msgpack.encode((parse_cache.FORMAT, "cd" * 32, opened)),
        "another format": msgspec.msgpack.encode((parse_cache.FORMAT + 1, entry, opened)),
        "a pickle": pickle.dumps(Planted()),
        "not an entry": msgspec.msgpack.encode(["Block", "resource", ["aws_instance", "web"]]),
    }[forgery]
    _rewrite_entries(fresh_cache, lambda entries: {**entries, entry: forged})
    if forgery == "a pickle":  # and where the old cache kept the entry, for good measure
        (fresh_cache / "parse" / entry[:2]).mkdir(parents=True)
        (fresh_cache / "parse" / entry[:2] / entry).write_bytes(forged)
    again = tflint_sg(str(story))
    assert (again.code, again.stdout) == (expected.code, expected.stdout)
    assert not marker.exists()
    # The same forgery with this entry's key and format would be believed: the check above is
    # what stopped it.
    if forgery in ("another key", "another format"):
        _rewrite_entries(fresh_cache, lambda entries: {
            **entries, entry: msgspec.msgpack.encode((parse_cache.FORMAT, entry, opened))})
        assert "aws_lb_target_traffic_blocked" not in tflint_sg(str(story)).stdout


def test_a_cold_run_writes_one_pack_and_a_warm_run_parses_nothing(fresh_cache, tmp_path, monkeypatch):
    benchmark_generator().write_repository(tmp_path / "repo", 12)  # 97 files
    files = sorted(str(path) for path in (tmp_path / "repo").rglob("*.tf"))
    hcl_parse.parse_files(files)
    cold = [hcl_parse.parse_file(path) for path in files]
    hcl_parse.flush_cache()
    assert len(_entries(fresh_cache)) == 1  # one pack, not one file per parsed file
    _forget_the_run(monkeypatch)

    def no_parser(path, data):
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(hcl_parse, "_parse_uncached", no_parser)
    hcl_parse.parse_files(files)
    warm = [hcl_parse.parse_file(path) for path in files]
    hcl_parse.flush_cache()
    assert warm == cold
    assert len(_entries(fresh_cache)) == 1  # nothing new to write


def test_packs_are_merged_past_the_bound_keeping_what_the_run_used(fresh_cache, monkeypatch):
    keys = [f"{n:064x}" for n in range(parse_cache.MAX_PACKS + 1)]
    values = {entry: [Block("locals", (), f"/{entry}.tf", 1, 1)] for entry in keys}
    for entry in keys:
        parse_cache.store(entry, parse_cache.encode(entry, values[entry]))
        parse_cache.flush()
    assert len(_packs(fresh_cache)) == 1  # the 17th pack made one of all
    _forget_the_run(monkeypatch)
    assert all(parse_cache.load(entry) == values[entry] for entry in keys)
    # Merged again with room for two entries: the one this run read is kept, and the newest.
    entry_size = len(parse_cache.encode(keys[0], values[keys[0]]))
    monkeypatch.setattr(parse_cache, "MAX_BYTES", 2 * entry_size)
    _forget_the_run(monkeypatch)
    parse_cache._used.clear()
    assert parse_cache.load(keys[3]) == values[keys[3]]
    for n in range(parse_cache.MAX_PACKS):
        parse_cache.store(f"{n:064x}", parse_cache.encode(f"{n:064x}", values[f"{n:064x}"]))
        parse_cache.flush()
    assert len(_packs(fresh_cache)) == 1
    _forget_the_run(monkeypatch)
    kept = [entry for entry in keys if parse_cache.load(entry) is not None]
    assert kept == [keys[3], keys[parse_cache.MAX_PACKS - 1]], kept


def test_inputs_analyzed_over_the_cores_fill_the_cache_for_the_next_run(tflint_sg, tmp_path, monkeypatch):
    """The files the workers parse (here a module outside the folder --recursive reads first)
    come back to the run's one pack, and the next run's workers read them from it."""
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / ".git").mkdir()
    shutil.copytree(FIXTURES / "story", tmp_path / "shared", ignore=shutil.ignore_patterns("*.json"))
    for index in range(8):
        root = tmp_path / "roots" / f"r{index}"
        root.mkdir(parents=True)
        (root / "main.tf").write_text('module "story" {\n  source = "../../shared"\n}\n')
    cold = tflint_sg("--recursive", "-f", "compact", "roots", cwd=tmp_path)
    assert cold.code == 2 and len(cold.stdout.splitlines()) == 16, cold.stderr  # the story's 2, in 8 roots

    def no_parser(path, data):
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(hcl_parse, "_parse_uncached", no_parser)
    warm = tflint_sg("--recursive", "-f", "compact", "roots", cwd=tmp_path)
    assert (warm.code, warm.stdout, warm.stderr) == (cold.code, cold.stdout, cold.stderr)


def test_a_file_added_between_two_runs_in_one_process_is_read(tflint_sg, tmp_path, monkeypatch):
    # A run lists each directory once; the next run (an editor's, a --fix round's) lists again.
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(tmp_path / "cache"))
    story = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", story, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    assert tflint_sg(str(story)).code == 2
    (story / "added.tf").write_text('resource "aws_security_group" "broken" {\n  name = \n}\n')
    second = tflint_sg(str(story))
    assert second.code == 1 and "added.tf:2" in second.stderr


def test_a_link_that_cannot_be_followed_is_not_a_file_of_the_module(tflint_sg, tmp_path, monkeypatch):
    # As Terraform lists a module's files: a .tf link through a file or into a loop is skipped,
    # and the directory is still read.
    monkeypatch.setenv("TFLINT_SG_CACHE_DIR", str(tmp_path / "cache"))
    story = tmp_path / "story"
    shutil.copytree(FIXTURES / "story", story, ignore=shutil.ignore_patterns("plan.json", "expected.json"))
    os.symlink("main.tf/child", story / "through_a_file.tf")
    os.symlink("loop.tf", story / "loop.tf")
    run = tflint_sg(str(story))
    assert run.code == 2 and "cannot list" not in run.stderr
