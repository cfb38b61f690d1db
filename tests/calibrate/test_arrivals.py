"""Arrival streams: rate with exact interval, hour-of-week shape, shrinkage, sources, warnings."""

import numpy as np
import pandas as pd
import pytest
from calib_synth import entry_stays, poisson_arrivals
from scipy import stats

from hospitaltwin.calibrate.arrivals import fit_arrivals
from hospitaltwin.calibrate.profile import exposure_by_hour, fit_profile, hour_of_week

TZ = "Europe/Amsterdam"
SINCE = pd.Timestamp("2024-01-01 00:00", tz=TZ).tz_convert("UTC")
UNTIL = SINCE + pd.Timedelta(weeks=52)
HOW = np.arange(168)


def sinusoid(amplitude=0.5, peak_hour=14):
    shape = 1 + amplitude * np.cos(2 * np.pi * (HOW % 24 - peak_hour) / 24)
    return shape / shape.mean()


def test_rate_and_hour_of_day_shape_recovered_within_intervals():
    truth = sinusoid()
    times = poisson_arrivals(SINCE, UNTIL, 20.0, truth, TZ, np.random.default_rng(1))
    streams, reports = fit_arrivals(entry_stays(times), SINCE, UNTIL, timezone=TZ)
    (stream,), (report,) = streams, reports
    assert report.ci95[0] < 20.0 < report.ci95[1]
    assert report.ci95[1] - report.ci95[0] < 0.1 * 20
    assert stream.rate == pytest.approx(len(times) / 364, rel=1e-5)
    p = report.profile
    # every bin's fitted expected count lies inside the Poisson 95% range of the true mean
    true_mean = 20.0 / 24 * truth * p.exposure_h
    fitted = report.rate / 24 * p.profile * p.exposure_h
    low, high = stats.poisson.ppf(0.025, true_mean), stats.poisson.ppf(0.975, true_mean)
    assert np.all((low <= fitted) & (fitted <= high))
    def by_hour(x):
        return x.reshape(7, 24).sum(axis=0)

    low, high = (
        stats.poisson.ppf(0.025, by_hour(true_mean)),
        stats.poisson.ppf(0.975, by_hour(true_mean)),
    )
    assert np.all((low <= by_hour(fitted)) & (by_hour(fitted) <= high))
    raw = p.raw / p.raw.mean()
    assert np.sqrt(np.mean((p.profile - truth) ** 2)) < 0.5 * np.sqrt(np.mean((raw - truth) ** 2))
    assert np.argmax(p.profile.reshape(7, 24).mean(axis=0)) in (13, 14, 15)
    assert sum(stream.profile) == pytest.approx(168, abs=1e-9) and len(stream.profile) == 168


def test_profile_intervals_cover_the_truth_on_average():
    """Per-bin errors are correlated along the smooth curve, so one seed says little."""
    truth, cover = sinusoid(), []
    for seed in range(30):
        times = poisson_arrivals(SINCE, UNTIL, 20.0, truth, TZ, np.random.default_rng(100 + seed))
        _, (report,) = fit_arrivals(entry_stays(times), SINCE, UNTIL, timezone=TZ)
        cover.append(np.mean((report.profile.low <= truth) & (truth <= report.profile.high)))
    print(f"mean per-bin coverage {np.mean(cover):.3f}")
    assert np.mean(cover) >= 0.85, np.mean(cover)


def test_flat_arrivals_give_a_flat_profile():
    times = poisson_arrivals(SINCE, UNTIL, 5.0, np.ones(168), TZ, np.random.default_rng(2))
    _, (report,) = fit_arrivals(entry_stays(times), SINCE, UNTIL, timezone=TZ)
    assert report.profile.model == "flat by hour"
    assert np.abs(report.profile.profile - 1).max() < 0.05


