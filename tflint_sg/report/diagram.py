"""The tiers as a picture: Mermaid (for pull-request comments and READMEs) or Graphviz DOT.

Nodes are load balancers, compute, data stores and interface VPC endpoints, grouped by tier;
edges are the flows the configuration means (the load balancers' flows, each store's app tier
towards it, each endpoint's callers) with their verdicts, blocked ones drawn in red (by a security
group, or by a network ACL: `tcp/80 NACL ✗`), plus any other flow that reaches a store. A store or a
listener nothing admits is marked unreachable. Everything comes from the model's document, so
`graph --format mermaid` and the markdown report draw the same picture; the report only
outlines the endpoints its exposure findings name.
"""

from __future__ import annotations

import re

TIERS = (("load balancer", "Load balancers"), ("compute", "Compute"), ("data store", "Data stores"),
         ("VPC endpoint", "VPC endpoints"))


def _ids(graph: dict, prefix: str = "") -> dict[str, str]:
    return {endpoint["address"]: f"{prefix}n{index}" for index, endpoint in enumerate(graph["endpoints"])}


def _label(text: str) -> str:
    return re.sub(r'["<>]', "'", text)


def _edges(graph: dict) -> list[tuple[str, str, str, str]]:
    """(from, to, label, status), one per pair, the worst status winning. A flow the security
    groups let through but a network ACL drops is blocked too, its label saying so."""
    rank = {"blocked": 2, "undecided": 1, "allowed": 0}
    edges: dict[tuple[str, str], tuple[str, str]] = {}
    for flow in graph["flows"]:
        if not flow["intended"] and flow["status"] != "allowed":
            continue  # a flow nobody means is drawn only where it gets through
        key = (flow["from"], flow["to"])
        label = f"{flow['protocol']}/{flow['port']}" if flow["kind"] != "dynamic_ports" else "tcp/dynamic"
        status = flow["status"]
        acls = flow.get("network_acls")
        if acls is not None and status != "blocked" and rank[acls["status"]] > rank[status]:
            status = acls["status"]
            if status == "blocked":
                label += " NACL"
        if key not in edges or rank[status] > rank[edges[key][1]]:
            edges[key] = (label, status)
    return [(a, b, label, status) for (a, b), (label, status) in sorted(edges.items())]


def _unreachable_mark(endpoint: dict) -> str:
    """` ✗ unreachable` on a store nothing admits; the listeners of a load balancer nothing
    admits, by port: ` ✗ tcp/443 unreachable`."""
    ports = [f"{item['protocol']}/{item['port']}" for item in endpoint["unreachable"]
             if item["listener"] is not None]
    if ports:
        return f" ✗ {', '.join(ports)} unreachable"
    return " ✗ unreachable" if endpoint["unreachable"] else ""


def mermaid(graph: dict, exposed: frozenset[str] = frozenset()) -> str:
    """One input's tiers. `exposed`: addresses outlined orange (the markdown report's exposure
    findings); the labels and edges are the document's alone."""
    return "flowchart LR\n" + "".join(_mermaid_body(graph, exposed, "", "  ", 0)[0])


def mermaid_many(graphs: list[tuple[str, dict]]) -> str:
    """Several inputs in one diagram, a box each (two flowcharts in one text would not parse)."""
    lines = ["flowchart LR\n"]
    links = 0
    for index, (title, graph) in enumerate(graphs):
        lines.append(f'  subgraph input{index}["{_label(title)}"]\n')
        body, links = _mermaid_body(graph, frozenset(), f"i{index}", "    ", links)
        lines.extend(body)
        lines.append("  end\n")
    return "".join(lines)


def _mermaid_body(graph: dict, exposed: frozenset[str], prefix: str, indent: str, first_link: int) -> tuple[list[str], int]:
    ids = _ids(graph, prefix)
    lines = []
    for tier, title in TIERS:
        members = [e for e in graph["endpoints"] if e["tier"] == tier]
        if not members:
            continue
        lines.append(f'{indent}subgraph {prefix}{tier.replace(" ", "_")}["{title}"]\n')
        for endpoint in members:
            lines.append(f'{indent}  {ids[endpoint["address"]]}["{_node_label(endpoint)}"]\n')
        lines.append(f"{indent}end\n")
    red = []
    link = first_link
    for source, target, label, status in _edges(graph):
        if source not in ids or target not in ids:
            continue
        arrow = "-. " + label + " .->" if status == "undecided" else "-- " + label + (" ✗" if status == "blocked" else "") + " -->"
        lines.append(f"{indent}{ids[source]} {arrow} {ids[target]}\n")
        if status == "blocked":
            red.append(str(link))
        link += 1
    if red:
        lines.append(f"{indent}linkStyle {','.join(red)} stroke:#d00,stroke-width:2px,color:#d00\n")
    for endpoint in graph["endpoints"]:
        if endpoint["unreachable"]:
            lines.append(f"{indent}style {ids[endpoint['address']]} stroke:#d00,stroke-width:3px\n")
        elif endpoint["address"] in exposed:
            lines.append(f"{indent}style {ids[endpoint['address']]} stroke:#e80,stroke-width:3px\n")
    return lines, link


def _node_label(endpoint: dict) -> str:
    port = f" :{endpoint['port']}" if endpoint.get("port") else ""
    return f"{_label(endpoint['address'])}{port}{_unreachable_mark(endpoint)}"


def dot(graph: dict) -> str:
    ids = _ids(graph)
    lines = ["digraph tiers {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for index, (tier, title) in enumerate(TIERS):
        members = [e for e in graph["endpoints"] if e["tier"] == tier]
        if not members:
            continue
        lines.append(f'  subgraph cluster_{index} {{ label="{title}";')
        for endpoint in members:
            color = ', color="#d00000", penwidth=3' if endpoint["unreachable"] else ""
            lines.append(f'    {ids[endpoint["address"]]} [label="{_node_label(endpoint)}"{color}];')
        lines.append("  }")
    for source, target, label, status in _edges(graph):
        if source in ids and target in ids:
            style = {"blocked": ', color="#d00000", fontcolor="#d00000"', "undecided": ", style=dashed"}.get(status, "")
            lines.append(f'  {ids[source]} -> {ids[target]} [label="{label}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
