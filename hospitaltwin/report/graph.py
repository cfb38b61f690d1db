"""The layout as a graph (networkx): units coloured by occupancy, and a network's hospitals.

Units are nodes sized by beds and coloured by occupancy (census ÷ staffed beds) on the
report's risk colour map; arrows are the moves the demand routes (width by probability) or,
where the layout lists them, the allowed transfers, with overflow targets dashed. Units are
laid out left to right by how many moves they are from an entry unit, so the picture reads as
patient flow. A layout with several hospitals also gets a page of hospitals (total beds and
occupancy) joined by their transfer links, labelled with the link delay.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
from matplotlib.colors import Normalize

from hospitaltwin.report.style import MUTED, RISK_MAP

NODE_AREA = 2600.0
PER_COLUMN = 7


def unit_graph(layout: dict, demand: dict) -> nx.DiGraph:
    """Units with their beds, and routed (or allowed) moves and overflow targets as edges."""
    graph = nx.DiGraph()
    units = layout.get("units") or {}
    for uid, spec in units.items():
        graph.add_node(uid, beds=spec.get("beds", 0), hospital=spec.get("hospital") or "main")
    for uid, spec in ((demand or {}).get("units") or {}).items():
        for target, p in (spec.get("next") or {}).items():
            if target in units and uid in units and p:
                graph.add_edge(uid, target, weight=float(p), kind="route")
    for uid, targets in (layout.get("transfers") or {}).items():
        for target in targets:
            if not graph.has_edge(uid, target) and target in units:
                graph.add_edge(uid, target, weight=0.1, kind="route")
    for uid, spec in units.items():
        for target in spec.get("overflow") or ():
            if not graph.has_edge(uid, target):
                graph.add_edge(uid, target, weight=0.1, kind="overflow")
    return graph


def flow_positions(graph: nx.DiGraph, entries: list[str]) -> dict:
    """Columns by moves from the entry units (unreachable units last); within a column, units
    top to bottom by hospital, then in the layout's order."""
    sources = [e for e in entries if e in graph]
    depth = nx.multi_source_dijkstra_path_length(graph, sources, weight=None) if sources else {}
    last = max(depth.values(), default=-1) + 1
    hospitals = list(dict.fromkeys(graph.nodes[n]["hospital"] for n in graph))
    order = {n: (hospitals.index(graph.nodes[n]["hospital"]), i) for i, n in enumerate(graph)}
    columns: dict[int, list[str]] = {}
    for node in graph:
        columns.setdefault(depth.get(node, last), []).append(node)
    pos, x = {}, 0.0
    for _, nodes in sorted(columns.items()):
        nodes.sort(key=order.__getitem__)
        parts = [nodes[i:i + PER_COLUMN] for i in range(0, len(nodes), PER_COLUMN)]
        for j, part in enumerate(parts):
            for k, node in enumerate(part):
                y = 0.0 if len(part) == 1 else 1 - 2 * k / (len(part) - 1)
                pos[node] = np.array([x + 0.4 * j, y - (0.08 if j % 2 else 0.0)])
        x += 0.4 * (len(parts) - 1) + 1.0
    return pos


def node_sizes(graph, pos: dict) -> np.ndarray:
    """Node areas (points²) by beds, small enough that a column of nodes does not overlap."""
    beds = np.array([max(1, graph.nodes[n]["beds"]) for n in graph], dtype=float)
    rows = max(np.unique([round(p[0], 3) for p in pos.values()], return_counts=True)[1], default=1)
    cap = min(NODE_AREA, (0.85 * 4.6 * 72 / max(rows, 1)) ** 2)
    return cap * np.sqrt(beds / beds.max()) if len(beds) else np.zeros(0)


def draw_units(fig, ax, graph: nx.DiGraph, occupancy: Mapping[str, float], entries: list[str],
               labels: Mapping[str, str]) -> None:
    """Nodes coloured by occupancy with ``labels`` inside, moves as arrows; a colour bar."""
    pos = flow_positions(graph, entries)
    nodes = list(graph)
    sizes = node_sizes(graph, pos)
    values = [occupancy.get(n, np.nan) for n in nodes]
    drawn = nx.draw_networkx_nodes(graph, pos, nodelist=nodes, node_size=sizes, node_color=values,
                                   cmap=RISK_MAP, vmin=0, vmax=1, edgecolors="black", linewidths=0.8, ax=ax)
    for kind, style in (("route", "solid"), ("overflow", "dashed")):
        edges = [(u, v) for u, v, k in graph.edges(data="kind") if k == kind]
        widths = [0.6 + 3.0 * graph.edges[e]["weight"] for e in edges]
        nx.draw_networkx_edges(graph, pos, edgelist=edges, width=widths, style=style, edge_color=MUTED,
                               arrows=True, arrowsize=12, node_size=sizes, connectionstyle="arc3,rad=0.12",
                               ax=ax)
    for node, (x, y) in pos.items():
        ax.text(x, y, labels.get(node, node), ha="center", va="center", fontsize=8.5 if len(nodes) <= 12 else 7,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.75})
    _finish(fig, ax, drawn)


def hospital_graph(layout: dict) -> nx.Graph:
    """Hospitals with their total beds, joined by their links (delay in hours)."""
    graph = nx.Graph()
    for uid, spec in (layout.get("units") or {}).items():
        name = spec.get("hospital") or "main"
        beds = graph.nodes[name]["beds"] if name in graph else 0
        graph.add_node(name, beds=beds + spec.get("beds", 0))
    for name in layout.get("hospitals") or {}:
        graph.add_node(name, beds=graph.nodes[name]["beds"] if name in graph else 0)
    for link in layout.get("links") or ():
        graph.add_edge(link["from"], link["to"], delay=link.get("delay"))
    return graph


def draw_hospitals(fig, ax, graph: nx.Graph, occupancy: Mapping[str, float], labels: Mapping[str, str]) -> None:
    """Hospitals coloured by occupancy, links labelled with their delay."""
    pos = nx.circular_layout(graph) if len(graph) <= 8 else nx.kamada_kawai_layout(graph)
    nodes = list(graph)
    beds = np.array([max(1, graph.nodes[n]["beds"]) for n in nodes], dtype=float)
    sizes = 2.4 * NODE_AREA * np.sqrt(beds / beds.max())
    drawn = nx.draw_networkx_nodes(graph, pos, nodelist=nodes, node_size=sizes,
                                   node_color=[occupancy.get(n, np.nan) for n in nodes], cmap=RISK_MAP,
                                   vmin=0, vmax=1, edgecolors="black", linewidths=0.8, ax=ax)
    nx.draw_networkx_edges(graph, pos, width=2.0, edge_color=MUTED, node_size=sizes, ax=ax)
    delays = {(u, v): str(d) for u, v, d in graph.edges(data="delay") if d is not None}
    nx.draw_networkx_edge_labels(graph, pos, edge_labels=delays, font_size=8, ax=ax)
    for node, (x, y) in pos.items():
        ax.text(x, y, labels.get(node, node), ha="center", va="center", fontsize=8.5 if len(nodes) <= 12 else 7,
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.8})
    _finish(fig, ax, drawn)


def _finish(fig, ax, drawn) -> None:
    ax.set_axis_off()
    ax.margins(0.12)
    mappable = drawn if drawn is not None else None
    if mappable is not None:
        mappable.set_norm(Normalize(0, 1))
        bar = fig.colorbar(mappable, ax=ax, fraction=0.025, pad=0.01)
        bar.set_label("occupancy (census ÷ staffed beds)")
        bar.outline.set_visible(False)
