"""`graph --format mermaid` and the markdown report draw the same picture of the tiers.

Users put one next to the other: the same endpoints in the same tiers with the same labels, the
same edges with the same verdicts, and the same unreachable marks. Each picture is read back
from the Mermaid text (nodes, edges, which links are drawn red, which nodes are outlined), and
the marks each fixture must show are reasoned from its configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from conftest import run_in_process

_SUBGRAPH = re.compile(r'^\s*subgraph (\w+)\["[^"]*"\]$')
_NODE = re.compile(r'^\s*(\w+)\["([^"]*)"\]$')
_SOLID = re.compile(r"^\s*(\w+) -- (\S+?(?: NACL)?)( ✗)? --> (\w+)$")
_DASHED = re.compile(r"^\s*(\w+) -\. (\S+) \.-> (\w+)$")
_LINK_STYLE = re.compile(r"^\s*linkStyle ([\d,]+) stroke:#d00")
_STYLE = re.compile(r"^\s*style (\w+) stroke:(#\w+)")


@dataclass
class Picture:
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (tier, label)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # (from, to, label, how drawn)
    red_links: set[int] = field(default_factory=set)
    outlines: dict[str, str] = field(default_factory=dict)  # id -> color

    def node(self, address: str) -> str:
        (found,) = [node for node, (_, label) in self.nodes.items() if label.split(" ")[0] == address]
        return found

    def label(self, address: str) -> str:
        return self.nodes[self.node(address)][1]

    def edge(self, source: str, target: str) -> tuple[str, str]:
        """(label, "blocked", "undecided" or "allowed"), checking that red links and ✗ agree."""
        (index,) = [i for i, (a, b, _, _) in enumerate(self.edges) if (a, b) == (self.node(source), self.node(target))]
        _, _, label, drawn = self.edges[index]
        assert (drawn == "blocked") == (index in self.red_links), f"edge {index}: ✗ and red disagree"
        return label, drawn

    def edges_between(self, tier_from: str, tier_to: str) -> set[tuple[str, str]]:
        return {(self.nodes[a][1], self.nodes[b][1]) for a, b, _, _ in self.edges
                if self.nodes[a][0] == tier_from and self.nodes[b][0] == tier_to}


def parse(text: str) -> Picture:
    picture = Picture()
    tier = None
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        if match := _SUBGRAPH.match(line):
            tier = match[1]
        elif line.strip() == "end":
            tier = None
        elif match := _NODE.match(line):
            assert tier is not None, f"a node outside its tier: {line}"
            picture.nodes[match[1]] = (tier, match[2])
        elif match := _SOLID.match(line):
            picture.edges.append((match[1], match[4], match[2], "blocked" if match[3] else "allowed"))
        elif match := _DASHED.match(line):
            picture.edges.append((match[1], match[3], match[2], "undecided"))
        elif match := _LINK_STYLE.match(line):
            picture.red_links.update(int(n) for n in match[1].split(","))
        elif match := _STYLE.match(line):
            picture.outlines[match[1]] = match[2]
        else:
            raise AssertionError(f"a line the test does not know: {line!r}")
    return picture


def pictures(case: str) -> tuple[Picture, Picture]:
    """The graph command's picture and the markdown report's, of one fixture."""
    graph = run_in_process("graph", "--format", "mermaid", f"fixtures/{case}")
    assert graph.code == 0, graph.stderr
    report = run_in_process("--format", "markdown", f"fixtures/{case}")
    (block,) = re.findall(r"^```mermaid\n(.*?)^```$", report.stdout, flags=re.S | re.M)
    return parse(graph.stdout), parse(block)


CASES = ("story", "tier_db_unreachable", "tier_db_port_mismatch", "tier_client_egress_blocked",
         "expose_listener_unreachable", "modules_three_levels", "tier_db_ok", "expose_db_to_lb",
         "ecs_bridge_dynamic_blocked", "health_check_port", "nlb", "nacl_request_blocked",
         "vpc_endpoint_fargate_pull")


@pytest.mark.parametrize("case", CASES)
def test_both_pictures_have_the_same_nodes_edges_and_unreachable_marks(case):
    graph, report = pictures(case)
    assert graph.nodes == report.nodes
    assert graph.edges == report.edges
    assert graph.red_links == report.red_links
    red = {node for node, color in graph.outlines.items() if color == "#d00"}
    assert red == {node for node, color in report.outlines.items() if color == "#d00"}
    assert red == {node for node, (_, label) in graph.nodes.items() if "unreachable" in label}


def both(case: str) -> list[Picture]:
    return list(pictures(case))


def test_story():
    # aws_security_group.public admits only tcp/443 from 203.0.113.0/24, on the instances (the
    # load balancer sends tcp/80) and on the database (which listens on 5432, naming no app tier).
    for picture in both("story"):
        assert picture.edge("aws_lb.web", "aws_instance.web[0]") == ("tcp/80", "blocked")
        assert picture.edge("aws_lb.web", "aws_instance.web[1]") == ("tcp/80", "blocked")
        assert picture.label("aws_db_instance.main") == "aws_db_instance.main :5432 ✗ unreachable"
        assert picture.outlines[picture.node("aws_db_instance.main")] == "#d00"
        assert picture.edges_between("compute", "data_store") == set()


def test_a_flow_a_network_acl_drops_is_blocked_and_says_so():
    # The groups let the ALB's tcp/80 through; the app subnet's ACL has no entry allowing it.
    for picture in both("nacl_request_blocked"):
        assert picture.edge("aws_lb.web", "aws_instance.app") == ("tcp/80 NACL", "blocked")


def test_interface_endpoints_are_a_tier_with_their_callers():
    # The tasks pull from ECR and log through the endpoints, whose group admits only the Lambda.
    for picture in both("vpc_endpoint_fargate_pull"):
        for endpoint in ("aws_vpc_endpoint.ecr_api", "aws_vpc_endpoint.ecr_dkr", "aws_vpc_endpoint.logs"):
            assert picture.nodes[picture.node(endpoint)][0] == "VPC_endpoint"
            assert picture.edge("aws_ecs_service.api", endpoint) == ("tcp/443", "blocked")
            assert picture.edge("aws_lambda_function.report", endpoint) == ("tcp/443", "allowed")


def test_a_store_nothing_admits_on_its_port_is_unreachable():
    # The cluster's group admits tcp/443 from an office network; it listens on 3306.
    for picture in both("tier_db_unreachable"):
        assert picture.label("aws_rds_cluster.billing") == "aws_rds_cluster.billing :3306 ✗ unreachable"
        assert picture.edges_between("compute", "data_store") == set()


def test_the_app_tier_admitted_on_another_port_is_a_blocked_edge():
    # aws_security_group.db admits the app group on 3306; the database listens on 5432.
    for picture in both("tier_db_port_mismatch"):
        for app in ("aws_instance.app[0]", "aws_instance.app[1]"):
            assert picture.edge(app, "aws_db_instance.orders") == ("tcp/5432", "blocked")
        assert picture.label("aws_db_instance.orders").endswith("✗ unreachable")


def test_a_client_whose_egress_is_blocked_is_a_blocked_edge_to_a_reachable_store():
    # The cache admits the app group on 6379, but the app group has no egress rules.
    for picture in both("tier_client_egress_blocked"):
        assert picture.edge("aws_instance.app", "aws_elasticache_cluster.redis") == ("tcp/6379", "blocked")
        assert "unreachable" not in picture.label("aws_elasticache_cluster.redis")
        assert picture.node("aws_elasticache_cluster.redis") not in picture.outlines


def test_each_app_tier_endpoint_reaches_its_stores():
    # One app group, admitted by the database, the cache and the file system on their ports.
    stores = {"aws_db_instance.orders": "tcp/5432", "aws_elasticache_replication_group.sessions": "tcp/6379",
              "aws_efs_mount_target.invoices['a']": "tcp/2049", "aws_efs_mount_target.invoices['b']": "tcp/2049"}
    for picture in both("tier_db_ok"):
        for app in ("aws_instance.app[0]", "aws_instance.app[1]"):
            for store, port in stores.items():
                assert picture.edge(app, store) == (port, "allowed")
        assert not picture.outlines


def test_a_listener_nothing_admits_marks_its_load_balancer():
    # The load balancer's group admits tcp/80 only; its HTTPS listener is on 443.
    for picture in both("expose_listener_unreachable"):
        assert picture.label("aws_lb.docs") == "aws_lb.docs ✗ tcp/443 unreachable"
        assert picture.outlines[picture.node("aws_lb.docs")] == "#d00"
        assert picture.edge("aws_lb.docs", "aws_instance.web") == ("tcp/80", "allowed")


def test_the_report_outlines_the_endpoints_its_exposure_findings_name():
    # aws_security_group.db admits the load balancer's group on 5432 besides the app tier.
    graph, report = pictures("expose_db_to_lb")
    store = graph.node("aws_db_instance.main")
    assert report.outlines == {store: "#e80"}
    assert graph.outlines == {}
    assert graph.edge("aws_lb.web", "aws_db_instance.main") == ("tcp/5432", "allowed")


def test_dot_draws_the_same_marks():
    run = run_in_process("graph", "--format", "dot", "fixtures/expose_listener_unreachable")
    assert run.code == 0, run.stderr
    assert re.search(r'\[label="aws_lb\.docs ✗ tcp/443 unreachable", color="#d00000", penwidth=3\]', run.stdout)
    run = run_in_process("graph", "--format", "dot", "fixtures/tier_db_port_mismatch")
    assert len(re.findall(r' -> \w+ \[label="tcp/5432", color="#d00000"', run.stdout)) == 2


def test_the_document_says_which_data_flows_are_meant_and_what_nothing_admits():
    (document,) = run_in_process("graph", "fixtures/tier_db_port_mismatch").json()["inputs"]
    meant = sorted((f["from"], f["status"]) for f in document["flows"] if f["kind"] == "data" and f["intended"])
    assert meant == [("aws_instance.app[0]", "blocked"), ("aws_instance.app[1]", "blocked")]
    endpoints = {e["address"]: e for e in document["endpoints"]}
    assert endpoints["aws_db_instance.orders"]["unreachable"] == [{"listener": None, "protocol": "tcp", "port": 5432}]
    assert endpoints["aws_instance.app[0]"]["unreachable"] == []
    (document,) = run_in_process("graph", "fixtures/expose_listener_unreachable").json()["inputs"]
    (balancer,) = [e for e in document["endpoints"] if e["address"] == "aws_lb.docs"]
    assert balancer["unreachable"] == [{"listener": "aws_lb_listener.https", "protocol": "tcp", "port": 443}]
