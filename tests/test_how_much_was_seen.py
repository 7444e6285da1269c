"""A clean run and a run that saw little must read differently: every format that carries a
summary counts the flows by verdict and the resources left unexpanded, per input."""

from conftest import benchmark_generator

from tflint_sg.coverage import most_frequent, reasons, tally

# story: aws_lb.web forwards tcp/80 to aws_instance.web[0] and [1] (the health check is on the
# traffic port), and their only group admits tcp/443: both flows blocked, so both decided. The
# database's group names no compute group, so no app tier means to reach it: no data flow.
# unknowns: each of its three targets is judged through a group or a prefix list the
# configuration does not define: three flows, none decided. No data store.


def test_the_summary_counts_flows_by_verdict(tflint_sg):
    def summary(*paths):
        return tflint_sg(*paths).stdout.splitlines()[-1]

    assert summary("fixtures/story") == (
        "2 issues found (2 errors) in 1 input; 2 load balancer flows, all decided; no data flows.")
    assert summary("fixtures/unknowns/plan.json") == (
        "No issues found in 1 input; 3 load balancer flows, none decided; no data flows; "
        "3 checks not decided (--verbose says why).")
    # Two instances in the app group, which each of the four stores' groups admits (a database,
    # a cache, two mount targets of one file system), and which sends anywhere: 8 flows allowed.
    assert summary("fixtures/tier_db_ok") == "No issues found in 1 input; no load balancer flows; 8 data flows, all decided."
    # One client whose egress does not reach the database it is admitted to.
    assert summary("fixtures/tier_client_egress_blocked") == (
        "1 issue found (1 error) in 1 input; no load balancer flows; 1 data flow, decided.")
    # The database's groups are a variable without a value: who its clients are stays open.
    assert summary("fixtures/tier_unknown_group_ok") == (
        "No issues found in 1 input; no load balancer flows; 1 data flow, undecided; "
        "1 check not decided (--verbose says why).")


def test_several_inputs_get_a_line_each_before_the_total(tflint_sg):
    out = tflint_sg("fixtures/story", "fixtures/unknowns").stdout.splitlines()
    assert out[-3:] == [
        "fixtures/story: 2 issues; 2 load balancer flows, all decided; no data flows",
        "fixtures/unknowns: 3 load balancer flows, none decided; no data flows; 3 checks not decided",
        "2 issues found (2 errors) in 2 inputs; 5 load balancer flows: 2 decided, 3 undecided; no data flows; "
        "3 checks not decided (--verbose says why).",
    ]
    # One input needs no line of its own: the total is its line.
    assert tflint_sg("fixtures/story").stdout.splitlines()[-2] == ""


def test_json_counts_per_input_beside_the_old_keys(tflint_sg):
    story, unknowns = tflint_sg("--format", "json", "fixtures/story", "fixtures/unknowns").json()["inputs"]
    assert story["flows_checked"] == 2 and story["undecided"] == 0
    assert story["load_balancer_flows"] == {"decided": 2, "undecided": 0, "allowed": 0, "blocked": 2}
    assert story["data_flows"] == {"decided": 0, "undecided": 0, "allowed": 0, "blocked": 0}
    assert story["not_expanded"] == 0 and story["unresolved_reasons"] == []
    assert unknowns["flows_checked"] == 3 and unknowns["undecided"] == 3 and len(unknowns["unresolved"]) == 3
    assert unknowns["load_balancer_flows"] == {"decided": 0, "undecided": 3, "allowed": 0, "blocked": 0}
    # batch and legacy both carry the baseline group from outside; renderer is admitted by a prefix list.
    assert unknowns["unresolved_reasons"] == [
        {"reason": "sg-0abc1234def567890 is not created by this configuration", "count": 2},
        {"reason": "a rule admits tcp/80 from pl-0123456789abcdef0; a prefix list's addresses are not in the "
                   "configuration", "count": 1},
    ]
    # Both app instances are admitted on 3306 to a postgres database on 5432: both blocked.
    (mismatch,) = tflint_sg("--format", "json", "fixtures/tier_db_port_mismatch").json()["inputs"]
    assert mismatch["data_flows"] == {"decided": 2, "undecided": 0, "allowed": 0, "blocked": 2}


