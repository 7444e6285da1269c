"""Table tests for Terraform's file functions (tflint_sg.load.expressions.library_files) and `path.*`.

Expected values are Terraform's (its function documentation; `templatefile` results, strip
markers and the variables rule checked with `terraform console` 1.11). The expressions run in
the module `modules/app` of a root module inside a repository; relative paths are relative to
the root module, as Terraform runs there. `try(..., "fallback")` cases check that a Terraform
error is one `try` recovers from; UNKNOWN cases are files tflint-sg may not read.
"""

from __future__ import annotations

import os

import pytest

from test_hcl_expr import UNKNOWN, ROOTS, parse_expr, same, table, write_tree
from tflint_sg.config import Unknown
from tflint_sg.load.expressions.evaluate import evaluate
from tflint_sg.load.expressions.files import MAX_FILE_BYTES, ConfigFiles
from tflint_sg.load.expressions.values import Scope
from tflint_sg.load.modules.directory import load_directory

TEMPLATES = {
    "for.tftpl": "%{ for p in ports ~}\nport ${p}\n%{ endfor ~}\n",
    "bare.tftpl": "${x}",
    "pairs.tftpl": "%{ for k, v in m }${k}=${v};%{ endfor }",
    "if.tftpl": "%{ if on }yes%{ else }no%{ endif }",
    "lazy.tftpl": "%{ if false }${nope}%{ endif }ok",
    "var.tftpl": "${var.x}",
    "escapes.tftpl": "$${a} %%{b}",
    "function.tftpl": "${jsonencode({port = port})}",
    "again.tftpl": '${templatefile("modules/app/bare.tftpl", {x = 1})}',
    "containers.tftpl": '[{"name": "web", "portMappings": [\n'
                        '  %{~ for i, p in ports ~}\n'
                        '  {"containerPort": ${p}}${i < length(ports) - 1 ? "," : ""}\n'
                        '  %{~ endfor ~}\n'
                        ']}]\n',
}


@pytest.fixture(scope="module")
def files_scope(tmp_path_factory):
    base = tmp_path_factory.mktemp("files")
    (base / "outside.txt").write_text("outside\n")
    (base / "repo").mkdir()
    write_tree(base / "repo", {"shared.txt": "shared\n", "root/hello.txt": "hello\n",
                               "root/data.json": '{"port": 8080}',
                               **{f"root/modules/app/{name}": text for name, text in TEMPLATES.items()}})
    root = base / "repo" / "root"
    (root / "binary.dat").write_bytes(b"\xff\x00")
    (root / "large.txt").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    os.symlink(base / "outside.txt", root / "link_out")
    os.symlink("hello.txt", root / "link_in")
    files = ConfigFiles(str(root))
    roots = {**ROOTS, "path": files.path_values(str(root / "modules" / "app"))}
    return Scope(lambda name: roots.get(name, Unknown(f"{name} is not a test root")), files=files)


