"""A resource whose count or for_each is unknown until apply is left out of the model (its
instances may not exist), but never silently: each is a check not decided, named with why."""

import textwrap

CONFIG = textwrap.dedent('''
    variable "create_database" {
      type = bool     # no default, no value: unknown until apply
    }
    resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
    resource "aws_security_group" "db" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port   = 5432
        to_port     = 5432
        protocol    = "tcp"
        cidr_blocks = ["0.0.0.0/0"]
      }
    }
    resource "aws_db_instance" "main" {
      count                  = var.create_database ? 1 : 0
      engine                 = "postgres"
      instance_class         = "db.t3.micro"
      vpc_security_group_ids = [aws_security_group.db.id]
    }
''')


def test_a_database_that_may_not_exist_is_counted_not_silent(tflint_sg, tmp_path):
    (tmp_path / "main.tf").write_text(CONFIG)
    text = tflint_sg(str(tmp_path))
    assert text.code == 0  # nothing is known to be wrong: no finding
    assert text.stdout.splitlines()[-1] == (
        "No issues found in 1 input; no load balancer flows; no data flows; 1 resource not expanded; "
        "1 check not decided (--verbose says why).")
    verbose = tflint_sg("--verbose", str(tmp_path)).stdout
    assert ("note: aws_db_instance.main: not decided (every rule): its count or for_each (or its module's) "
            "is unknown until apply, so it is not analyzed") in verbose
    (entry,) = tflint_sg("--format", "json", str(tmp_path)).json()["inputs"]
    assert entry["undecided"] == 1 and entry["not_expanded"] == 1

    # Given a value, the database is analyzed (and it is open to the world).
    known = tflint_sg("--format", "json", "--var", "create_database=true", str(tmp_path)).json()
    assert known["inputs"][0]["undecided"] == 0 and known["inputs"][0]["not_expanded"] == 0
    assert [f["rule"] for f in known["findings"]] == ["aws_data_store_exposed"]


def test_each_resource_left_unexpanded_is_counted_and_its_reason_grouped(tflint_sg, tmp_path):
    # A second database under the same unknown switch: two resources not expanded, for one reason.
    (tmp_path / "main.tf").write_text(CONFIG + CONFIG[CONFIG.index('resource "aws_db_instance"'):]
                                      .replace('"main"', '"replica"'))
    verbose = tflint_sg("--verbose", str(tmp_path)).stdout.splitlines()
    assert verbose[-1] == "No issues found in 1 input; no load balancer flows; no data flows; 2 resources not expanded; 2 checks not decided."
    # Each database has two notes: the count the loader could not expand, and the checks it left
    # undecided. Equal counts go by their text.
    assert verbose[-5:-1] == [
        "reasons, most frequent first:",
        "  2 x count is unknown until apply (or beyond 10000); its instances may not exist",
        "  2 x its count or for_each (or its module's) is unknown until apply, so it is not analyzed",
        "",
    ]
    (entry,) = tflint_sg("--format", "json", str(tmp_path)).json()["inputs"]
    assert entry["not_expanded"] == 2 and entry["undecided"] == 2
