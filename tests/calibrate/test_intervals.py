"""Interval formulas against textbook values, and sum-preserving rounding."""

import numpy as np
import pytest

from hospitaltwin.calibrate.intervals import garwood, round_to_sum, round_vector
from hospitaltwin.core.tstats import wilson


def test_wilson_matches_textbook_values():
    # Newcombe (1998), example 81/263: 0.2553 to 0.3662
    lo, hi = wilson(81, 263)
    assert lo == pytest.approx(0.2553, abs=1e-4) and hi == pytest.approx(0.3662, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_garwood_matches_exact_poisson_limits():
    # exact 95% limits for a count of 10: 4.7954 to 18.3904
    lo, hi = garwood(10, 2.0)
    assert lo == pytest.approx(4.7954 / 2, abs=1e-4) and hi == pytest.approx(18.3904 / 2, abs=1e-4)
    assert garwood(0, 1.0) == pytest.approx((0.0, 3.6889), abs=1e-4)


def test_rounding_keeps_the_sum_exactly():
    probs = {"ICU": 1 / 3, "ward": 1 / 3, "discharge": 1 / 3 - 1e-7, "death": 1e-7}
    rounded = round_to_sum(probs)
    assert list(rounded) == list(probs)
    assert sum(round(v * 10**4) for v in rounded.values()) == 10**4
    assert rounded["death"] == 0.0 and rounded["ICU"] == 0.3334
    profile = round_vector(np.random.default_rng(1).gamma(2, 1, 168), 4, total=168)
    assert np.rint(profile * 10**4).sum() == 168 * 10**4
    with pytest.raises(ValueError):
        round_to_sum({"a": 0.0})