def test_shrinkage_pulls_sparse_hours_and_keeps_dense_ones():
    rng = np.random.default_rng(3)
    smooth = np.exp(2.5 * np.cos(2 * np.pi * (HOW % 24 - 14) / 24))
    bumps = rng.gamma(20, 1 / 20, 168)
    truth = smooth * bumps
    exposure = np.full(168, 104.0)
    counts = rng.poisson(exposure * 6.0 * truth / truth.max())
    p = fit_profile(counts, exposure)
    assert 7 < p.alpha < 60
    dense, sparse = p.weight > 0.85, p.weight < 0.3
    assert dense.sum() >= 30 and sparse.sum() >= 30
    assert np.all(np.abs(p.shrunk[dense] / p.raw[dense] - 1) < 0.1)
    gap_raw = np.abs(p.raw[sparse] - p.smooth[sparse])
    gap_shrunk = np.abs(p.shrunk[sparse] - p.smooth[sparse])
    assert np.all(gap_shrunk <= 0.3 * gap_raw + 1e-12)


def test_no_extra_variation_means_every_hour_follows_the_smooth_fit():
    rng = np.random.default_rng(4)
    exposure = np.full(168, 52.0)
    counts = rng.poisson(exposure * 0.5 * sinusoid())
    p = fit_profile(counts, exposure)
    assert p.alpha > 200 and p.weight.max() < 0.2
    assert np.abs(p.shrunk / p.smooth - 1).max() < 0.2


def test_exposure_follows_local_hours_across_daylight_saving():
    since = pd.Timestamp("2024-03-25 00:00", tz=TZ)
    until = pd.Timestamp("2024-04-01 00:00", tz=TZ)
    e = exposure_by_hour(since.tz_convert("UTC"), until.tz_convert("UTC"), TZ)
    assert e.sum() == 167  # the clocks went forward on Sunday 31 March
    assert e[6 * 24 + 2] == 0 and np.all(np.delete(e, 6 * 24 + 2) == 1)
    monday = pd.DatetimeIndex([pd.Timestamp("2024-03-25 00:30", tz=TZ)])
    assert hour_of_week(monday, TZ)[0] == 0


def test_streams_per_source_and_merged():
    rng = np.random.default_rng(5)
    ems = poisson_arrivals(SINCE, UNTIL, 6.0, np.ones(168), TZ, rng)
    walk = poisson_arrivals(SINCE, UNTIL, 14.0, sinusoid(), TZ, rng)
    none = poisson_arrivals(SINCE, UNTIL, 1.0, np.ones(168), TZ, rng)
    stays = pd.concat(
        [
            entry_stays(ems, source="ambulance"),
            entry_stays(walk, source="walk-in"),
            entry_stays(none),
            entry_stays(walk[:50], unit="ICU").assign(entry=False),
        ],
        ignore_index=True,
    )
    streams, reports = fit_arrivals(stays, SINCE, UNTIL, timezone=TZ)
    assert [s.stream_name for s in streams] == ["ED", "ED:ambulance", "ED:walk-in"]
    by = {r.stream: r for r in reports}
    for name, rate in (("ED", 1.0), ("ED:ambulance", 6.0), ("ED:walk-in", 14.0)):
        assert by[name].ci95[0] < rate < by[name].ci95[1]
    merged, (one,) = fit_arrivals(stays, SINCE, UNTIL, timezone=TZ, by_source=False)
    assert one.stream == "ED" and one.n == len(ems) + len(walk) + len(none)


def test_thin_streams_warn():
    short_until = SINCE + pd.Timedelta(days=10)
    times = poisson_arrivals(SINCE, short_until, 2.0, np.ones(168), TZ, np.random.default_rng(6))
    _, (report,) = fit_arrivals(entry_stays(times), SINCE, short_until, timezone=TZ)
    text = " ".join(report.warnings)
    assert "fewer than 30" in text and "under 4 weeks" in text and "per hour-of-week bin" in text
    times = poisson_arrivals(SINCE, UNTIL, 40.0, sinusoid(), TZ, np.random.default_rng(7))
    _, (report,) = fit_arrivals(entry_stays(times), SINCE, UNTIL, timezone=TZ)
    assert report.warnings == ()


def test_flat_data_rarely_get_a_spurious_pattern():
    models, worst = [], []
    for seed in range(40):
        rng = np.random.default_rng(200 + seed)
        exposure = np.full(168, 52.0)
        p = fit_profile(rng.poisson(exposure * 8 / 24), exposure)
        models.append(p.model)
        worst.append(np.abs(p.profile - 1).max())
    assert models.count("flat by hour") >= 36
    assert np.median(worst) < 1e-3  # most flat fits stay flat: no noise written in
