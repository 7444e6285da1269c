"""The tiers as a picture: Mermaid (for pull-request comments and READMEs) or Graphviz DOT.

Nodes are load balancers, compute and data stores, grouped by tier; edges are the flows the
model knows, blocked ones drawn in red, and endpoints with an exposure finding marked.
"""

from __future__ import annotations

import re

TIERS = (("load balancer", "Load balancers"), ("compute", "Compute"), ("data store", "Data stores"))


def _ids(graph: dict) -> dict[str, str]:
    return {endpoint["address"]: f"n{index}" for index, endpoint in enumerate(graph["endpoints"])}


def _label(text: str) -> str:
    return re.sub(r'["<>]', "'", text)


def _edges(graph: dict) -> list[tuple[str, str, str, str]]:
    """(from, to, label, status), one per pair, the worst status winning."""
    rank = {"blocked": 2, "undecided": 1, "allowed": 0}
    edges: dict[tuple[str, str], tuple[str, str]] = {}
    for flow in graph["flows"]:
        if flow["kind"] == "data" and flow["status"] != "allowed":
            continue  # a data flow is drawn where the store admits it; the rules speak of the rest
        key = (flow["from"], flow["to"])
        label = f"{flow['protocol']}/{flow['port']}" if flow["kind"] != "dynamic_ports" else "tcp/dynamic"
        if key not in edges or rank[flow["status"]] > rank[edges[key][1]]:
            edges[key] = (label, flow["status"])
    return [(a, b, label, status) for (a, b), (label, status) in sorted(edges.items())]


def mermaid(graph: dict, exposed: set[str] = frozenset()) -> str:
    ids = _ids(graph)
    lines = ["flowchart LR"]
    for tier, title in TIERS:
        members = [e for e in graph["endpoints"] if e["tier"] == tier]
        if not members:
            continue
        lines.append(f'  subgraph {tier.replace(" ", "_")}["{title}"]')
        for endpoint in members:
            port = f" :{endpoint['port']}" if endpoint.get("port") else ""
            mark = " ⚠ exposed" if endpoint["address"] in exposed else ""
            lines.append(f'    {ids[endpoint["address"]]}["{_label(endpoint["address"])}{port}{mark}"]')
        lines.append("  end")
    red = []
    drawn = 0
    for source, target, label, status in _edges(graph):
        if source not in ids or target not in ids:
            continue
        index = drawn
        drawn += 1
        arrow = "-. " + label + " .->" if status == "undecided" else "-- " + label + (" ✗" if status == "blocked" else "") + " -->"
        lines.append(f"  {ids[source]} {arrow} {ids[target]}")
        if status == "blocked":
            red.append(str(index))
    if red:
        lines.append(f"  linkStyle {','.join(red)} stroke:#d00,stroke-width:2px,color:#d00")
    for address in sorted(exposed):
        if address in ids:
            lines.append(f"  style {ids[address]} stroke:#e80,stroke-width:3px")
    return "\n".join(lines) + "\n"


def dot(graph: dict, exposed: set[str] = frozenset()) -> str:
    ids = _ids(graph)
    lines = ["digraph tiers {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for index, (tier, title) in enumerate(TIERS):
        members = [e for e in graph["endpoints"] if e["tier"] == tier]
        if not members:
            continue
        lines.append(f'  subgraph cluster_{index} {{ label="{title}";')
        for endpoint in members:
            color = ', color="#e08000", penwidth=3' if endpoint["address"] in exposed else ""
            lines.append(f'    {ids[endpoint["address"]]} [label="{_label(endpoint["address"])}"{color}];')
        lines.append("  }")
    for source, target, label, status in _edges(graph):
        if source in ids and target in ids:
            style = {"blocked": ', color="#d00000", fontcolor="#d00000"', "undecided": ", style=dashed"}.get(status, "")
            lines.append(f'  {ids[source]} -> {ids[target]} [label="{label}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
