"""Which rows of a forecast a backtest scores, and their arrays at the scored steps.

Units are scored against physical beds (``beds``: the occupied beds the store records) and
equipment pools by their kind (the store records devices in use per kind); in counts mode
only units, whose census the counts give each day.
"""

from __future__ import annotations

import numpy as np


def scored_rows(fc, counts: bool = False) -> list[tuple[int, str, str]]:
    """``(row, history resource, kind)`` of the forecast rows a backtest scores."""
    out = []
    for i, res in enumerate(fc.accumulator.resources):
        if res.kind == "beds":
            out.append((i, res.name, "beds"))
        elif res.kind == "equipment" and not counts:
            pool = fc.scenario.layout.equipment[res.name]
            out.append((i, pool.kind or res.name, "equipment"))
    return out


def model_arrays(acc, rows: list[int], steps: np.ndarray) -> dict[str, np.ndarray]:
    """Histograms, probability of being at capacity and capacity of ``rows`` at hours ``steps``."""
    return {"hist": acc.hist[rows][:, steps].astype(float),
            "p_full": acc.full_hours[rows][:, steps] / acc.n,
            "capacity": np.rint(acc.capacity_sum[rows][:, steps] / acc.n)}
