"""Small networks for the network allocation tests: a scenario and hand-written data."""

from __future__ import annotations

import numpy as np

from hospitaltwin.optimize.network import Arc, NetworkData


def three_hospitals(surge: float = 2.5, *, horizon: str = "17d", replications: int = 4) -> dict:
    """A hub and two community ICUs that divert; West has a surge and few ventilators."""
    icu = {"los": {"dist": "lognormal", "mean": "3d", "sd": "2d"}, "next": {"discharge": 1.0},
           "equipment": {"ventilator": {"p": 0.6, "duration": {"dist": "lognormal", "mean": "4d", "sd": "2d"},
                                        "extends_stay": True}}}
    return {
        "name": "three-hospitals",
        "layout": {
            "hospitals": {"hub": {}, "west": {}, "east": {}},
            "units": {"H_ICU": {"hospital": "hub", "kind": "icu", "beds": 24},
                      "W_ICU": {"hospital": "west", "kind": "icu", "beds": 10, "on_full": "divert"},
                      "E_ICU": {"hospital": "east", "kind": "icu", "beds": 6, "on_full": "divert"}},
            "equipment": {"hub_vents": {"kind": "ventilator", "hospital": "hub", "count": 18},
                          "west_vents": {"kind": "ventilator", "hospital": "west", "count": 3},
                          "east_vents": {"kind": "ventilator", "hospital": "east", "count": 4}},
            "links": [{"from": "west", "to": "hub", "delay": "1h", "max_per_day": 3},
                      {"from": "east", "to": "hub", "delay": "90min"},
                      {"from": "west", "to": "east", "delay": "2h", "max_per_day": 1}],
        },
        "demand": {
            "arrivals": [{"unit": "H_ICU", "rate": 3.0}, {"unit": "W_ICU", "rate": 1.5},
                         {"unit": "E_ICU", "rate": 0.8}],
            "units": {"H_ICU": icu, "W_ICU": icu, "E_ICU": icu},
        },
        "changes": {"demand": [{"units": ["W_ICU"], "surge": {"peak": surge, "at": "13d", "sd": "3d"}}]},
        "run": {"horizon": horizon, "warmup": "10d", "replications": replications, "seed": 5},
    }


def devices_only(seed: int = 3, paths: int = 3, days: int = 3, devices=(3, 1, 0), floor=(1, 0, 0),
                 move_days: int = 2) -> NetworkData:
    """A chain A - B - C (delays 1 h and 30 h), one device kind, random integer demand."""
    rng = np.random.default_rng(seed)
    demand = rng.integers(0, 4, size=(paths, 1, 3, days)).astype(float)
    arcs = [Arc(0, 1, 1.0), Arc(1, 0, 1.0), Arc(1, 2, 30.0), Arc(2, 1, 30.0)]
    return NetworkData(hospitals=["A", "B", "C"], kinds=["ventilator"],
                       pools={(0, 0): "a", (0, 1): "b", (0, 2): "c"},
                       devices=np.array([devices]), floor=np.array([floor]), demand=demand,
                       move_arcs={0: arcs}, move_days=move_days)


def with_transfers(seed: int = 7, paths: int = 3, days: int = 3) -> NetworkData:
    """Two hospitals that both divert, beds and devices, transfers both ways (limit 2 / 1 a day)."""
    rng = np.random.default_rng(seed)
    beds = np.array([[[2.0] * days, [3.0] * days]])
    bed_demand = rng.integers(0, 6, size=(paths, 1, 2, days)).astype(float)
    demand = np.minimum(bed_demand[:, :, :, :] * 0.6 + rng.integers(0, 2, size=(paths, 1, 2, days)), 5).round()
    return NetworkData(hospitals=["A", "B"], kinds=["ventilator"], pools={(0, 0): "a", (0, 1): "b"},
                       devices=np.array([[2, 2]]), floor=np.array([[0, 1]]), demand=demand,
                       bed_kinds=["icu"], units={(0, 0): "A_ICU", (0, 1): "B_ICU"}, beds=beds,
                       bed_demand=bed_demand, per_bed=np.array([[[0.5, 0.7]]]),
                       stay_days=np.array([[2, 1]]),
                       move_arcs={0: [Arc(0, 1, 2.0), Arc(1, 0, 2.0)]},
                       transfer_arcs={0: [Arc(0, 1, 2.0, 2), Arc(1, 0, 2.0, 1)]}, move_days=1)


def four_hospital_ring(seed: int = 4, paths: int = 40, days: int = 8) -> NetworkData:
    """Four hospitals in a ring, Poisson bed demand, moves every day: SCIP needs to branch."""
    rng = np.random.default_rng(seed)
    hospitals = 4
    beds = np.array([[[6.0] * days, [4.0] * days, [5.0] * days, [3.0] * days]])
    bed_demand = rng.poisson([5, 5, 4, 3], size=(paths, days, hospitals)).transpose(0, 2, 1)[:, None].astype(float)
    demand = np.round(bed_demand * rng.uniform(0.4, 0.9, size=bed_demand.shape))
    arcs = ([Arc(i, (i + 1) % hospitals, 3.0) for i in range(hospitals)]
            + [Arc((i + 1) % hospitals, i, 3.0) for i in range(hospitals)])
    return NetworkData(hospitals=list("ABCD"), kinds=["ventilator"], pools={(0, h): "abcd"[h] for h in range(hospitals)},
                       devices=np.array([[5, 2, 4, 1]]), floor=np.array([[1, 1, 1, 0]]), demand=demand,
                       bed_kinds=["icu"], units={(0, h): f"U{h}" for h in range(hospitals)}, beds=beds,
                       bed_demand=bed_demand, per_bed=np.array([[[0.6, 0.7, 0.5, 0.65]]]),
                       stay_days=np.array([[3, 2, 3, 2]]), move_arcs={0: arcs},
                       transfer_arcs={0: [Arc(a.origin, a.target, a.delay_h, 2) for a in arcs]}, move_days=days)
