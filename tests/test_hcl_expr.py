"""Table tests for HCL expression evaluation and module expansion (tflint_sg.load.expressions, tflint_sg.load.modules).

Each expression case is one line: the expression text, and the value Terraform gives it.
Expected values follow Terraform's documented semantics (HCL native syntax spec, cty, the
function docs), not the tool's output. Where Terraform has a known value but this evaluator
may soundly answer "don't know", the case says `OrUnknown(value)`; `UNKNOWN` means Terraform
itself could not know the value before apply (or would reject the expression).

"""

from __future__ import annotations

import pytest

from tflint_sg.config import Ref, Unknown
from tflint_sg.load.modules.directory import load_directory
from tflint_sg.load.expressions.evaluate import evaluate
from tflint_sg.load.expressions.values import Scope
from tflint_sg.load.hcl.parse import parse_file

# --- helpers ---------------------------------------------------------------------------------

UNKNOWN = object()  # the result must be an Unknown


class OrUnknown:
    """Terraform's value; an Unknown is also accepted (it never makes a finding on its own)."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"OrUnknown({self.value!r})"


def same(actual, expected) -> bool:
    """Equality with Terraform's types: a bool is never a number, a number never a string."""
    if expected is UNKNOWN:
        return isinstance(actual, Unknown)
    if isinstance(expected, OrUnknown):
        return isinstance(actual, Unknown) or same(actual, expected.value)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and actual == expected
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and set(actual) == set(expected) and all(
            same(actual[k], expected[k]) for k in expected)
    return type(actual) is type(expected) and actual == expected


VARS = {
    "ports": [80, 443],
    "m": {"a": "sg-1"},
    "x": "mid",
    "n": 5,
    "t": True,
    "f": False,
    "none": None,
    "nums": {"1": "one"},
    "objs": [{"id": "sg-1", "ports": [1, 2]}, {"id": "sg-2", "ports": [3, 4]}],
    "obj": {"id": "sg-9", "name": "web"},
    "u": Unknown("known after apply"),
    "ref": Ref("aws_security_group.x", "id"),
    "arn": Ref("aws_lb.x", "arn"),
    "lb_id": Ref("aws_lb.x", "id"),
    "nodes": Ref("aws_eks_node_group.x", "resources"),
}
ROOTS = {"var": VARS, "local": {"name": "web"}}


def resolve(name: str):
    return ROOTS[name] if name in ROOTS else Unknown(f"{name} is not a test root")


def parse_expr(tmp_path, text: str):
    path = tmp_path / "main.tf"
    path.write_text(f"locals {{\n  x = {text}\n}}\n")
    (block,) = parse_file(str(path))
    return block.attributes["x"].expr


def check(tmp_path, text, expected):
    actual = evaluate(parse_expr(tmp_path, text), Scope(resolve))
    assert same(actual, expected), f"{text} -> {actual!r}, expected {expected!r}"


def table(cases):
    return pytest.mark.parametrize("text, expected", cases)


# --- literals --------------------------------------------------------------------------------

LITERALS = [
    ("1", 1),
    ("0", 0),
    ("-5", -5),
    ("1.5", 1.5),
    ("0.5", 0.5),
    ("1e3", 1000),
    ("true", True),
    ("false", False),
    ("null", None),
    ('"plain"', "plain"),
    ('""', ""),
    ('"a\\nb"', "a\nb"),
    ('"tab\\there"', "tab\there"),
    ('"say \\"hi\\""', 'say "hi"'),
    ('"back\\\\slash"', "back\\slash"),
    ('"\\u0041BC"', "ABC"),
    pytest.param('"\\U0001F600"', "\U0001F600"),
    ('"$${x}"', "${x}"),
    ('"a-$${x}-${var.n}"', "a-${x}-5"),
    pytest.param('"%%{x}"', "%{x}"),
    ("<<EOT\nhello\n  world\nEOT", "hello\n  world\n"),
    ("<<-EOT\n    hello\n      world\n    EOT", "hello\n  world\n"),
    ("<<EOT\n  keep \\n raw\nEOT", "  keep \\n raw\n"),  # no backslash escapes in heredocs
    ("<<EOT\nEOT", ""),
    ("[]", []),
    ("[1, \"a\", true]", [1, "a", True]),
    ("{a = 1, \"k s\" = 2}", {"a": 1, "k s": 2}),
    ("{(var.x) = 1}", {"mid": 1}),
]


