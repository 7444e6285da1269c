"""Terraform's numeric and IP network functions (library_numbers.py), `...` argument expansion,
and `try`/`can` falling back on every evaluation error, including an instance that a known
count or for_each does not make.

Expected values are Terraform's documented examples and errors (developer.hashicorp.com's
function pages), not this tool's output. A case that Terraform rejects is written
`try(f(...), "fallback")`, so it checks that the error is one `try` recovers from.
"""

from __future__ import annotations

import json

from test_hcl_expr import UNKNOWN, OrUnknown, check, same, table, write_tree  # noqa: F401

from tflint_sg.config import Ref
from tflint_sg.load.modules.directory import load_directory

NUMBERS = [
    # max / min, with expansion of a list into the final arguments
    ("max(12, 54, 3)", 54),
    ("max([12, 54, 3]...)", 54),
    ("max(var.ports...)", 443),
    ("max(1, [5, 2]...)", 5),
    ("max(-1.5, -2)", -1.5),
    ('max("5", 3)', 5),  # a string that spells a number converts to one
    ("max(7)", 7),
    ("min(12, 54, 3)", 3),
    ("min([12, 54, 3]...)", 3),
    ("min(var.ports...)", 80),
    ('try(max(), "f")', "f"),  # at least one argument
    ('try(max([]...), "f")', "f"),
    ('try(max(true, 1), "f")', "f"),  # a bool is not a number
    ('try(max("a", 1), "f")', "f"),
    ('try(max(var.m...), "f")', "f"),  # only a list, set or tuple expands
    ("max(var.u, 1)", UNKNOWN),
    ("max(var.u...)", UNKNOWN),
    ("max([1, var.u]...)", UNKNOWN),
    ("min(var.ref, 2)", UNKNOWN),
    ('try(max(var.u, 1), "f")', UNKNOWN),  # unknown is not an error
    # abs, ceil, floor, signum
    ("abs(23)", 23),
    ("abs(0)", 0),
    ("abs(-12.4)", 12.4),
    ("abs(var.u)", UNKNOWN),
    ('try(abs(true), "f")', "f"),
    ('try(abs(null), "f")', "f"),
    ("ceil(5)", 5),
    ("ceil(5.1)", 6),
    ("ceil(-5.1)", -5),
    ("floor(5)", 5),
    ("floor(4.9)", 4),
    ("floor(-4.1)", -5),
    ("floor(var.u)", UNKNOWN),
    ("signum(-13)", -1),
    ("signum(0)", 0),
    ("signum(344)", 1),
    ("signum(-0.5)", -1),
    ("signum(var.u)", UNKNOWN),
    # log, pow
    ("log(50, 10)", 1.6989700043360185),
    ("log(16, 2)", 4),
    ("log(1, 10)", 0),
    ("log(var.u, 10)", UNKNOWN),
    ("pow(3, 2)", 9),
    ("pow(4, 0)", 1),
    ("pow(2, -1)", 0.5),
    ("pow(var.u, 2)", UNKNOWN),
    # parseint
    ('parseint("100", 10)', 100),
    ('parseint("FF", 16)', 255),
    ('parseint("ff", 16)', 255),  # bases up to 36: letters in either case
    ('parseint("-10", 16)', -16),
    ('parseint("1011111011101111", 2)', 48879),
    ('parseint("aA", 62)', 656),  # bases above 36: lowercase, then uppercase letters
    ('parseint("Z", 36)', 35),
    ('try(parseint("12", 2), "f")', "f"),
    ('try(parseint("", 10), "f")', "f"),
    ('try(parseint("1.5", 10), "f")', "f"),
    ('try(parseint("1", 1), "f")', "f"),  # the base must be 2 to 62
    ('try(parseint("1", 63), "f")', "f"),
    ('try(parseint(10, 10), "f")', "f"),  # the number must be a string
    ('can(parseint("zz", 36))', True),
    ('can(parseint("zz", 10))', False),
    ("parseint(var.u, 10)", UNKNOWN),
    ('parseint("10", var.u)', UNKNOWN),
]

