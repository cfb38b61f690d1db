"""Staff present on a shift: Binomial(rostered, presence) drawn by inverting the CDF, the same
whether the shifts' distinct (head count, rate) pairs are found per draw or once per plan."""

from __future__ import annotations

import numpy as np

from hospitaltwin.core.tstats import _binomial_quantile, binomial_groups, binomial_quantile


def test_draws_from_groups_found_once_are_the_draws_and_the_scalar_walk():
    rng = np.random.default_rng(5)
    n = rng.choice([0, 3, 8, 8, 12, 40], size=300)
    p = rng.choice([0.0, 0.9, 0.95, 1.0], size=300)
    groups = binomial_groups(n, p)
    assert sorted((nj, pj) for nj, pj, _ in groups) == sorted(set(zip(n.tolist(), p.tolist())))
    for _ in range(5):
        u = rng.random(300)
        once, each = binomial_quantile(u, n, p, groups), binomial_quantile(u, n, p)
        assert np.array_equal(once, each)
        assert once.tolist() == [_binomial_quantile(ui, int(ni), float(pi)) for ui, ni, pi in zip(u, n, p)]
