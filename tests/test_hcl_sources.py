import json
import os

import pytest

from tflint_sg.errors import InputError
from tflint_sg.load.modules.sources import (
    module_files,
    module_roots,
    override_files,
    repository_root,
    resolve_module_source,
    root_variable_values,
)


def write(path, text=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository: a root calling ./modules/app, which calls ../shared."""
    (tmp_path / ".git").mkdir()
    write(tmp_path / "root" / "main.tf", 'module "app" {\n  source = "./modules/app"\n}\n')
    write(tmp_path / "root" / "modules" / "app" / "main.tf", 'module "shared" {\n  source = "../shared"\n}\n')
    write(tmp_path / "root" / "modules" / "shared" / "main.tf", 'variable "x" {}\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- module_files -------------------------------------------------------------------------


def test_module_files_sorted_without_overrides_or_other_files(tmp_path):
    for name in ["b.tf", "a.tf.json", "override.tf", "x_override.tf", "y_override.tf.json",
                 "notes.md", "vars.tfvars", ".hidden.tf", "backup.tf~"]:
        write(tmp_path / name)
    write(tmp_path / "sub" / "c.tf")
    assert module_files(str(tmp_path)) == [str(tmp_path / "a.tf.json"), str(tmp_path / "b.tf")]
    assert override_files(str(tmp_path)) == [
        str(tmp_path / n) for n in ["override.tf", "x_override.tf", "y_override.tf.json"]
    ]


def test_module_files_of_missing_directory(tmp_path):
    with pytest.raises(InputError) as caught:
        module_files(str(tmp_path / "nope"))
    assert caught.value.path == str(tmp_path / "nope")


# --- root_variable_values -----------------------------------------------------------------


def test_tfvars_precedence(tmp_path):
    write(tmp_path / "terraform.tfvars", 'a = "tfvars"\nb = "tfvars"\nc = "tfvars"\nd = "tfvars"\ne = "tfvars"\n')
    write(tmp_path / "terraform.tfvars.json", json.dumps({"b": "tfvars.json"}))
    write(tmp_path / "b.auto.tfvars", 'c = "b.auto"\nd = "b.auto"\n')
    write(tmp_path / "a.auto.tfvars", 'c = "a.auto"\nd = "a.auto"\nn = 80\nl = ["x", 2]\nm = { k = true }\n')
    extra = write(tmp_path / "extra.tfvars", 'd = "var-file"\ne = "var-file"\n')
    values, notes = root_variable_values(str(tmp_path), [str(extra)], ["e=cli", "port=443", "cidrs=[\"10.0.0.0/8\"]"])
    assert values == {
        "a": "tfvars", "b": "tfvars.json", "c": "b.auto", "d": "var-file", "e": "cli",
        "n": 80, "l": ["x", 2], "m": {"k": True}, "port": 443, "cidrs": ["10.0.0.0/8"],
    }
    assert notes == []


def test_expressions_in_tfvars_are_skipped_with_a_note(tmp_path):
    write(tmp_path / "terraform.tfvars",
          'a = var.x\nb = ["ok", local.y]\nc = "${upper("x")}"\nd = "$${literal}"\ne = 1e3\n')
    values, notes = root_variable_values(str(tmp_path), [], [])
    assert values == {"d": "${literal}", "e": 1000}
    assert len(notes) == 3
    assert all("terraform.tfvars: variable" in n and "not a literal" in n for n in notes)


def test_tfvars_values_are_evaluated_as_terraform_reads_them(tmp_path):
    write(tmp_path / "terraform.tfvars",
          'port = 8000 + 80\n'
          'tls = (\n  "prod" == "prod"\n  ? 443\n  : 80\n)\n'
          'tags = { "team" = "web", env = "a\\tb" }\n'
          'big = [1e3]\n'
          'note = <<-EOT\n    hello\n    EOT\n')
    values, notes = root_variable_values(str(tmp_path), [], [])
    assert values == {"port": 8080, "tls": 443, "tags": {"team": "web", "env": "a\tb"}, "big": [1000],
                      "note": "hello\n"}
    assert notes == []


def test_a_block_in_a_tfvars_file_is_noted_and_the_values_kept(tmp_path):
    write(tmp_path / "terraform.tfvars", 'a = 1\nsettings {\n  b = 2\n}\nc = 3\n')
    values, notes = root_variable_values(str(tmp_path), [], [])
    assert values == {"a": 1, "c": 3}
    assert len(notes) == 1 and "terraform.tfvars: line 2" in notes[0] and "settings block" in notes[0]


def test_a_deeply_nested_tfvars_value_is_an_input_error(tmp_path):
    write(tmp_path / "terraform.tfvars", "a = " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(InputError) as caught:
        root_variable_values(str(tmp_path), [], [])
    assert caught.value.path == str(tmp_path / "terraform.tfvars")


@pytest.mark.parametrize(
    "arg, value",
    [("x=abc", "abc"), ("x=10.0.0.0/8", "10.0.0.0/8"), ("x=true", True), ("x=1.5", 1.5),
     ("x={a = 1}", {"a": 1}), ("x=", ""), ("x=a=b", "a=b"), ('x="q"', '"q"'), ("x=null", "null"),
     ("x=[var.y]", "[var.y]"), ("x=1\ny = 2", "1\ny = 2")],
)
def test_var_args(tmp_path, arg, value):
    assert root_variable_values(str(tmp_path), [], [arg])[0] == {"x": value}


def test_var_arg_without_equals(tmp_path):
    with pytest.raises(InputError):
        root_variable_values(str(tmp_path), [], ["x"])


def test_missing_var_file(tmp_path):
    with pytest.raises(InputError) as caught:
        root_variable_values(str(tmp_path), [str(tmp_path / "none.tfvars")], [])
    assert caught.value.path == str(tmp_path / "none.tfvars")


def test_malformed_var_file_names_the_line(tmp_path):
    bad = write(tmp_path / "bad.tfvars", 'a = 1\nb = [\nc = 3\n')
    with pytest.raises(InputError) as caught:
        root_variable_values(str(tmp_path), [str(bad)], [])
    assert (caught.value.path, caught.value.line) == (str(bad), 3)


def test_malformed_json_var_file_names_the_line(tmp_path):
    bad = write(tmp_path / "bad.tfvars.json", '{\n  "a": 1,\n}\n')
    with pytest.raises(InputError) as caught:
        root_variable_values(str(tmp_path), [str(bad)], [])
    assert caught.value.line == 3


# --- resolve_module_source ----------------------------------------------------------------


def test_local_sources(repo):
    root = str(repo / "root")
    app, note = resolve_module_source(root, root, "app", "./modules/app")
    assert (app, note) == (str(repo / "root" / "modules" / "app"), None)
    shared, note = resolve_module_source(root, app, "app.shared", "../shared")
    assert (shared, note) == (str(repo / "root" / "modules" / "shared"), None)


def test_missing_local_source(repo):
    root = str(repo / "root")
    directory, note = resolve_module_source(root, root, "gone", "./modules/gone")
    assert directory is None
    assert note == f"module gone: {repo / 'root' / 'modules' / 'gone'} does not exist"


def test_source_escaping_the_repository(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write(outside / "main.tf")
    root = str(repo / "root")
    source = os.path.relpath(outside, root)
    directory, note = resolve_module_source(root, root, "evil", source)
    assert directory is None
    assert note.startswith(f"module evil: source {source} is outside the repository (")
    assert "not followed" in note


def test_registry_module_not_installed(repo):
    root = str(repo / "root")
    directory, note = resolve_module_source(root, root, "vpc", "terraform-aws-modules/vpc/aws")
    assert directory is None
    assert note == ("module vpc (terraform-aws-modules/vpc/aws) is not installed: "
                    "run `terraform init` to let tflint-sg analyze it")


def test_registry_module_installed(repo):
    root = repo / "root"
    write(root / ".terraform" / "modules" / "vpc" / "main.tf")
    write(root / ".terraform" / "modules" / "modules.json", json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "vpc", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws",
         "Dir": ".terraform/modules/vpc"},
    ]}))
    assert resolve_module_source(str(root), str(root), "vpc", "terraform-aws-modules/vpc/aws") == (
        str(root / ".terraform" / "modules" / "vpc"), None)
    # a key that is absent, and an absolute path, which only the manifest can vouch for
    assert "is not installed" in resolve_module_source(str(root), str(root), "other", "git::https://x/y.git")[1]
    assert "is not installed" in resolve_module_source(str(root), str(root), "abs", str(repo / "root"))[1]


def test_an_installed_module_of_another_version_is_not_read(repo):
    # Terraform will not plan until `terraform init` installs a version the call accepts.
    root = repo / "root"
    write(root / ".terraform" / "modules" / "ecs" / "main.tf")
    write(root / ".terraform" / "modules" / "modules.json", json.dumps({"Modules": [
        {"Key": "ecs", "Source": "registry.terraform.io/terraform-aws-modules/ecs/aws", "Version": "5.12.1",
         "Dir": ".terraform/modules/ecs"}]}))
    installed = str(root / ".terraform" / "modules" / "ecs")
    for accepted in ("5.12.1", "~> 5.0", ">= 5.1, < 6", "~> 5.12.0", None, "a constraint not understood"):
        assert resolve_module_source(str(root), str(root), "ecs", "terraform-aws-modules/ecs/aws", accepted) == (
            installed, None), accepted
    for refused in ("6.7.0", "~> 6.0", "~> 5.13", "< 5.12.1", "!= 5.12.1"):
        directory, note = resolve_module_source(str(root), str(root), "ecs", "terraform-aws-modules/ecs/aws", refused)
        assert directory is None, refused
        assert note == (f"module ecs (terraform-aws-modules/ecs/aws): the installed version 5.12.1 does not meet "
                        f'the call\'s version "{refused}": run `terraform init` to let tflint-sg analyze it')


def test_malformed_manifest_is_a_note(repo):
    root = repo / "root"
    manifest = write(root / ".terraform" / "modules" / "modules.json", "{not json")
    directory, note = resolve_module_source(str(root), str(root), "vpc", "terraform-aws-modules/vpc/aws")
    assert directory is None and str(manifest) in note


# --- repository_root ----------------------------------------------------------------------


def test_repository_root(repo, tmp_path_factory):
    assert repository_root(str(repo / "root" / "modules" / "app" / "main.tf")) == str(repo)
    assert repository_root(str(repo / "root")) == str(repo)
    elsewhere = tmp_path_factory.mktemp("nogit")
    assert repository_root(str(elsewhere)) in {os.getcwd(), str(elsewhere)}  # cwd, unless an ancestor has .git


# --- module_roots -------------------------------------------------------------------------


def test_child_module_file_gives_the_callers_root(repo):
    roots, notes = module_roots(["root/modules/shared/main.tf"])
    assert roots == ["root"]
    assert notes == []


def test_two_unrelated_roots(repo):
    write(repo / "other" / "main.tf", 'resource "aws_security_group" "x" {}\n')
    write(repo / "root" / "terraform.tfvars", 'x = 1\n')
    roots, _ = module_roots(["other/main.tf", "root/modules/app", "root/terraform.tfvars"])
    assert roots == ["other", "root"]


def test_environment_layout_two_levels_down(repo):
    write(repo / "modules" / "vpc" / "main.tf", 'variable "cidr" {}\n')
    write(repo / "envs" / "prod" / "main.tf", 'module "vpc" {\n  source = "../../modules/vpc"\n}\n')
    write(repo / "envs" / "dev" / "main.tf", 'module "vpc" {\n  source = "../../modules/vpc"\n}\n')
    assert module_roots(["modules/vpc/main.tf"])[0] == ["envs/dev", "envs/prod"]


def test_callers_anywhere_in_the_repository(repo):
    """A shared module called from three and four levels down (live/prod/svc03), as pre-commit
    hands over a changed file of the module: its callers are the roots, however deep."""
    write(repo / "modules" / "app" / "main.tf", 'variable "port" {}\n')
    write(repo / "live" / "prod" / "svc03" / "main.tf", 'module "app" {\n  source = "../../../modules/app"\n}\n')
    write(repo / "live" / "stage" / "eu" / "svc01" / "main.tf",
          'module "app" {\n  source = "../../../../modules/app"\n}\n')
    assert module_roots(["modules/app/main.tf"]) == (["live/prod/svc03", "live/stage/eu/svc01"], [])


def test_outside_a_repository_callers_are_looked_for_nearby(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "modules" / "app" / "main.tf", 'variable "port" {}\n')
    write(tmp_path / "envs" / "prod" / "main.tf", 'module "app" {\n  source = "../../modules/app"\n}\n')
    assert module_roots(["modules/app/main.tf"])[0] == ["envs/prod"]


def test_other_files_are_ignored_with_a_note(repo):
    write(repo / "README.md")
    roots, notes = module_roots(["README.md", "root/main.tf"])
    assert roots == ["root"]
    assert notes == ["README.md: not a Terraform file; ignored"]


def test_missing_path(repo):
    with pytest.raises(InputError) as caught:
        module_roots(["root/nope.tf"])
    assert caught.value.problem == "no such file or directory"


def test_json_module_calls_and_cycles(repo):
    write(repo / "j" / "main.tf.json", json.dumps({"module": {"m": {"source": "./m"}}}))
    write(repo / "j" / "m" / "main.tf", 'variable "x" {}\n')
    assert module_roots(["j/m/main.tf"])[0] == ["j"]
    write(repo / "c" / "a" / "main.tf", 'module "b" {\n  source = "../b"\n}\n')
    write(repo / "c" / "b" / "main.tf", 'module "a" {\n  source = "../a"\n}\n')
    assert module_roots(["c/a/main.tf"])[0] == ["c/a"]