NETWORKS = [
    # cidrhost
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
    ('cidrhost("10.12.112.0/20", 268)', "10.12.113.12"),
    ('cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)', "fd00:fd12:3456:7890::22"),
    ('cidrhost("10.0.0.0/8", 2)', "10.0.0.2"),
    ('cidrhost("10.0.0.0/8", -2)', "10.255.255.254"),  # negative: counted from the end
    ('cidrhost("10.0.0.0/24", -1)', "10.0.0.255"),
    ('cidrhost("10.0.0.0/24", -256)', "10.0.0.0"),
    ('cidrhost("10.0.0.0/24", 255)', "10.0.0.255"),
    ('cidrhost("10.0.0.5/24", 1)', "10.0.0.1"),  # the prefix's host bits are ignored
    ('cidrhost("010.000.001.000/24", 1)', "10.0.1.1"),  # leading zeros read as decimal
    ('try(cidrhost("10.0.0.0/24", 256), "f")', "f"),
    ('try(cidrhost("10.0.0.0/24", -257), "f")', "f"),
    ('try(cidrhost("10.0.0.0/24", 1.5), "f")', "f"),
    ('try(cidrhost("10.0.0.0", 1), "f")', "f"),  # not CIDR notation
    ('try(cidrhost("10.0.0.0/33", 1), "f")', "f"),
    ('try(cidrhost("not-a-cidr/8", 1), "f")', "f"),
    ('try(cidrhost("10.0.0.0/255.0.0.0", 1), "f")', "f"),
    ("cidrhost(var.u, 1)", UNKNOWN),
    ('cidrhost("10.0.0.0/24", var.u)', UNKNOWN),
    ('try(cidrhost(var.u, 300), "f")', UNKNOWN),
    # cidrnetmask
    ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('cidrnetmask("10.0.0.0/32")', "255.255.255.255"),
    ('cidrnetmask("0.0.0.0/0")', "0.0.0.0"),
    ('try(cidrnetmask("fd00::/8"), "f")', "f"),  # IPv4 only
    ('try(cidrnetmask("10.0.0.0"), "f")', "f"),
    ("cidrnetmask(var.u)", UNKNOWN),
    # cidrsubnet
    ('cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
    ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ('cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', "fd00:fd12:3456:7800:a200::/72"),
    ('cidrsubnet("10.0.0.0/16", 0, 0)', "10.0.0.0/16"),
    ('try(cidrsubnet("10.0.0.0/16", 8, 256), "f")', "f"),
    ('try(cidrsubnet("10.0.0.0/30", 3, 0), "f")', "f"),  # beyond 32 bits
    ('try(cidrsubnet("bad", 8, 1), "f")', "f"),
    ("cidrsubnet(var.u, 8, 2)", UNKNOWN),
    ('cidrsubnet("10.0.0.0/16", var.u, 2)', UNKNOWN),
    # cidrsubnets: consecutive, each aligned to its own size
    ('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)', ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
    ('cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)',
     ["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72",
      "fd00:fd12:3456:7800:300::/88"]),
    ('cidrsubnets("10.0.0.0/24", 2, 2, 2, 2)', ["10.0.0.0/26", "10.0.0.64/26", "10.0.0.128/26", "10.0.0.192/26"]),
    ('cidrsubnets("10.0.0.0/24", 8, 1)', ["10.0.0.0/32", "10.0.0.128/25"]),
    ('cidrsubnets("10.0.0.0/16")', []),
    ('cidrsubnets("10.0.0.0/16", [4, 4]...)', ["10.0.0.0/20", "10.0.16.0/20"]),
    ('try(cidrsubnets("10.0.0.0/24", 1, 1, 1), "f")', "f"),  # not enough address space
    ('try(cidrsubnets("10.0.0.0/24", 0), "f")', "f"),  # at least one new bit
    ('try(cidrsubnets("10.0.0.0/24", 9), "f")', "f"),  # beyond 32 bits
    ("cidrsubnets(var.u, 4)", UNKNOWN),
    ('cidrsubnets("10.0.0.0/16", 4, var.u)', UNKNOWN),
]

TRY_AND_CAN = [
    ('try(var.m.nokey, "f")', "f"),  # a missing object attribute
    ('try(var.m["nokey"], "f")', "f"),  # a missing map key
    ('try(var.ports[5], "f")', "f"),  # an index out of range
    ('try([var.m.nokey], "f")', "f"),  # an error inside a value fails the whole value
    ('try({a = var.m.nokey}, "f")', "f"),
    ("try(length(var.m.nokey), 0)", 0),  # a failing argument fails the call
    ('try(try(var.m.x, var.m.y), "z")', "z"),
    ('try(var.m.a, "f")', "sg-1"),
    ('try(var.u, "f")', UNKNOWN),
    ('try(var.ref, "f")', Ref("aws_security_group.x", "id")),
    ('can(cidrhost("10.0.0.0/24", 256))', False),
    ('can(cidrhost("10.0.0.0/24", 255))', True),
    ("can([var.m.nokey])", False),
    ("can(var.u)", UNKNOWN),
]


@table(NUMBERS)
def test_number_function(tmp_path, text, expected):
    check(tmp_path, text, expected)


@table(NETWORKS)
def test_network_function(tmp_path, text, expected):
    check(tmp_path, text, expected)


@table(TRY_AND_CAN)
def test_try_and_can(tmp_path, text, expected):
    check(tmp_path, text, expected)


# --- instances that do not exist --------------------------------------------------------------

INSTANCES_TF = """
variable "n" {}

resource "aws_security_group" "this" {
  count = 0
  name  = "a"
}

resource "aws_security_group" "this_name_prefix" {
  count       = 1
  name_prefix = "b"
}

resource "aws_security_group" "keyed" {
  for_each = toset(["a"])
  name     = each.key
}

resource "aws_security_group" "maybe" {
  count = var.n
  name  = "m"
}

module "none" {
  source = "./modules/sg"
  count  = 0
}

resource "aws_instance" "probe" {
  ami = "x"
  tags = {
    chosen     = try(aws_security_group.this[0].id, aws_security_group.this_name_prefix[0].id, "")
    fallback   = try(aws_security_group.this[0].id, "none")
    name       = try(aws_security_group.this[0].name, aws_security_group.this_name_prefix[0].name_prefix)
    can_this   = can(aws_security_group.this[0].id)
    beyond     = try(aws_security_group.this_name_prefix[1].id, "none")
    keyed      = try(aws_security_group.keyed["b"].id, "none")
    keyed_a    = try(aws_security_group.keyed["a"].name, "none")
    module     = try(module.none[0].id, "none")
    maybe      = try(aws_security_group.maybe[3].id, "none")
    maybe_can  = can(aws_security_group.maybe[3].id)
  }
}
"""

INSTANCE_CASES = [
    ("chosen", Ref("aws_security_group.this_name_prefix[0]", "id")),
    ("fallback", "none"),
    ("name", "b"),
    ("can_this", False),
    ("beyond", "none"),
    ("keyed", "none"),
    ("keyed_a", "a"),
    ("module", "none"),
    ("maybe", UNKNOWN),  # count unknown: instance 3 may exist
    ("maybe_can", UNKNOWN),
]


@table(INSTANCE_CASES)
def test_try_over_instances(tmp_path, text, expected):
    write_tree(tmp_path, {"main.tf": INSTANCES_TF, "modules/sg/main.tf": 'output "id" { value = "x" }\n'})
    tags = load_directory(str(tmp_path)).resources["aws_instance.probe"].values["tags"]
    assert same(tags[text], expected), f"{text} -> {tags[text]!r}, expected {expected!r}"


# --- end to end ---------------------------------------------------------------------------------

SELECTED_GROUP_TF = """
resource "aws_vpc" "main" {
  cidr_block = "172.16.0.0/16"
}

resource "aws_subnet" "public_a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 0)
}

resource "aws_subnet" "public_b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("172.16.0.0/16", 8, 1)
}

resource "aws_security_group" "elb" {
  name   = "elb"
  vpc_id = aws_vpc.main.id

  ingress {
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_elb" "web" {
  name            = "web"
  subnets         = [aws_subnet.public_a.id, aws_subnet.public_b.id]
  security_groups = [aws_security_group.elb.id]
  instances       = [aws_instance.app.id]

  listener {
    lb_port           = 80
    lb_protocol       = "http"
    instance_port     = max([8080, 80]...)
    instance_protocol = "http"
  }
}

# As terraform-aws-modules/security-group does: one of two groups exists, chosen by count.
resource "aws_security_group" "app" {
  count  = 0
  name   = "app"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "app_prefix" {
  count       = 1
  name_prefix = "app-"
  vpc_id      = aws_vpc.main.id

  ingress {
    protocol        = "tcp"
    from_port       = 80
    to_port         = 80
    security_groups = [aws_security_group.elb.id]
  }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "app" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.medium"
  subnet_id              = aws_subnet.public_a.id
  vpc_security_group_ids = [try(aws_security_group.app[0].id, aws_security_group.app_prefix[0].id, "")]
}
"""


def test_a_group_chosen_through_try_makes_a_finding(tflint_sg, tmp_path):
    write_tree(tmp_path, {"main.tf": SELECTED_GROUP_TF})
    run = tflint_sg("--format", "json", str(tmp_path))
    findings = json.loads(run.stdout)
    text = json.dumps(findings)
    assert "aws_lb_target_traffic_blocked" in text, run.stdout
    assert "tcp/8080" in text and "aws_security_group.app_prefix[0]" in text, run.stdout
    assert run.code == 2