FILES = [
    # file: relative to the root module, anywhere in the repository
    ('file("hello.txt")', "hello\n"),
    ('file("${path.module}/bare.tftpl")', "${x}"),
    ('file("../shared.txt")', "shared\n"),
    ('file("link_in")', "hello\n"),
    ('jsondecode(file("data.json")).port', 8080),
    ('try(file("nope.txt"), "fallback")', "fallback"),  # Terraform: no file exists at "nope.txt"
    ('try(file("modules"), "fallback")', "fallback"),  # a directory
    ('try(file("binary.dat"), "fallback")', "fallback"),  # not UTF-8: Terraform's error
    ('file(var.u)', UNKNOWN),
    # never read: outside the repository (by .., a symlink, an absolute path, a home directory)
    ('file("../../outside.txt")', UNKNOWN),
    ('try(file("../../outside.txt"), "fallback")', UNKNOWN),  # not an error: a value not known
    ('file("link_out")', UNKNOWN),
    ('file("/etc/hostname")', UNKNOWN),
    ('file("~/.aws/credentials")', UNKNOWN),
    ('file("large.txt")', UNKNOWN),
    # filebase64
    ('filebase64("binary.dat")', "/wA="),
    ('filebase64("hello.txt")', "aGVsbG8K"),
    ('try(filebase64("nope.txt"), "fallback")', "fallback"),
    # fileexists
    ('fileexists("hello.txt")', True),
    ('fileexists("nope.txt")', False),
    ('fileexists("${path.module}/for.tftpl")', True),
    ('try(fileexists("modules"), "fallback")', "fallback"),  # Terraform: is a directory, not a file
    ('fileexists("../../outside.txt")', UNKNOWN),
    ('fileexists(var.u)', UNKNOWN),
    # templatefile
    ('templatefile("${path.module}/for.tftpl", {ports = [80, 443]})', "port 80\nport 443\n"),
    ('templatefile("${path.module}/bare.tftpl", {x = [1, 2]})', [1, 2]),  # a lone ${x} is x itself
    ('templatefile("${path.module}/pairs.tftpl", {m = {b = 2, a = 1}})', "a=1;b=2;"),
    ('templatefile("${path.module}/if.tftpl", {on = false})', "no"),
    ('templatefile("${path.module}/escapes.tftpl", {})', "${a} %{b}"),
    ('templatefile("${path.module}/function.tftpl", {port = 80})', '{"port":80}'),
    ('jsondecode(templatefile("${path.module}/containers.tftpl", {ports = [80, 9100]}))',
     [{"name": "web", "portMappings": [{"containerPort": 80}, {"containerPort": 9100}]}]),
    ('templatefile("${path.module}/for.tftpl", {ports = var.u})', UNKNOWN),
    ('templatefile("${path.module}/for.tftpl", var.u)', UNKNOWN),
    ('templatefile("../../outside.txt", {})', UNKNOWN),
    # Terraform's errors: every name the template uses must be a variable given (also in a branch
    # not taken), `var.` and `path.` are not there, no templatefile inside a template, vars a map
    ('try(templatefile("${path.module}/lazy.tftpl", {}), "fallback")', "fallback"),
    ('templatefile("${path.module}/lazy.tftpl", {nope = 1})', "ok"),
    ('try(templatefile("${path.module}/var.tftpl", {x = 1}), "fallback")', "fallback"),
    ('try(templatefile("${path.module}/again.tftpl", {}), "fallback")', "fallback"),
    ('try(templatefile("${path.module}/bare.tftpl", "x"), "fallback")', "fallback"),
    ('try(templatefile("nope.tftpl", {}), "fallback")', "fallback"),
]


@table(FILES)
def test_file_function(files_scope, tmp_path, text, expected):
    actual = evaluate(parse_expr(tmp_path, text), files_scope)
    assert same(actual, expected), f"{text} -> {actual!r}, expected {expected!r}"


def test_a_file_function_reads_nothing_where_terraform_reads_no_files(tmp_path):
    (tmp_path / "hello.txt").write_text("hello\n")
    actual = evaluate(parse_expr(tmp_path, f'file("{tmp_path / "hello.txt"}")'), Scope(lambda name: None))
    assert isinstance(actual, Unknown)


def test_path_values_are_terraforms(tmp_path):
    write_tree(tmp_path, {
        "root/main.tf": 'module "app" {\n  source = "./modules/app"\n}\n'
                        'resource "aws_security_group" "root" {\n  name = path.module\n'
                        '  description = path.root\n  tags = { cwd = path.cwd }\n}\n',
        "root/modules/app/main.tf": 'resource "aws_security_group" "app" {\n  name = path.module\n'
                                    '  description = file("${path.module}/note.txt")\n}\n',
        "root/modules/app/note.txt": "from the module\n",
    })
    config = load_directory(str(tmp_path / "root"))
    root = config.resources["aws_security_group.root"].values
    assert (root["name"], root["description"]) == (".", ".")
    assert root["tags"] == {"cwd": str(tmp_path / "root")}
    app = config.resources["module.app.aws_security_group.app"].values
    assert (app["name"], app["description"]) == ("modules/app", "from the module\n")


def test_a_file_outside_the_repository_is_a_note_not_a_value(tmp_path):
    (tmp_path / "secret.txt").write_text("80\n")
    (tmp_path / "repo").mkdir()
    write_tree(tmp_path / "repo", {"main.tf": 'resource "aws_security_group" "g" {\n'
                                              '  name = file("../secret.txt")\n}\n'})
    config = load_directory(str(tmp_path / "repo"))
    assert isinstance(config.resources["aws_security_group.g"].values["name"], Unknown)
    assert "file '../secret.txt' resolves outside the repository; not read" in config.notes