@table(LITERALS)
def test_literal(tmp_path, text, expected):
    check(tmp_path, text, expected)


# --- templates -------------------------------------------------------------------------------

TEMPLATES = [
    ('"a-${var.x}-b"', "a-mid-b"),
    ('"port-${var.n}"', "port-5"),
    ('"${var.n}-${var.t}-${var.f}"', "5-true-false"),
    ('"v${1.5}"', "v1.5"),
    ('"v${1.0}"', "v1"),
    ('"${var.n}"', 5),  # a lone interpolation is the value itself, not a string
    ('"${var.ports}"', [80, 443]),
    ('"${var.t ? "on" : "off"}-x"', "on-x"),
    ('"${var.n + 1}"', 6),
    ('"a-${var.u}"', UNKNOWN),
    ('"sg-${var.ref}"', UNKNOWN),
    ('"a-${var.ports}"', UNKNOWN),  # a list cannot be converted to a string
    # Directives, and strip markers as `terraform console` renders them (Terraform 1.11).
    ('"%{for p in var.ports}${p},%{endfor}"', "80,443,"),
    ('"%{if var.t}on%{else}off%{endif}"', "on"),
    ('"%{if true}yes%{endif}"', "yes"),
    ('"%{if var.f}yes%{endif}"', ""),
    ('"[%{for k, v in var.m}${k}=${v}%{endfor}]"', "[a=sg-1]"),
    ('"%{for k, v in {b = 2, a = 1}}${k}${v};%{endfor}"', "a1;b2;"),  # a map in key order
    ('"%{for i, p in var.ports}${i}:${p} %{endfor}"', "0:80 1:443 "),
    ('"%{for p in var.ports}%{if p > 100}${p}%{endif}%{endfor}"', "443"),
    ('"a  %{~ if true ~}  x  %{~ endif ~}  b"', "axb"),  # a quoted string's literal is one token
    ('"%{for p in var.u}${p}%{endfor}"', UNKNOWN),
    ('"%{if var.u}a%{endif}"', UNKNOWN),
    ('"%{if true}${var.ports}%{endif}"', UNKNOWN),  # an arm is a string: a list cannot be one
    ('"%%{if}-$${x}"', "%{if}-${x}"),
    ('"%{ endif }"', UNKNOWN),  # out of place: Terraform rejects it
    ('"${"}"}-${ {a = "}"}.a }"', "}-}"),
]

HEREDOC_TEMPLATES = [
    ("<<EOT\nport ${var.n}\nEOT", "port 5\n"),
    ("<<EOT\n${var.ports}\nEOT", UNKNOWN),  # the line break after it makes it a string
    ("<<EOT\n$${x} %%{y}\nEOT", "${x} %{y}\n"),
    ("<<EOT\n${ \"}\" }\nEOT", "}\n"),
    ("<<-EOT\n    ${var.x}\n    %{ if var.t }t%{ endif }\n    EOT", "mid\nt\n"),
    # `~` trims the neighbouring line only: the literal is one token per line.
    ("<<EOT\na\n  %{~ for p in var.ports ~}\n  [${p}]\n  %{~ endfor ~}\nb ${~ \" x \" ~} c\nEOT",
     "a\n  [80]\n  [443]\nb x c\n"),
    ("<<EOT\nx \n \n ${~ 1}|${1 ~}  \n\n  y\nEOT", "x \n \n1|1\n  y\n"),
    ("<<EOT\nx  \n${~ 1}|${1 ~}\n  y\nEOT", "x1|1  y\n"),
    ("<<EOT\n%{ for p in var.ports }\n${p}\n%{ endfor }\nEOT", "\n80\n\n443\n\n"),
    ("<<EOT\n%{ if var.t }\nEOT", UNKNOWN),  # no endif
]


@table(HEREDOC_TEMPLATES)
def test_heredoc_template(tmp_path, text, expected):
    check(tmp_path, text, expected)


@pytest.mark.parametrize("text, expected", [
    ("%{ for p in var.ports }${p};%{ endfor }", "80;443;"),  # a directive alone makes a template
    ("%{ if var.f }on%{ else }off%{ endif }", "off"),
    ("%%{ for } $${x}", "%{ for } ${x}"),
])
def test_json_syntax_strings_are_templates(tmp_path, text, expected):
    import json

    path = tmp_path / "main.tf.json"
    path.write_text(json.dumps({"locals": {"x": text}}))
    (block,) = parse_file(str(path))
    assert evaluate(block.attributes["x"].expr, Scope(resolve)) == expected


