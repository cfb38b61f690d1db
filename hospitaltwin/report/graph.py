"""The layout as a graph (networkx): units coloured by occupancy, and a network's hospitals.

Units are nodes sized by beds and coloured by occupancy (census ÷ staffed beds) on the
report's risk colour map; arrows are the moves the demand routes (width by probability) or,
where the layout lists them, the allowed transfers, with overflow targets dashed. Units are
laid out left to right by how many moves they are from an entry unit, so the picture reads as
patient flow, ordered within a column to uncross arrows, and placed in inches on the page so
that node sizes can be set from the closest pair: nodes never overlap, whatever the layout. A
layout with several hospitals also gets a page of hospitals (total beds and occupancy) joined
by their transfer links, labelled with the link delay.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
from matplotlib import patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from hospitaltwin.report.style import MUTED, RISK_MAP

NODE_AREA = 2600.0
PER_COLUMN = 7
STAGGER = 3


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


def layers(graph: nx.DiGraph, entries: list[str]) -> list[list[str]]:
    """Units in columns by moves from the entry units (unreachable units last), at most
    :data:`PER_COLUMN` to a column; within a column ordered by hospital, then by the mean row of
    the units that send patients to them (the barycentre rule, which uncrosses most arrows)."""
    sources = [e for e in entries if e in graph]
    depth = nx.multi_source_dijkstra_path_length(graph, sources, weight=None) if sources else {}
    last = max(depth.values(), default=-1) + 1
    hospitals = list(dict.fromkeys(graph.nodes[n]["hospital"] for n in graph))
    found: dict[int, list[str]] = {}
    for node in graph:
        found.setdefault(depth.get(node, last), []).append(node)
    columns, row = [], {}
    for _, nodes in sorted(found.items()):
        def key(n):
            above = [row[p] for p in graph.predecessors(n) if p in row]
            return hospitals.index(graph.nodes[n]["hospital"]), float(np.mean(above)) if above else 0.0
        nodes.sort(key=key)
        for part in [nodes[i:i + PER_COLUMN] for i in range(0, len(nodes), PER_COLUMN)]:
            row.update({n: k / max(len(part) - 1, 1) for k, n in enumerate(part)})
            columns.append(part)
    return columns


def flow_positions(graph: nx.DiGraph, entries: list[str], width: float = 10.0, height: float = 4.6) -> dict:
    """Positions in inches on a ``width`` x ``height`` area: columns left to right (patient flow),
    each column's units spread evenly from top to bottom, alternately a little left and right
    of the column's line when it holds more than :data:`STAGGER` (so neighbours sit further
    apart); a lone unit sits in the middle."""
    columns = layers(graph, entries)
    step = width / len(columns) if columns else width
    pos = {}
    for i, part in enumerate(columns):
        x = step * (i + 0.5)
        shift = 0.22 * step if len(part) > STAGGER else 0.0
        for k, node in enumerate(part):
            y = height / 2 if len(part) == 1 else height * (1 - (k + 0.5) / len(part))
            pos[node] = np.array([x + (shift if k % 2 else -shift), y])
    return pos


def node_sizes(graph, pos: dict) -> np.ndarray:
    """Node areas (points²): by beds, the largest as wide as 70% of the closest two nodes are
    apart (positions in inches), so no two nodes ever overlap."""
    points = np.array([pos[n] for n in graph])
    if len(points) > 1:
        gaps = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
        closest = gaps[np.triu_indices(len(points), 1)].min()
    else:
        closest = 1.2
    widest = min(0.7 * closest, 1.0) * 72  # points
    beds = np.array([max(1, graph.nodes[n]["beds"]) for n in graph], dtype=float)
    diameter = widest * np.clip(np.sqrt(beds / beds.max()), 0.45, 1.0) if len(beds) else np.zeros(0)
    return diameter ** 2


def draw_units(fig, ax, graph: nx.DiGraph, occupancy: Mapping[str, float], entries: list[str],
               labels: Mapping[str, str]) -> None:
    """Nodes coloured by occupancy with ``labels`` on them, moves as arrows; a colour bar."""
    _colour_bar(fig, ax)
    box = ax.get_position()
    width, height = box.width * fig.get_figwidth(), box.height * fig.get_figheight()
    pos = flow_positions(graph, entries, width, height)
    nodes = list(graph)
    sizes = node_sizes(graph, pos)
    values = [occupancy.get(n, np.nan) for n in nodes]
    nx.draw_networkx_nodes(graph, pos, nodelist=nodes, node_size=sizes, node_color=values, cmap=RISK_MAP,
                           vmin=0, vmax=1, edgecolors="black", linewidths=0.8, ax=ax)
    for kind, style in (("route", "solid"), ("overflow", "dashed")):
        edges = [(u, v) for u, v, k in graph.edges(data="kind") if k == kind]
        widths = [0.6 + 3.0 * graph.edges[e]["weight"] for e in edges]
        nx.draw_networkx_edges(graph, pos, edgelist=edges, width=widths, style=style, edge_color=MUTED,
                               arrows=True, arrowsize=12, node_size=sizes, connectionstyle="arc3,rad=0.12",
                               alpha=0.7, ax=ax)
    for node, (x, y) in pos.items():
        ax.text(x, y, labels.get(node, node), ha="center", va="center", fontsize=8.5 if len(nodes) <= 12 else 7,
                zorder=5, path_effects=[patheffects.withStroke(linewidth=2.6, foreground="white")])
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()


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
    ax.margins(0.12)
    _finish(fig, ax, drawn)


def _colour_bar(fig, ax) -> None:
    """The occupancy colour bar beside ``ax`` (drawn first, so the nodes are placed in what is left)."""
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), RISK_MAP), ax=ax, fraction=0.025, pad=0.01)
    bar.set_label("occupancy (census ÷ staffed beds)")
    bar.outline.set_visible(False)


def _finish(fig, ax, drawn) -> None:
    ax.set_axis_off()
    mappable = drawn if drawn is not None else None
    if mappable is not None:
        mappable.set_norm(Normalize(0, 1))
        bar = fig.colorbar(mappable, ax=ax, fraction=0.025, pad=0.01)
        bar.set_label("occupancy (census ÷ staffed beds)")
        bar.outline.set_visible(False)
