"""A replication asked for some columns of ``stays`` gets exactly those of the full table."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import one_unit
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.engine.tables import RECORDED_COLUMNS


def test_chosen_stay_columns_equal_the_full_tables_columns():
    data = one_unit(beds=3, rate=8.0, los={"dist": "exponential", "mean": "12h"}, on_full="queue",
                    horizon="10d", warmup="0d", max_wait="6h")
    model = compile_scenario(scenario_from_dict(data))
    full = simulate(model, 4, 1).stays
    names = tuple(RECORDED_COLUMNS)
    lean = simulate(model, 4, 1, tables=False, kpis=False, stay_columns=names).stays
    assert len(lean) == len(full) > 20 and set(lean.columns) == set(names)
    for name in names:
        assert lean[name].dtype == full[name].dtype
        np.testing.assert_array_equal(lean[name], full[name])
    assert lean.categories["unit"] == full.categories["unit"]
    with pytest.raises(ValueError, match="wait"):
        simulate(model, 4, 1, tables=False, kpis=False, stay_columns=("unit", "wait"))
