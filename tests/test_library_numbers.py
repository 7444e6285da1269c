"""Terraform's numeric and IP network functions (library_numbers.py), `...` argument expansion,
and `try`/`can` falling back on every evaluation error, including an instance that a known
count or for_each does not make.

Expected values are Terraform's documented examples and errors (developer.hashicorp.com's
function pages), not this tool's output. A case that Terraform rejects is written
`try(f(...), "fallback")`, so it checks that the error is one `try` recovers from.
"""

from __future__ import annotations

from test_hcl_expr import UNKNOWN, check, table

from tflint_sg.config import Ref

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
