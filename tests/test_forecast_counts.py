"""Forecast summaries cross processes as narrow counts: the same numbers, whatever their type."""

from __future__ import annotations

import numpy as np

from hospitaltwin.forecast.accumulate import Accumulator
from hospitaltwin.forecast.summarise import ReplicationSummary, Resource, compact_counts


def _summary(level: np.ndarray) -> ReplicationSummary:
    k, hours = level.shape
    return ReplicationSummary(0, level, np.full((k, hours), 300), np.zeros((k, hours), bool),
                              np.zeros((k, 1), bool), np.full(k, np.inf))


def test_counts_take_the_narrowest_unsigned_type_that_holds_them_exactly():
    for top, dtype in ((255, np.uint8), (256, np.uint16), (70_000, np.uint32)):
        counts = np.array([[0, 3], [top, 7]], dtype=np.int64)
        narrow = compact_counts(counts)
        assert narrow.dtype == dtype
        np.testing.assert_array_equal(narrow, counts)
    with_negative = compact_counts(np.array([-1, 5]))
    assert with_negative.dtype == np.int64 and with_negative.tolist() == [-1, 5]
    assert compact_counts(np.zeros((0, 3), dtype=np.int64)).dtype == np.int64


def test_narrow_and_wide_levels_fold_into_the_same_histograms():
    resources = [Resource("A", "beds", 0), Resource("B", "beds", 1)]
    levels = [np.array([[255, 3, 0], [7, 200, 255]]), np.array([[1, 2, 3], [255, 255, 255]])]
    wide, narrow = Accumulator(resources, 3, 1), Accumulator(resources, 3, 1)
    for level in levels:
        wide.add(_summary(level.astype(np.int64)))
        narrow.add(_summary(compact_counts(level)))  # uint8 at 255: widening must not wrap
    assert [h.shape for h in narrow.levels] == [h.shape for h in wide.levels]
    assert all(h.shape[1] > 255 for h in narrow.levels)
    for a, b in zip(wide.levels, narrow.levels):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(wide.level_sum, narrow.level_sum)
    np.testing.assert_array_equal(wide.quantiles(), narrow.quantiles())
    assert narrow.levels[1][2, 255] == 2 and narrow.levels[0][0, 255] == 1