@table(TEMPLATES)
def test_template(tmp_path, text, expected):
    check(tmp_path, text, expected)


# --- references ------------------------------------------------------------------------------

REFERENCES = [
    ("var.x", "mid"),
    ("var.ports", [80, 443]),
    ("var.ports[0]", 80),
    ("var.ports[1]", 443),
    ('var.ports["1"]', 443),  # a string index converts to a number
    ("var.ports.0", 80),  # legacy index syntax
    ("var.ports.1", 443),
    ('var.m["a"]', "sg-1"),
    ("var.m.a", "sg-1"),
    ("var.nums[1]", "one"),  # a number key converts to a string
    ("var.objs[1].id", "sg-2"),
    ("var.objs[0].ports[1]", 2),
    ("local.name", "web"),
    ("var.ref", Ref("aws_security_group.x", "id")),
    ('var.m["zz"]', UNKNOWN),
    ("var.m.zz", UNKNOWN),
    ("var.ports[5]", UNKNOWN),
    ("var.nope", UNKNOWN),
    ("var.u.foo", UNKNOWN),
    ("var.u[0]", UNKNOWN),
    ("var.ports[var.u]", UNKNOWN),
    ("var.ref.foo", UNKNOWN),  # an id is a string: it has no attributes
    # Part of a list or block known after apply is still that resource's, as a plan's
    # references name it: a managed node group's Auto Scaling group.
    ("var.nodes[0].autoscaling_groups[0].name", Ref("aws_eks_node_group.x", "resources[0].autoscaling_groups[0].name")),
    ('"${var.ref}"', Ref("aws_security_group.x", "id")),  # one interpolation is the value itself
    ("nothing.here", UNKNOWN),
    # An attribute or index of null is Terraform's error, which `try` falls back on.
    ('try(var.none.type, "fallback")', "fallback"),
    ('try(var.none[0], "fallback")', "fallback"),
    ('try(var.none.type, null) == "EXTERNAL"', False),
    ('try(var.u.type, "fallback")', UNKNOWN),
]


@table(REFERENCES)
def test_reference(tmp_path, text, expected):
    check(tmp_path, text, expected)


def test_a_string_built_from_references_knows_whose_values_it_holds(tmp_path):
    """`"https://${aws_vpc_endpoint.x.dns_entry[0].dns_name}"`: the text waits for apply, the
    resource it names does not (a function handed an endpoint)."""
    built = evaluate(parse_expr(tmp_path, '"https://${var.nodes[0].dns_name}/${var.u}${var.arn}"'), Scope(resolve))
    assert isinstance(built, Unknown)
    assert built.refs == (Ref("aws_eks_node_group.x", "resources[0].dns_name"), Ref("aws_lb.x", "arn"))


# --- splats ----------------------------------------------------------------------------------

SPLATS = [
    ("var.ports[*]", [80, 443]),
    ("var.objs[*].id", ["sg-1", "sg-2"]),
    ("var.objs.*.id", ["sg-1", "sg-2"]),
    ("var.objs[*].ports[0]", [1, 3]),  # full splat: the index applies to each element
    ("var.objs.*.ports[0]", [1, 2]),  # legacy attribute splat: the index applies to the result
    ("var.none[*]", []),  # null splats to an empty tuple
    ('"abc"[*]', ["abc"]),  # any other value is wrapped
    ("var.u[*]", UNKNOWN),
    pytest.param("var.obj[*]", [{"id": "sg-9", "name": "web"}]),
    pytest.param("var.obj[*].id", ["sg-9"]),
]


@table(SPLATS)
def test_splat(tmp_path, text, expected):
    check(tmp_path, text, expected)


# --- operators -------------------------------------------------------------------------------

