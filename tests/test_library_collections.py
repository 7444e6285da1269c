"""Terraform's collection and type-conversion functions (library_collections.py).

Expected values are Terraform's documented examples and semantics (developer.hashicorp.com's
function pages, cty's conversion rules), not this tool's output. A case Terraform rejects is
written `try(f(...), "fallback")`, so it checks that the error is one `try` recovers from.
"""

from __future__ import annotations

from test_hcl_expr import UNKNOWN, OrUnknown, check, parse_expr, resolve, same, table  # noqa: F401

from tflint_sg.config import Ref
from tflint_sg.load.expressions.evaluate import evaluate
from tflint_sg.load.expressions.values import Scope, TfSet

F = "fallback"

COLLECTIONS = [
    # range
    ("range(3)", [0, 1, 2]),
    ("range(1, 4)", [1, 2, 3]),
    ("range(1, 8, 2)", [1, 3, 5, 7]),
    ("range(1, 4, 0.5)", [1, 1.5, 2, 2.5, 3, 3.5]),
    ("range(4, 1)", [4, 3, 2]),
    ("range(10, 5, -2)", [10, 8, 6]),
    ("range(0)", []),
    ("range(1, 4, -1)", []),
    ("range(0, 1, 0.1)", [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
    ('range("3")', [0, 1, 2]),
    ("length(range(1024))", 1024),
    ('try(range(1025), "fallback")', F),
    ('try(range(1, 2, 0), "fallback")', F),
    ('try(range(), "fallback")', F),
    ('try(range(1, 2, 3, 4), "fallback")', F),
    ('try(range("x"), "fallback")', F),
    ('try(range(null), "fallback")', F),
    ("range(var.u)", UNKNOWN),
    # zipmap
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('zipmap(["a", "b"], ["x", "y"])', {"a": "x", "b": "y"}),
    ("zipmap([], [])", {}),
    ('zipmap(["a", "a"], [1, 2])', {"a": 2}),  # a repeated key takes the last value
    ("zipmap([1, 2], var.ports)", {"1": 80, "2": 443}),
    ('zipmap(["a"], [var.u])["a"]', UNKNOWN),
    ('try(zipmap(["a", "b"], [1]), "fallback")', F),
    ('try(zipmap("a", [1]), "fallback")', F),
    ('zipmap(var.u, [1])', UNKNOWN),
    # setproduct
    ('setproduct(["development", "staging"], ["app1", "app2"])',
     [["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"]]),
    ('setproduct(["a"], [])', []),
    ('setproduct(var.ports, ["tcp"])', [[80, "tcp"], [443, "tcp"]]),
    ('length(setproduct(toset(["a", "b"]), toset(["c"])))', OrUnknown(2)),
    ('try(setproduct(["a"]), "fallback")', F),
    ('try(setproduct("a", ["b"]), "fallback")', F),
    ('setproduct(var.u, ["a"])', UNKNOWN),
    # setunion / setintersection / setsubtract
    ('setunion(["a", "b"], ["b", "c"], ["d"])', ["a", "b", "c", "d"]),
    ('setunion(["c"], ["a", "b"])', ["a", "b", "c"]),
    ("setunion([443], [80, 22])", [22, 80, 443]),
    ('setunion(["a"], [1])', ["1", "a"]),  # elements unify to strings
    ("setunion([])", []),
    ('try(setunion([true], [1]), "fallback")', F),
    ('try(setunion("a"), "fallback")', F),
    ('setunion(["a"], var.u)', UNKNOWN),
    ('setunion(["a"], [var.u])', UNKNOWN),
    ('setintersection(["a", "b"], ["b", "c"], ["b", "d"])', ["b"]),
    ('setintersection(["b", "a"], ["a", "b"])', ["a", "b"]),
    ('setintersection(["a"], ["z"])', []),
    ('setintersection(["1"], [1])', ["1"]),
    ('setintersection(["a"], var.u)', UNKNOWN),
    ('setsubtract(["a", "b", "c"], ["a", "c"])', ["b"]),
    ('setsubtract(["c", "b", "a"], [])', ["a", "b", "c"]),
    ("setsubtract([80, 443, 22], [22])", [80, 443]),
    ('try(setsubtract(["a"]), "fallback")', F),
    ('setsubtract(var.u, ["a"])', UNKNOWN),
    # one
    ("one([])", None),
    ('one(["hello"])', "hello"),
    ('try(one(["hello", "goodbye"]), "fallback")', F),
    ('one(toset(["a", "a"]))', "a"),
    ("one(toset([]))", None),
    ('try(one(null), "fallback")', F),
    ('try(one("a"), "fallback")', F),
    ("one(var.u)", UNKNOWN),
    # alltrue / anytrue
    ('alltrue(["true", true])', True),
    ("alltrue([true, false])", False),
    ("alltrue([])", True),
    ("alltrue([false, var.u])", False),
    ("alltrue([true, var.u])", UNKNOWN),
    ('try(alltrue([1]), "fallback")', F),
    ('try(alltrue("true"), "fallback")', F),
    ("alltrue(var.u)", UNKNOWN),
    ('anytrue(["true"])', True),
    ("anytrue([true])", True),
    ("anytrue([true, false])", True),
    ("anytrue([])", False),
    ("anytrue([false, false])", False),
    ("anytrue([var.u, true])", True),
    ("anytrue([var.u, false])", UNKNOWN),
    ('try(anytrue(["x"]), "fallback")', F),
    # coalescelist
    ('coalescelist(["a", "b"], ["c", "d"])', ["a", "b"]),
    ('coalescelist([], ["c", "d"])', ["c", "d"]),
    ('coalescelist([], null, ["e"])', ["e"]),
    ("coalescelist([], var.ports)", [80, 443]),
    ('coalescelist(["a"], var.u)', ["a"]),
    ('coalescelist([], var.u)', UNKNOWN),
    ('try(coalescelist([], []), "fallback")', F),
    ('try(coalescelist("a"), "fallback")', F),
    # sort
    ('sort(["e", "d", "a", "x"])', ["a", "d", "e", "x"]),
    ("sort([])", []),
    ("sort([10, 9, 1])", ["1", "10", "9"]),  # strings, sorted lexically
    ('sort(["B", "a", "A"])', ["A", "B", "a"]),
    ('try(sort([["a"]]), "fallback")', F),
    ('try(sort("a"), "fallback")', F),
    ('sort(["a", var.u])', UNKNOWN),
    # slice
    ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]),
    ('slice(["a", "b"], 0, 0)', []),
    ('slice(["a", "b"], 2, 2)', []),
    ("slice(var.ports, 0, 1)", [80]),
    ('try(slice(["a", "b"], 1, 3), "fallback")', F),
    ('try(slice(["a", "b"], 2, 1), "fallback")', F),
    ('try(slice(["a", "b"], -1, 1), "fallback")', F),
    ('try(slice(toset(["a"]), 0, 1), "fallback")', F),
    ("slice(var.u, 0, 1)[0]", UNKNOWN),
    # A list unknown until apply sliced at known bounds has that many elements, or Terraform
    # fails: one subnet per zone of `slice(data.aws_availability_zones...names, 0, 3)`.
    ("length(slice(var.u, 0, 3))", 3),
    ("[for i, zone in slice(var.u, 1, 3) : i]", [0, 1]),
    ("length(slice(var.u, 2, 2))", 0),
    ("slice(var.u, var.u, 3)", UNKNOWN),
    ("slice(var.u, 2, 1)", UNKNOWN),
    ('slice(["a"], 0, var.u)', UNKNOWN),
    # index
    ('index(["a", "b", "c"], "b")', 1),
    ('index(["a", "b", "a"], "a")', 0),
    ("index(var.ports, 443)", 1),
    ('try(index(["a"], "z"), "fallback")', F),
    ('try(index([], "a"), "fallback")', F),
    ('try(index("a", "a"), "fallback")', F),
    ('index(var.u, "a")', UNKNOWN),
    ('index(["a", "b"], var.u)', UNKNOWN),
    # chunklist
    ('chunklist(["a", "b", "c", "d", "e"], 2)', [["a", "b"], ["c", "d"], ["e"]]),
    ('chunklist(["a", "b", "c", "d", "e"], 1)', [["a"], ["b"], ["c"], ["d"], ["e"]]),
    ('chunklist(["a", "b"], 0)', [["a", "b"]]),
    ("chunklist([], 2)", []),
    ('try(chunklist(["a"], -1), "fallback")', F),
    ('try(chunklist("a", 1), "fallback")', F),
    ("chunklist(var.u, 2)", UNKNOWN),
    # reverse
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ("reverse([])", []),
    ('try(reverse("abc"), "fallback")', F),
    ("reverse(var.u)", UNKNOWN),
    # sum
    ("sum([10, 13, 6, 4.5])", 33.5),
    ("sum([1])", 1),
    ("sum([0.1, 0.2])", 0.3),
    ('sum(["1", 2])', 3),
    ("sum(toset([2, 2, 3]))", 5),
    ('try(sum([]), "fallback")', F),
    ('try(sum([true]), "fallback")', F),
    ('try(sum([null]), "fallback")', F),
    ('try(sum(1), "fallback")', F),
    ("sum([1, var.u])", UNKNOWN),
    # matchkeys
    ('matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])',
     ["i-abc", "i-def"]),
    ('matchkeys(["a", "b"], ["x", "y"], [])', []),
    ('matchkeys(["a", "b"], [1, 2], ["2"])', ["b"]),
    ('try(matchkeys(["a"], ["x", "y"], ["x"]), "fallback")', F),
    ('matchkeys(["a"], ["x"], var.u)', UNKNOWN),
    ('matchkeys(["a"], [var.u], ["x"])', UNKNOWN),
    # transpose
    ('transpose({a = ["1", "2"], b = ["2", "3"]})', {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ("transpose({})", {}),
    ('transpose({b = ["x"], a = ["x"]})', {"x": ["a", "b"]}),
    ('try(transpose({a = "1"}), "fallback")', F),
    ('try(transpose(["a"]), "fallback")', F),
    ("transpose(var.u)", UNKNOWN),
    # tobool
    ('tobool(true)', True),
    ('tobool("true")', True),
    ('tobool("false")', False),
    ("tobool(null)", None),
    ('try(tobool("no"), "fallback")', F),
    ('try(tobool(1), "fallback")', F),
    ("tobool(var.u)", UNKNOWN),
    # tolist / toset / tomap
    ('tolist(["a", "b", "c"])', ["a", "b", "c"]),
    ('tolist(["a", 1])', ["a", "1"]),
    ('tolist(["a", true])', ["a", "true"]),
    ("tolist([1, 2.5])", [1, 2.5]),
    ('tolist(["a", null])', ["a", None]),
    ('tolist(toset(["b", "a"]))', ["a", "b"]),
    ("tolist(null)", None),
    ("tolist([])", []),
    ('try(tolist([1, true]), "fallback")', F),
    ('try(tolist(["a", ["b"]]), "fallback")', F),
    ('try(tolist("a"), "fallback")', F),
    ('try(tolist({a = 1}), "fallback")', F),
    ("tolist(var.u)", UNKNOWN),
    ("tolist([var.u, 1])", UNKNOWN),  # an unknown string would turn 1 into "1"
    ('toset(["a", "b", "c"])', ["a", "b", "c"]),
    ('toset(["c", "b", "b"])', ["b", "c"]),
    ('toset(["a", 1])', ["1", "a"]),
    ('toset(["1", 1])', ["1"]),
    ("toset([443, 80, 80.0])", [80, 443]),
    ("toset([true, false, true])", [False, True]),
    ("toset([])", []),
    ("toset(null)", None),
    ('try(toset([1, true]), "fallback")', F),
    ('try(toset("a"), "fallback")', F),
    ('toset(["a", var.u])', UNKNOWN),
    ('tomap({a = 1, b = 2})', {"a": 1, "b": 2}),
    ('tomap({a = "foo", b = true})', {"a": "foo", "b": "true"}),
    ('tomap({a = 1, b = "x"})', {"a": "1", "b": "x"}),
    ("tomap({})", {}),
    ("tomap(null)", None),
    ('try(tomap({a = 1, b = true}), "fallback")', F),
    ('try(tomap(["a"]), "fallback")', F),
    ("tomap(var.u)", UNKNOWN),
    # element
    ('element(["a", "b", "c"], 1)', "b"),
    ('element(["a", "b", "c"], 3)', "a"),
    ('element(["a", "b", "c"], 5)', "c"),
    ('element(["a", "b", "c"], "1")', "b"),
    ('try(element(["a", "b"], -1), "fallback")', F),
    ('try(element([], 0), "fallback")', F),
    ('try(element(["a"], 0.5), "fallback")', F),
    ('try(element(toset(["a"]), 0), "fallback")', F),
    ('try(element("a", 0), "fallback")', F),
    ("element(var.u, 0)", UNKNOWN),
    ('element(["a"], var.u)', UNKNOWN),
    # lookup
    ('lookup({a = "ay", b = "bee"}, "a", "what?")', "ay"),
    ('lookup({a = "ay", b = "bee"}, "c", "what?")', "what?"),
    ('lookup({a = "ay"}, "a")', "ay"),
    ('try(lookup({a = "ay"}, "c"), "fallback")', F),
    ('lookup({"1" = "one"}, 1)', "one"),
    ('lookup(var.m, "zz", null)', None),
    ('try(lookup(["a"], "a", "d"), "fallback")', F),
    ('try(lookup(null, "a", "d"), "fallback")', F),
    ('lookup(var.u, "a", "d")', UNKNOWN),
    ('lookup(var.m, var.u, "d")', UNKNOWN),
    # keys / values
    ('keys({a = 1, c = 2, d = 3})', ["a", "c", "d"]),
    ("keys({b = 1, a = 2})", ["a", "b"]),
    ("keys({})", []),
    ("keys(var.obj)", ["id", "name"]),
    ('try(keys(["a"]), "fallback")', F),
    ('try(keys(null), "fallback")', F),
    ("keys(var.u)", UNKNOWN),
    ('values({a = 3, c = 2, d = 1})', [3, 2, 1]),
    ("values({b = 1, a = 2})", [2, 1]),
    ("values(var.obj)", ["sg-9", "web"]),
    ('try(values("a"), "fallback")', F),
    ("values(var.u)", UNKNOWN),
    # flatten
    ('flatten([["a", "b"], [], ["c"]])', ["a", "b", "c"]),
    ('flatten([[["a", "b"], []], ["c"]])', ["a", "b", "c"]),
    ('flatten([toset(["b", "a"]), ["c"]])', ["a", "b", "c"]),
    ("flatten([])", []),
    ("flatten([1, [2, [3]]])", [1, 2, 3]),
    ("flatten(var.objs[*].ports)", [1, 2, 3, 4]),
    ('try(flatten("a"), "fallback")', F),
    ('flatten([["a"], var.u])', UNKNOWN),
    ("flatten(var.u)", UNKNOWN),
    # concat
    ('concat(["a", ""], ["b", "c"])', ["a", "", "b", "c"]),
    ("concat([])", []),
    ("concat(var.ports, [22])", [80, 443, 22]),
    ('try(concat(), "fallback")', F),
    ('try(concat(["a"], "b"), "fallback")', F),
    ('try(concat(["a"], toset(["b"])), "fallback")', F),
    ('concat(["a"], var.u)', UNKNOWN),
    # contains
    ('contains(["a", "b", "c"], "a")', True),
    ('contains(["a", "b", "c"], "d")', False),
    ("contains(var.ports, 443)", True),
    ('contains(toset(["a"]), "a")', True),
    ("contains([], 1)", False),
    ('try(contains("a", "a"), "fallback")', F),
    ("contains(var.u, 1)", UNKNOWN),
    ('contains(["a"], var.u)', UNKNOWN),
    ('contains([var.u], "a")', UNKNOWN),
    # distinct
    ('distinct(["a", "b", "a", "c", "d", "b"])', ["a", "b", "c", "d"]),
    ("distinct([])", []),
    ('distinct(["1", 1])', ["1"]),
    ('try(distinct([1, true]), "fallback")', F),
    ('try(distinct("a"), "fallback")', F),
    ("distinct(var.u)", UNKNOWN),
    ('distinct(["a", var.u])', UNKNOWN),
    # A created group's id equals only itself (the vpc-endpoints module's groups list).
    ('distinct([var.ref, "sg-1", var.ref])', [Ref("aws_security_group.x", "id"), "sg-1"]),
    ('length(distinct(concat([var.ref], []))) > 0', True),
    # compact
    ('compact(["a", "", "b", null, "c"])', ["a", "b", "c"]),
    ("compact([])", []),
    ('compact([1, "", true])', ["1", "true"]),
    ('try(compact([["a"]]), "fallback")', F),
    ('try(compact("a"), "fallback")', F),
    ("compact(var.u)", UNKNOWN),
    ('compact(["a", var.u])', UNKNOWN),
    # An id or ARN AWS assigns on creation is never empty, so compact keeps it.
    ('compact(concat([var.ref], ["", null]))', [Ref("aws_security_group.x", "id")]),
    ('length(compact([var.arn, ""]))', 1),
    # length
    ("length([])", 0),
    ('length(["a", "b"])', 2),
    ('length({"a" = "b"})', 1),
    ('length("hello")', 5),
    ('length("")', 0),
    ('length("\u00e9t\u00e9")', 3),  # Unicode characters, not bytes
    ('length(toset(["a", "a", "b"]))', 2),
    ("length(var.obj)", 2),
    ("length([var.u, 1])", 2),
    ('try(length(5), "fallback")', F),
    ('try(length(true), "fallback")', F),
    ('try(length(null), "fallback")', F),
    ("length(var.u)", UNKNOWN),
    # merge
    ('merge({a = "b", c = "d"}, {e = "f", c = "z"})', {"a": "b", "c": "z", "e": "f"}),
    ('merge({a = "b"}, {a = [1, 2], c = "z"}, {d = 3})', {"a": [1, 2], "c": "z", "d": 3}),
    ("merge()", {}),
    ("merge({a = 1}, null)", {"a": 1}),
    ("merge(var.m, var.obj)", {"a": "sg-1", "id": "sg-9", "name": "web"}),
    ('try(merge({a = 1}, ["b"]), "fallback")', F),
    ('try(merge("a"), "fallback")', F),
    ("merge({a = 1}, var.u)", UNKNOWN),
    # references to ids created on apply: distinct from each other and from every literal
    ('length(toset([var.ref, "sg-1", var.ref]))', 2),
    ('contains(toset([var.ref, "sg-1"]), "sg-1")', UNKNOWN),
    ('tolist(toset([var.ref, "sg-1"]))', UNKNOWN),  # where the id sorts is known only after apply
    ("toset([var.ref, 1])", UNKNOWN),
    ('flatten([[var.ref], ["sg-1"]])', [Ref("aws_security_group.x", "id"), "sg-1"]),
    ('concat([var.ref], ["sg-1"])', [Ref("aws_security_group.x", "id"), "sg-1"]),
    ('tolist([var.ref, "sg-1"])', [Ref("aws_security_group.x", "id"), "sg-1"]),
    ("length([var.ref])", 1),
]


@table(COLLECTIONS)
def test_collection_function(tmp_path, text, expected):
    check(tmp_path, text, expected)


SETS = [
    'toset(["b", "a"])',
    "setunion([1], [2])",
    'setintersection(["a"], ["a"])',
    'setsubtract(["a"], [])',
]


@table([(text, None) for text in SETS])
def test_set_results_are_sets(tmp_path, text, expected):
    assert isinstance(evaluate(parse_expr(tmp_path, text), Scope(resolve)), TfSet)


@table([(text, None) for text in ['tolist(toset(["a"]))', 'sort(toset(["a"]))', "flatten([toset([1])])",
                                   'setproduct(["a"], ["b"])']])
def test_list_results_are_lists(tmp_path, text, expected):
    value = evaluate(parse_expr(tmp_path, text), Scope(resolve))
    assert isinstance(value, list) and not isinstance(value, TfSet)
