"""Key performance indicators of one replication, over the post-warmup window.

Per unit: bed requests and what became of them (diverted, overflowed, waited), time-average
census, queue and boarding, the fraction of time at staffed capacity and the hours over the
staffing ratio. Per equipment pool: use, demand and unmet demand. Per hospital: flows out of
and between hospitals. Each KPI's name carries its unit (``_h``, ``_per_day``, ``_fraction``).
Returns long rows ``(scope, name, kpi, value)``; the experiment aggregates them over
replications.
"""

from __future__ import annotations

import numpy as np

from hospitaltwin.core.frame import Frame
from hospitaltwin.engine.compile import CompiledModel
from hospitaltwin.engine.measures import (
    excess,
    fraction_at_capacity,
    step_profile,
    time_average,
    time_average_step,
)
from hospitaltwin.engine.realise import Capacity, Realisation
from hospitaltwin.engine.tables import open_ended, wait_end


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


class Window:
    """The post-warmup window and the stays table as arrays (fast masks per unit)."""

    def __init__(self, stays: Frame, model: CompiledModel):
        self.lo, self.hi = model.warmup, model.horizon
        self.days = (self.hi - self.lo) / 24.0
        self.unit, self.intended = stays["unit"], stays["intended_unit"]
        self.outcome, self.source = stays["outcome"], stays["source"]
        self.code = {name: stays.code("outcome", name) for name in ("diverted", "transfer_out", "discharge", "death", "left")}
        self.wait_end = wait_end(stays)
        self.link = stays.code("source", "(link)")
        self.arrive, self.start = stays["arrive"], stays["start"]
        self.ready, self.end = stays["ready"], open_ended(stays["end"])
        self.admitted = ~np.isnan(self.start)
        self.requested_in = (self.arrive >= self.lo) & (self.arrive < self.hi)
        self.ended_in = (self.end >= self.lo) & (self.end < self.hi)


def unit_kpis(w: Window, index: int, cap: Capacity) -> dict[str, float]:
    """KPIs of unit ``index``."""
    requests = w.requested_in & (w.intended == index)
    admitted = requests & w.admitted
    here = w.admitted & (w.unit == index)
    staffed = np.minimum(cap.physical, cap.staffed)
    points, counts, widths = step_profile(w.start[here], w.end[here], cap.times, w.lo, w.hi)
    over_h, over_patient_h = excess(points, counts, widths, cap.times, staffed)
    queued = (w.intended == index) & (w.outcome != w.code["diverted"])
    mean_census = time_average(w.start[here], w.end[here], w.lo, w.hi)
    mean_staffed = time_average_step(cap.times, staffed, w.lo, w.hi)
    stay_done = here & w.ended_in
    boarding_start = np.minimum(w.ready[here], w.end[here])
    return {
        "arrivals_per_day": requests.sum() / w.days,
        "admissions_per_day": (here & (w.start >= w.lo) & (w.start < w.hi)).sum() / w.days,
        "diverted_fraction": _mean(w.outcome[requests] == w.code["diverted"]),
        "overflow_fraction": _mean(w.unit[requests & w.admitted] != index),
        "mean_wait_h": _mean((w.start - w.arrive)[admitted]),
        "p_wait": _mean((w.start - w.arrive)[admitted] > 1e-9),
        "mean_census": mean_census,
        "mean_queue": time_average(w.arrive[queued], w.wait_end[queued], w.lo, w.hi),
        "left_fraction": _mean(w.outcome[requests] == w.code["left"]),
        "mean_boarding": time_average(boarding_start, w.end[here], w.lo, w.hi),
        "boarding_h_per_day": time_average(boarding_start, w.end[here], w.lo, w.hi) * 24.0,
        "mean_los_h": _mean((w.end - w.start)[stay_done]),
        "p_full": fraction_at_capacity(points, counts, widths, cap.times, staffed),
        "mean_staffed_beds": mean_staffed,
        "mean_physical_beds": time_average_step(cap.times, cap.physical, w.lo, w.hi),
        "occupancy_fraction": mean_census / mean_staffed if mean_staffed > 0 else float("nan"),
        "over_ratio_h": over_h,
        "over_ratio_patient_h": over_patient_h,
    }


def pool_kpis(devices: Frame, index: int, cap: Capacity, lo: float, hi: float) -> dict[str, float]:
    """KPIs of equipment pool ``index``."""
    mine = devices["pool"] == index
    start, end, met = devices["start"][mine], devices["end"][mine], devices["met"][mine]
    began = (start >= lo) & (start < hi)
    days = (hi - lo) / 24.0
    points, counts, widths = step_profile(start[met], end[met], cap.times, lo, hi)
    unmet_avg = time_average(start[~met], end[~met], lo, hi)
    return {
        "episodes_per_day": began.sum() / days,
        "unmet_fraction": _mean(~met[began]),
        "mean_in_use": time_average(start[met], end[met], lo, hi),
        "mean_demand": time_average(start, end, lo, hi),
        "unmet_h_per_day": unmet_avg * 24.0,
        "p_full": fraction_at_capacity(points, counts, widths, cap.times, cap.staffed),
        "mean_capacity": time_average_step(cap.times, cap.staffed, lo, hi),
    }


def hospital_kpis(w: Window, model: CompiledModel, hospital: int) -> dict[str, float]:
    """Flows of one hospital: diversions, transfers out, network arrivals, deaths."""
    mine = np.array([u.hospital == hospital for u in model.units])
    at_intended = mine[w.intended] & w.requested_in
    left = mine[w.unit] & w.ended_in & w.admitted
    return {
        "diverted_per_day": (at_intended & (w.outcome == w.code["diverted"])).sum() / w.days,
        "transfers_out_per_day": (left & (w.outcome == w.code["transfer_out"])).sum() / w.days,
        "network_arrivals_per_day": (at_intended & (w.source == w.link)).sum() / w.days,
        "discharges_per_day": (left & (w.outcome == w.code["discharge"])).sum() / w.days,
        "deaths_per_day": (left & (w.outcome == w.code["death"])).sum() / w.days,
        "mean_census": sum(time_average(w.start[w.admitted & (w.unit == u.index)],
                                        w.end[w.admitted & (w.unit == u.index)], w.lo, w.hi)
                           for u in model.units if u.hospital == hospital),
    }


def replication_kpis(stays: Frame, devices: Frame, realised: Realisation,
                     model: CompiledModel) -> list[tuple[str, str, str, float]]:
    """All KPIs of one replication as ``(scope, name, kpi, value)`` rows."""
    w = Window(stays, model)
    rows = []
    for unit, cap in zip(model.units, realised.units):
        rows += [("unit", unit.id, k, float(v)) for k, v in unit_kpis(w, unit.index, cap).items()]
    for pool, cap in zip(model.pools, realised.pools):
        rows += [("equipment", pool.name, k, float(v))
                 for k, v in pool_kpis(devices, pool.index, cap, w.lo, w.hi).items()]
    for h, name in enumerate(model.hospitals):
        rows += [("hospital", name, k, float(v)) for k, v in hospital_kpis(w, model, h).items()]
    return rows