OPERATORS = [
    # A new group's id is unknown until apply, but it begins with "sg-" and an ARN with "arn:".
    ('var.ref == "self"', False),
    ('var.ref != "self"', True),
    ('"self" == var.ref', False),
    ("var.ref == null", False),
    ('var.ref == "sg-123"', UNKNOWN),
    ("var.ref == var.ref", OrUnknown(True)),
    ('var.u == "self"', UNKNOWN),
    ('var.arn == ""', False),
    ('var.arn == "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1"', UNKNOWN),
    ('var.lb_id == ""', UNKNOWN),  # a load balancer's id is its ARN: no prefix table for it
    ("1 + 2 * 3", 7),
    ("2 * 3 + 1", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 4 - 3", 3),
    ("8 / 2 / 2", 2),
    ("2 - 3 * 4 - 5", -15),
    ("7 / 2", 3.5),
    ("10 % 3", 1),
    ("5.5 % 2", 1.5),
    pytest.param("-7 % 3", -1),
    ("-var.n", -5),
    ("-var.n + 1", -4),
    ("-2 * 3", -6),
    ("1 - -1", 2),
    ('"1" + 2', 3),  # strings convert to numbers for arithmetic
    ('-"3"', -3),
    ("1 / 0", OrUnknown(float("inf"))),  # cty divides by zero to +Inf
    ("0 / 0", UNKNOWN),  # cty: "can't divide zero by zero"
    ("10 % 0", OrUnknown(10)),  # cty: x % 0 is x
    ('"a" + 1', UNKNOWN),
    ("true + 1", UNKNOWN),
    ("-true", UNKNOWN),
    ("var.u + 1", UNKNOWN),
    ("var.ref + 1", UNKNOWN),
    ("-var.u", UNKNOWN),
    ("1 < 2", True),
    ("5 >= 5", True),
    ("4 <= 3", False),
    ("3 > 4", False),
    ("1 + 2 == 3", True),
    ("1 < 2 == 2 < 3", True),  # comparisons bind tighter than equality
    ('"a" != "b"', True),
    ("1 == 1.0", True),
    ('1 == "1"', False),  # different types are never equal
    pytest.param("true == 1", False),
    pytest.param("0 == false", False),
    ("[1, 2] == [1, 2]", True),
    ("{a = 1} == {a = 1}", True),
    ("null == null", True),
    ("var.x == null", False),
    ("var.u == 1", UNKNOWN),
    ("true && false", False),
    ("true || false && false", True),  # && binds tighter than ||
    ("1 < 2 && 3 > 4 || true", True),
    ("false && var.u", False),
    ("var.u && false", False),
    ("true || var.u", True),
    ("var.u || true", True),
    ("true && var.u", UNKNOWN),
    ("false || var.u", UNKNOWN),
    ("!true", False),
    ("!var.f", True),
    ("!false && false", False),
    ("!var.t || true", True),
    ("!var.u", UNKNOWN),
]


@table(OPERATORS)
def test_operator(tmp_path, text, expected):
    check(tmp_path, text, expected)


# --- conditionals ----------------------------------------------------------------------------

CONDITIONALS = [
    ('true ? "a" : "b"', "a"),
    ('false ? "a" : "b"', "b"),
    ("var.t ? 1 : 2", 1),
    ("var.f ? 1 : 2", 2),
    ('!var.t ? "a" : "b"', "b"),
    ("true ? 1 : 2 + 10", 1),
    ("false ? 1 : 2 + 10", 12),
    ("true ? 1 : false ? 2 : 3", 1),
    ("false ? 1 : false ? 2 : 3", 3),
    ("false ? var.u : var.ports", [80, 443]),  # the branch not taken does not matter
    ("var.u ? 1 : 2", UNKNOWN),
    ("var.ref ? 1 : 2", UNKNOWN),
    ('(var.x == "mid") ? "a" : "b"', "a"),
    pytest.param('var.x == "mid" ? "a" : "b"', "a"),
    pytest.param('var.n > 3 ? "big" : "small"', "big"),
    pytest.param('var.t == true ? "yes" : "no"', "yes"),  # gives false, a wrong value
    pytest.param('var.t && var.n > 3 ? "a" : "b"', "a"),
    ('var.u == "x" ? "a" : "b"', UNKNOWN),
]


@table(CONDITIONALS)
def test_conditional(tmp_path, text, expected):
    check(tmp_path, text, expected)


# --- for expressions -------------------------------------------------------------------------

FOR_EXPRESSIONS = [
    ("[for p in var.ports : p + 1]", [81, 444]),
    ("[for i, p in var.ports : i]", [0, 1]),
    ('[for i, p in var.ports : "${i}:${p}"]', ["0:80", "1:443"]),
    ("[for p in var.ports : p if p > 100]", [443]),
    ("[for o in var.objs : o.id]", ["sg-1", "sg-2"]),
    ("[for k, v in var.m : \"${k}=${v}\"]", ["a=sg-1"]),
    ("{for k, v in var.m : v => k}", {"sg-1": "a"}),
    ("{for o in var.objs : o.id => o.ports}", {"sg-1": [1, 2], "sg-2": [3, 4]}),
    ("{for i, p in var.ports : p => i}", {"80": 0, "443": 1}),  # keys convert to strings
    ("{for k, v in {b = 1, a = 2} : k => v if v > 1}", {"a": 2}),
    ('{for s in ["a", "bb", "c"] : length(s) => s...}', {"1": ["a", "c"], "2": ["bb"]}),
    pytest.param('{for p in [1, 2, 3, 4] : (p % 2 == 0 ? "even" : "odd") => p...}',
                 {"odd": [1, 3], "even": [2, 4]}),
    ("[for p in []: p]", []),
    ("[for p in var.u : p]", UNKNOWN),
    ("[for p in var.ports : p if var.u]", UNKNOWN),
    ("{for p in var.ports : var.u => p}", UNKNOWN),
    ("[for p in [1, var.u] : p]", [1, UNKNOWN]),
    pytest.param("[for k, v in {b = 1, a = 2} : k]", ["a", "b"]),
    pytest.param("[for k, v in {b = 1, a = 2} : v]", [2, 1]),
]


@table(FOR_EXPRESSIONS)
def test_for_expression(tmp_path, text, expected):
    check(tmp_path, text, expected)


# --- functions -------------------------------------------------------------------------------

FUNCTIONS = [
    ("concat([1], [2, 3], [])", [1, 2, 3]),
    ("concat(var.ports, [22])", [80, 443, 22]),
    ("concat(var.ports, var.u)", UNKNOWN),
    ("flatten([[1, [2]], 3, []])", [1, 2, 3]),
    ("flatten([])", []),
    ('lookup({a = 1}, "a")', 1),
    ('lookup({a = 1}, "b", 0)', 0),
    ('lookup(var.m, "a", "d")', "sg-1"),
    ('lookup({a = 1}, "b")', UNKNOWN),  # Terraform rejects a missing key without a default
    ('lookup(var.u, "a", "d")', UNKNOWN),
    ('element(["a", "b", "c"], 1)', "b"),
    ('element(["a", "b", "c"], 4)', "b"),  # wraps around
    ('element(["a", "b", "c"], 3)', "a"),
    ('element(var.u, 0)', UNKNOWN),
    ('try(var.m["zz"], "d")', "d"),
    ('try(var.m["a"], "d")', "sg-1"),
    ("try(var.u, var.n)", UNKNOWN),  # an unknown argument is not an error: try's result is unknown
    ("try(var.m.zz, var.n)", 5),  # a missing attribute is an error: try falls back
    ("can(var.m.zz)", False),
    ("try(var.u, var.m.zz)", UNKNOWN),
    ('coalesce("", null, "x")', "x"),
    ('coalesce("a", "b")', "a"),
    ('coalesce(null, var.u, "x")', UNKNOWN),
    ("tostring(5)", "5"),
    ("tostring(true)", "true"),
    ("tostring(1.5)", "1.5"),
    ('tostring("a")', "a"),
    ("tostring(null)", None),
    ("tostring([1])", UNKNOWN),
    ('tonumber("42")', 42),
    ('tonumber("4.5")', 4.5),
    ("tonumber(7)", 7),
    ('tonumber("x")', UNKNOWN),
    ("tonumber(true)", UNKNOWN),
    ("length([1, 2])", 2),
    ("length({a = 1})", 1),
    ('length("abc")', 3),
    ("length([])", 0),
    ("length(var.u)", UNKNOWN),
    ('toset(["b", "a", "b"])', ["a", "b"]),  # dedupes; sets of strings iterate in lexical order
    pytest.param("toset([443, 80, 443])", [80, 443]),
    ('merge({a = 1}, {a = 2, b = 3})', {"a": 2, "b": 3}),
    ("merge({a = 1}, null)", {"a": 1}),
    ("merge({a = 1}, var.u)", UNKNOWN),
    ("keys({b = 1, a = 2})", ["a", "b"]),
    ("values({b = 1, a = 2})", [2, 1]),  # in key order
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    ("distinct([1, 2, 1, 3])", [1, 2, 3]),
    ('contains(["a", "b"], "a")', True),
    ('contains(["a", "b"], "z")', False),
    ("contains(var.u, 1)", UNKNOWN),
    ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"),
    ('cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
    ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ('cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', "fd00:fd12:3456:7800:a200::/72"),
    ('cidrsubnet("10.0.0.0/16", 8, 256)', UNKNOWN),  # netnum out of range: Terraform errors
    ('cidrsubnet(var.u, 8, 2)', UNKNOWN),
    ('join(",", ["a", "b"])', "a,b"),
    ('join("-", [1, 2])', "1-2"),
    ('join(",", [])', ""),
    ('join(",", var.u)', UNKNOWN),
    ('format("%s-%d", "a", 1)', "a-1"),
    ('format("%s", true)', "true"),
    ('format("%03d", 5)', "005"),
    ('format("%s", var.u)', UNKNOWN),
    pytest.param('format("%d", 1.5)', UNKNOWN),
    ('upper("ab")', "AB"),
    ('lower("AB")', "ab"),
    ('tolist(["a"])', ["a"]),
    ('can(var.m["a"])', True),
    ('sha256("x")', UNKNOWN),  # not evaluated by the tool
    ('replace("a-b", "-", "_")', "a_b"),
    ('cidrhost("10.0.0.0/24", 5)', "10.0.0.5"),
]


@table(FUNCTIONS)
def test_function(tmp_path, text, expected):
    check(tmp_path, text, expected)


# --- module expansion (load_directory) -------------------------------------------------------

ROOT_TF = """
variable "ports" {
  default = [80, 443]
}

locals {
  name  = "web-${var.ports[0]}"
  a     = local.b
  b     = local.a
  chain = local.step + 1
  step  = 41
}

resource "aws_instance" "web" {
  count = 2
  ami   = "ami-${count.index}"
}

resource "aws_instance" "none" {
  count = 0
}

resource "aws_security_group" "set" {
  for_each    = toset(["b", "a"])
  name        = "sg-${each.key}"
  description = each.value
}

resource "aws_security_group" "map" {
  for_each    = { ssh = 22, https = 443 }
  name        = each.key
  description = "port ${each.value}"
}

resource "aws_instance" "unknown_count" {
  count = length(aws_instance.web[0].ipv6_addresses)
  ami   = count.index
}

resource "aws_security_group" "dyn" {
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port = ingress.value
      to_port   = ingress.key
    }
  }
  dynamic "egress" {
    for_each = aws_instance.web[0].ipv6_addresses
    content {
      from_port = egress.value
    }
  }
}

resource "aws_security_group" "dyn_iter" {
  dynamic "ingress" {
    for_each = { ssh = 22 }
    iterator = rule
    content {
      description = rule.key
      from_port   = rule.value
    }
  }
}

resource "aws_instance" "probe" {
  tags = {
    name       = local.name
    cycle      = local.a
    chain      = local.chain
    web_ids    = aws_instance.web[*].id
    web_legacy = aws_instance.web.*.id
    web1       = aws_instance.web[1].id
    web0_ami   = aws_instance.web[0].ami
    single     = aws_security_group.dyn[*].id
    for_ids    = [for w in aws_instance.web : w.id]
    count_len  = length(aws_instance.web)
    map_ssh    = aws_security_group.map["ssh"].id
    map_name   = aws_security_group.map["ssh"].name
    map_by_key = { for k, sg in aws_security_group.map : k => sg.id }
    mod_a      = module.m["a"].sg_id
    mod_ids    = [for m in module.m : m.sg_id]
    mod_keys   = { for k, m in module.m : k => m.port }
    app_port   = module.app.port
  }
}

module "m" {
  for_each = { a = 1, b = 2 }
  source   = "./modules/sg"
  port     = each.value
}

module "c" {
  count  = 2
  source = "./modules/sg"
  port   = count.index + 100
}

module "net" {
  source = "./modules/net"
}

module "app" {
  source = "./modules/app"
  port   = module.net.port
  sg_id  = module.net.sg_id
}

module "loop" {
  source = "./modules/sg"
  port   = module.loop.port
}
"""

SG_TF = """
variable "port" {}

resource "aws_security_group" "y" {
  ingress {
    from_port = var.port
    to_port   = var.port
  }
}

output "sg_id" {
  value = aws_security_group.y.id
}

output "port" {
  value = var.port
}
"""

NET_TF = """
resource "aws_security_group" "base" {
  name = "base"
}

output "port" {
  value = 8080
}

output "sg_id" {
  value = aws_security_group.base.id
}
"""

APP_TF = """
variable "port" {}
variable "sg_id" {}

module "inner" {
  source = "../sg"
  port   = var.port
}

resource "aws_instance" "this" {
  vpc_security_group_ids = [var.sg_id, module.inner.sg_id]
}

output "port" {
  value = module.inner.port
}
"""


def write_tree(base, files: dict[str, str]):
    (base / ".git").mkdir(exist_ok=True)  # the repository boundary for local module sources
    for name, text in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return base


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    base = write_tree(tmp_path_factory.mktemp("modules"), {
        "root/main.tf": ROOT_TF,
        "root/modules/sg/main.tf": SG_TF,
        "root/modules/net/main.tf": NET_TF,
        "root/modules/app/main.tf": APP_TF,
    })
    return load_directory(str(base / "root"))


def test_instance_addresses(config):
    assert set(config.resources) == {
        "aws_instance.web[0]", "aws_instance.web[1]",  # count = 2; count = 0 gives no instance
        'aws_security_group.set["a"]', 'aws_security_group.set["b"]',
        'aws_security_group.map["https"]', 'aws_security_group.map["ssh"]',
        "aws_security_group.dyn", "aws_security_group.dyn_iter", "aws_instance.probe",
        'module.m["a"].aws_security_group.y', 'module.m["b"].aws_security_group.y',
        "module.c[0].aws_security_group.y", "module.c[1].aws_security_group.y",
        "module.net.aws_security_group.base",
        "module.app.aws_instance.this", "module.app.module.inner.aws_security_group.y",
        "module.loop.aws_security_group.y",
    }


def test_unknown_count_is_noted(config):
    assert any("aws_instance.unknown_count" in note and "count" in note for note in config.notes)


def test_an_instance_that_may_not_exist_is_left_out(config):
    """An instance of an unknown count could make a finding about something that never exists."""
    assert not any(address.startswith("aws_instance.unknown_count") for address in config.resources)


def _ref(address, attribute="id"):
    return Ref(address, attribute)


MODULE_VALUES = [
    ("aws_instance.web[0]", "ami", "ami-0"),
    ("aws_instance.web[1]", "ami", "ami-1"),
    ('aws_security_group.set["a"]', "name", "sg-a"),
    ('aws_security_group.set["b"]', "description", "b"),  # each.value of a set is its key
    ('aws_security_group.map["ssh"]', "name", "ssh"),
    ('aws_security_group.map["ssh"]', "description", "port 22"),
    ('aws_security_group.map["https"]', "description", "port 443"),
    ("aws_security_group.dyn", "ingress", [{"from_port": 80, "to_port": 0}, {"from_port": 443, "to_port": 1}]),
    ("aws_security_group.dyn", "egress", UNKNOWN),
    ("aws_security_group.dyn_iter", "ingress", [{"description": "ssh", "from_port": 22}]),
    ("aws_instance.probe", "tags.name", "web-80"),
    ("aws_instance.probe", "tags.cycle", UNKNOWN),  # a cycle between locals, not a RecursionError
    ("aws_instance.probe", "tags.chain", 42),
    ("aws_instance.probe", "tags.web_ids", [_ref("aws_instance.web[0]"), _ref("aws_instance.web[1]")]),
    ("aws_instance.probe", "tags.web_legacy", [_ref("aws_instance.web[0]"), _ref("aws_instance.web[1]")]),
    ("aws_instance.probe", "tags.web1", _ref("aws_instance.web[1]")),
    ("aws_instance.probe", "tags.web0_ami", "ami-0"),
    ("aws_instance.probe", "tags.single", [_ref("aws_security_group.dyn")]),  # a single resource splats to [it]
    ("aws_instance.probe", "tags.for_ids", [_ref("aws_instance.web[0]"), _ref("aws_instance.web[1]")]),
    ("aws_instance.probe", "tags.count_len", 2),
    ("aws_instance.probe", "tags.map_ssh", _ref('aws_security_group.map["ssh"]')),
    ("aws_instance.probe", "tags.map_name", "ssh"),
    pytest.param("aws_instance.probe", "tags.map_by_key",
                 {"ssh": _ref('aws_security_group.map["ssh"]'), "https": _ref('aws_security_group.map["https"]')}),
    pytest.param("aws_instance.probe", "tags.mod_keys", {"a": 1, "b": 2}),
    ("aws_instance.probe", "tags.mod_a", _ref('module.m["a"].aws_security_group.y')),
    ("aws_instance.probe", "tags.mod_ids",
     [_ref('module.m["a"].aws_security_group.y'), _ref('module.m["b"].aws_security_group.y')]),
    ("aws_instance.probe", "tags.app_port", 8080),  # root <- module.app output <- module.app.module.inner
    ('module.m["a"].aws_security_group.y', "ingress", [{"from_port": 1, "to_port": 1}]),
    ('module.m["b"].aws_security_group.y', "ingress", [{"from_port": 2, "to_port": 2}]),
    ("module.c[0].aws_security_group.y", "ingress", [{"from_port": 100, "to_port": 100}]),
    ("module.c[1].aws_security_group.y", "ingress", [{"from_port": 101, "to_port": 101}]),
    ("module.net.aws_security_group.base", "name", "base"),
    ("module.app.module.inner.aws_security_group.y", "ingress", [{"from_port": 8080, "to_port": 8080}]),
    ("module.app.aws_instance.this", "vpc_security_group_ids",
     [_ref("module.net.aws_security_group.base"), _ref("module.app.module.inner.aws_security_group.y")]),
    ("module.loop.aws_security_group.y", "ingress", [{"from_port": UNKNOWN, "to_port": UNKNOWN}]),  # cycle
]


@pytest.mark.parametrize("address, path, expected", MODULE_VALUES)
def test_module_value(config, address, path, expected):
    value = config.resources[address].values
    for step in path.split("."):
        value = value[step]
    assert same(value, expected), f"{address} {path} -> {value!r}, expected {expected!r}"


def test_root_values_replace_variable_defaults(tmp_path):
    write_tree(tmp_path, {"root/main.tf": ROOT_TF, "root/modules/sg/main.tf": SG_TF,
                          "root/modules/net/main.tf": NET_TF, "root/modules/app/main.tf": APP_TF})
    config = load_directory(str(tmp_path / "root"), root_values={"ports": [22]})
    assert same(config.resources["aws_security_group.dyn"].values["ingress"], [{"from_port": 22, "to_port": 0}])
    assert same(config.resources["aws_instance.probe"].values["tags"]["name"], "web-22")


def test_unknown_for_each_may_not_exist_and_is_noted(tmp_path):
    write_tree(tmp_path, {"main.tf": """
resource "aws_instance" "web" {
  ami = "x"
}

resource "aws_security_group" "s" {
  for_each = aws_instance.web.tags_all
  name     = each.key
}
"""})
    config = load_directory(str(tmp_path))
    assert not [a for a in config.resources if a.startswith("aws_security_group.s")]
    assert any("aws_security_group.s" in note and "for_each" in note for note in config.notes)


def test_resource_attribute_cycle_is_unknown(tmp_path):
    write_tree(tmp_path, {"main.tf": """
resource "aws_security_group" "s" {
  name        = aws_security_group.s.description
  description = aws_security_group.s.name
}
"""})
    values = load_directory(str(tmp_path)).resources["aws_security_group.s"].values
    assert same(values, {"name": UNKNOWN, "description": UNKNOWN})


def test_ignore_changes_on_a_part_leaves_the_rest_known(tmp_path):
    write_tree(tmp_path, {"main.tf": """
locals {
  tags = { team = "web", build = "1" }
}
resource "aws_autoscaling_group" "app" {
  tags_all = local.tags
  mixed_instances_policy {
    launch_template {
      launch_template_specification {
        launch_template_id = "lt-0123"
        version            = "$Latest"
      }
    }
  }
  lifecycle {
    ignore_changes = [mixed_instances_policy[0].launch_template[0].launch_template_specification[0].version,
                      tags_all["build"], max_size]
  }
}
resource "aws_autoscaling_group" "other" {
  tags_all = local.tags
}
"""})
    resources = load_directory(str(tmp_path)).resources
    values = resources["aws_autoscaling_group.app"].values
    spec = values["mixed_instances_policy"][0]["launch_template"][0]["launch_template_specification"][0]
    assert spec["launch_template_id"] == "lt-0123"
    assert isinstance(spec["version"], Unknown)
    assert values["tags_all"]["team"] == "web" and isinstance(values["tags_all"]["build"], Unknown)
    assert isinstance(values["max_size"], Unknown)
    # The local the two groups share is left as configured for the other one.
    assert resources["aws_autoscaling_group.other"].values["tags_all"] == {"team": "web", "build": "1"}
