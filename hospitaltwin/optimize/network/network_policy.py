"""A network plan as files: the policy the engine runs, the moves and transfers, the solve.

The engine holds a fixed number of devices in each pool for a whole run and caps transfers
per link and day with ``max_per_day``, so a plan is expressed to it as (1) each pool's count
after all moves - exact for moves dispatched on the first day, the final allocation for
moves planned later (the engine then has those devices from the start; the summary says so)
- and (2) the daily transfer capacity of each link direction where the plan books less than
the model allowed (with daily slots, the busiest day's); a direction booked in full keeps the
layout's setting, so an unlimited link stays unlimited. A two-way link whose directions end
up with different capacities is written as two one-way links (the policy's ``links`` list
replaces the layout's, so every link is restated).
"""

from __future__ import annotations

from pathlib import Path

from hospitaltwin.config.scenario import Scenario
from hospitaltwin.config.yamlio import write_yaml
from hospitaltwin.core.durations import format_hours
from hospitaltwin.optimize.network.data import NetworkData
from hospitaltwin.optimize.network.model import FirstStage, Outcome


def final_counts(data: NetworkData, decisions: FirstStage) -> dict[str, int]:
    """Devices in each pool once every planned move has arrived."""
    counts = {pool: int(data.devices[k, h]) for (k, h), pool in data.pools.items()}
    for (k, a, _), n in decisions.moves.items():
        arc = data.move_arcs[k][a]
        counts[data.pools[(k, arc.origin)]] -= n
        counts[data.pools[(k, arc.target)]] += n
    return counts


def link_caps(data: NetworkData, decisions: FirstStage) -> dict[tuple[int, int], int]:
    """``(origin, target) -> transfers per day`` the plan books on each direction patients can
    take (with daily slots, the busiest day's)."""
    per_day: dict[tuple[int, int, int], int] = {}
    caps = {(arc.origin, arc.target): 0 for arcs in data.transfer_arcs.values() for arc in arcs}
    for (q, a, d), n in decisions.slots.items():
        arc = data.transfer_arcs[q][a]
        key = (arc.origin, arc.target, d)
        per_day[key] = per_day.get(key, 0) + n
    for (i, j, _), n in per_day.items():
        caps[(i, j)] = max(caps[(i, j)], n)
    return caps


def reduced_caps(data: NetworkData, decisions: FirstStage) -> dict[tuple[int, int], int]:
    """The directions whose booked capacity is below what the model allowed them (their limit,
    or ``max_transfers`` where the layout has none): the only ones the policy changes."""
    limits: dict[tuple[int, int], int] = {}
    for arcs in data.transfer_arcs.values():
        for arc in arcs:
            limits[(arc.origin, arc.target)] = limits.get((arc.origin, arc.target), 0) + arc.limit
    return {key: cap for key, cap in link_caps(data, decisions).items() if cap < limits[key]}


def policy_data(scenario: Scenario, data: NetworkData, decisions: FirstStage, name: str,
                description: str) -> dict:
    """The policy mapping: pool counts and the restated links with their daily capacities."""
    counts = final_counts(data, decisions)
    layout: dict = {"equipment": {pool: {"count": n} for pool, n in counts.items()}}
    caps = reduced_caps(data, decisions)
    if caps:
        layout["links"] = _links(scenario, data, caps)
    return {"name": name, "description": description, "layout": layout}


def _links(scenario: Scenario, data: NetworkData, caps: dict[tuple[int, int], int]) -> list[dict]:
    hospitals, out = data.hospitals, []
    for link in scenario.layout.links:
        a, b = hospitals.index(link.from_), hospitals.index(link.to)
        forward = caps.get((a, b), link.max_per_day)
        backward = caps.get((b, a), link.max_per_day) if link.two_way else None
        base = {"from": link.from_, "to": link.to, "delay": format_hours(link.delay)}
        if not link.two_way or forward == backward:
            out.append(_with_cap({**base, "two_way": link.two_way}, forward))
        else:
            out.append(_with_cap({**base, "two_way": False}, forward))
            out.append(_with_cap({"from": link.to, "to": link.from_, "delay": base["delay"], "two_way": False},
                                 backward))
    return out


def _with_cap(link: dict, cap: int | None) -> dict:
    return link if cap is None else {**link, "max_per_day": int(cap)}


def write_policy(path: Path, policy: dict, header: str) -> None:
    """Write the policy YAML with a comment header."""
    write_yaml(path, policy, header)


def move_rows(data: NetworkData, decisions: FirstStage) -> list[dict]:
    """``moves.csv``: one row per planned dispatch of devices along a link."""
    rows = []
    for (k, a, d), n in sorted(decisions.moves.items(), key=lambda item: (item[0][2], item[0][0], item[0][1])):
        arc = data.move_arcs[k][a]
        rows.append({"kind": data.kinds[k], "from": data.hospitals[arc.origin], "to": data.hospitals[arc.target],
                     "from_pool": data.pools[(k, arc.origin)], "to_pool": data.pools[(k, arc.target)],
                     "dispatch_day": d, "dispatch_date": data.day_label(d),
                     "available_day": d + arc.device_lag, "devices": n})
    return rows


def transfer_rows(data: NetworkData, outcome: Outcome) -> list[dict]:
    """``transfers.csv``: per link direction and day, slots planned and transfers expected."""
    rows = []
    for q, arcs in data.transfer_arcs.items():
        for a, arc in enumerate(arcs):
            for d in range(data.shape[3]):
                rows.append({
                    "bed_kind": data.bed_kinds[q], "from": data.hospitals[arc.origin],
                    "to": data.hospitals[arc.target], "from_unit": data.units[(q, arc.origin)],
                    "to_unit": data.units[(q, arc.target)], "day": d, "date": data.day_label(d),
                    "delay_h": arc.delay_h, "limit_per_day": arc.limit,
                    "limit_from": "--max-transfers (no limit in the layout)" if arc.assumed else "layout",
                    "planned_slots": outcome.decisions.slots.get((q, a, d), 0),
                    "expected_transfers": round(float(outcome.transfers[q][a, d]), 4),
                    "p95_transfers": round(float(outcome.transfers_p95[q][a, d]), 4)})
    return rows