def test_verbose_puts_the_most_frequent_reasons_last(tflint_sg):
    out = tflint_sg("-v", "fixtures/unknowns/plan.json").stdout.splitlines()
    start = out.index("reasons, most frequent first:")
    assert out[start - 2].startswith("note: aws_lb.reports -> aws_instance.renderer")
    assert out[start + 1:start + 4] == [
        "  2 x sg-0abc1234def567890 is not created by this configuration",
        "  1 x a rule admits tcp/80 from pl-0123456789abcdef0; a prefix list's addresses are not in the configuration",
        "",
    ]
    # Over several inputs the reasons add up: the directory and its plan leave the same flows open.
    both = tflint_sg("-v", "fixtures/unknowns", "fixtures/unknowns/plan.json").stdout.splitlines()
    start = both.index("reasons, most frequent first:")
    assert both[start + 1:start + 3] == [
        "  4 x sg-0abc1234def567890 is not created by this configuration",
        "  2 x a rule admits tcp/80 from pl-0123456789abcdef0; a prefix list's addresses are not in the configuration",
    ]
    # A single note is its own reason: nothing to group.
    assert "reasons, most frequent first:" not in tflint_sg("-v", "fixtures/guard_literal_sg_id").stdout


def test_copies_of_a_module_share_one_reason(tflint_sg, tmp_path):
    # Each stack's database group admits its clients through a dynamic block a plan does not keep.
    plan = tmp_path / "plan.json"
    with plan.open("w") as out:
        benchmark_generator().write_plan(out, 3)
    out = tflint_sg("-v", str(plan)).stdout.splitlines()
    start = out.index("reasons, most frequent first:")
    assert out[start + 1] == (
        "  3 x module.stack[*].module.security.aws_security_group.db admits tcp/5432 from peers that are not known "
        "(value not in the plan's configuration (dynamic block?)), so its clients are not known")
    # Each stack's cache names its client; the database's clients are not known.
    assert out[-1].endswith("6 data flows: 3 decided, 3 undecided; 3 checks not decided.")


def test_sarif_and_markdown_carry_the_counts(tflint_sg):
    log = tflint_sg("--format", "sarif", "fixtures/unknowns").json()
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["properties"] == {"inputs": [{
        "path": "fixtures/unknowns",
        "loadBalancerFlows": {"decided": 0, "undecided": 3, "allowed": 0, "blocked": 0},
        "dataFlows": {"decided": 0, "undecided": 0, "allowed": 0, "blocked": 0},
        "notExpanded": 0,
        "undecided": 3,
    }]}
    comment = tflint_sg("--format", "markdown", "fixtures/story", "fixtures/tier_db_ok").stdout.splitlines()
    assert comment[2:7] == [
        "In 2 inputs: 2 load balancer flows, all decided; 8 data flows, all decided.",
        "",
        "- fixtures/story: 2 issues; 2 load balancer flows, all decided; no data flows",
        "- fixtures/tier_db_ok: no load balancer flows; 8 data flows, all decided",
        "",
    ]


def test_reasons_leave_out_the_addresses_they_are_about():
    assert reasons("aws_instance.a: sg-1 is not created by this configuration; "
                   'module.m["x"].aws_security_group.g: its egress rules cannot be fully resolved') == [
        "sg-1 is not created by this configuration", "its egress rules cannot be fully resolved"]
    # A semicolon inside one reason does not split it; an index that is no instance key stays.
    assert reasons("aws_security_group.r: a rule admits tcp/80 from pl-1; a prefix list's addresses are unknown") == [
        "a rule admits tcp/80 from pl-1; a prefix list's addresses are unknown"]
    assert reasons("module.app[2].aws_lb.x: its port is unknown") == ["its port is unknown"]
    # Nothing but an address: the address is the reason.
    assert reasons("aws_lb.x: ") == ["aws_lb.x: "]
    counts = tally(["a.b: x", "c.d: x", "e.f: y; g.h: y", "z"])
    assert counts == {"x": 2, "y": 1, "z": 1}
    assert most_frequent(counts) == [(2, "x"), (1, "y"), (1, "z")]
