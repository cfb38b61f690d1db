"""Synthetic data with known truth for the calibration tests (numpy only, seeded)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special


def weibull_shape(cv: float) -> float:
    """Weibull shape with coefficient of variation ``cv`` (independent of the fitter's)."""
    def gap(k):
        return np.sqrt(special.gamma(1 + 2 / k) / special.gamma(1 + 1 / k) ** 2 - 1) - cv

    return optimize.brentq(gap, 0.2, 20.0)


def draw(family: str, mean: float, cv: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` durations from ``family`` with the given mean and coefficient of variation."""
    if family == "exponential":
        return rng.exponential(mean, n)
    if family == "lognormal":
        s2 = np.log1p(cv * cv)
        return rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)
    if family == "gamma":
        return rng.gamma(1 / cv**2, mean * cv**2, n)
    if family == "weibull":
        k = weibull_shape(cv)
        return rng.weibull(k, n) * mean / special.gamma(1 + 1 / k)
    raise ValueError(family)


def censor_limit(family: str, mean: float, cv: float, fraction: float) -> float:
    """``K`` such that censoring at ``Uniform(0, K)`` hits about ``fraction`` of durations."""
    pilot = draw(family, mean, cv, 200_000, np.random.default_rng(12345))

    def share(k):
        return np.mean(pilot > np.random.default_rng(6789).uniform(0, k, pilot.size)) - fraction

    return optimize.brentq(share, mean * 0.05, mean * 200)


def censored_sample(family, mean, cv, n, fraction, seed):
    """Durations with independent uniform censoring; returns ``(durations, observed, truth)``."""
    rng = np.random.default_rng(seed)
    truth = draw(family, mean, cv, n, rng)
    limit = rng.uniform(0, censor_limit(family, mean, cv, fraction), n)
    return np.minimum(truth, limit), truth <= limit, truth


def hour_of_week_local(times, timezone):
    local = pd.DatetimeIndex(times).tz_convert(timezone)
    return np.asarray(local.day_of_week * 24 + local.hour)


def poisson_arrivals(since, until, rate_per_day, profile, timezone, rng) -> pd.DatetimeIndex:
    """Arrival times of a Poisson process whose rate per hour is ``rate/24 * profile[local how]``.

    Piecewise constant by UTC hour (the local hour-of-week of each UTC hour's midpoint), so the
    counts per hour are exactly Poisson and times are uniform within the hour.
    """
    edges = pd.date_range(since, until, freq="h")
    how = hour_of_week_local(edges[:-1] + pd.Timedelta(minutes=30), timezone)
    counts = rng.poisson(rate_per_day / 24 * np.asarray(profile)[how])
    starts = np.repeat(edges[:-1].as_unit("ns").asi8, counts)
    offsets = rng.uniform(0, 3600e9, counts.sum()).astype(np.int64)
    return pd.DatetimeIndex(np.sort(starts + offsets), tz="UTC")


def entry_stays(times, unit="ED", source=None) -> pd.DataFrame:
    """Entry stays (only the columns arrivals need) starting at ``times``."""
    return pd.DataFrame(
        {
            "unit": unit,
            "start": times,
            "entry": True,
            "source": pd.Series([source] * len(times), dtype="string"),
        }
    )


# A small hospital with known parameters: ED -> ward / ICU, infinite capacity.
HOSPITAL = {
    "arrivals": {("ED", "ambulance"): 8.0, ("ED", "walk-in"): 22.0, ("ICU", None): 1.0},
    "los": {
        "ED": ("lognormal", 6.0, 0.7),
        "ICU": ("gamma", 96.0, 0.9),
        "ward": ("weibull", 120.0, 0.7),
    },
    "next": {
        "ED": {"ward": 0.35, "ICU": 0.08, "discharge": 0.565, "death": 0.005},
        "ICU": {"ward": 0.75, "death": 0.15, "discharge": 0.10},
        "ward": {"discharge": 0.93, "ICU": 0.04, "death": 0.03},
    },
    "ventilator": {"unit": "ICU", "p": 0.4, "law": ("weibull", 72.0, 0.8)},
}


def _one(law, rng):
    family, mean, cv = law
    return float(draw(family, mean, cv, 1, rng)[0])


def _route(unit, rng, spec=HOSPITAL):
    targets = list(spec["next"][unit])
    return targets[rng.choice(len(targets), p=list(spec["next"][unit].values()))]


def hospital_log(since, weeks, seed, spec=HOSPITAL, timezone="UTC"):
    """Stays and ventilator episodes of the hospital ``spec``, censored at the log end."""
    rng = np.random.default_rng(seed)
    log_end = since + pd.Timedelta(weeks=weeks)
    stays, episodes, pid = [], [], 0
    for (unit, source), rate in spec["arrivals"].items():
        profile = np.ones(168)
        for t0 in poisson_arrivals(since, log_end, rate, profile, timezone, rng):
            pid += 1
            _patient(f"p{pid}", unit, source, t0, log_end, rng, spec, stays, episodes)
    stays = pd.DataFrame(
        stays,
        columns=[
            "patient_id",
            "encounter_id",
            "unit",
            "start",
            "end",
            "next",
            "source",
            "entry",
            "from_unit",
        ],
    )
    for col in ("start", "end"):
        stays[col] = pd.to_datetime(stays[col], utc=True)
    for col in ("next", "source", "from_unit"):
        stays[col] = stays[col].astype("string")
    episodes = pd.DataFrame(episodes, columns=["patient_id", "unit", "equipment", "start", "end"])
    for col in ("start", "end"):
        episodes[col] = pd.to_datetime(episodes[col], utc=True)
    stays.attrs["log_end"] = log_end
    return stays, episodes


def _patient(pid, unit, source, t, log_end, rng, spec, stays, episodes):
    previous = None
    while True:
        end = t + pd.Timedelta(hours=_one(spec["los"][unit], rng))
        nxt = _route(unit, rng, spec)
        vent = spec["ventilator"]
        if unit == vent["unit"] and rng.random() < vent["p"]:
            v_end = t + pd.Timedelta(hours=_one(vent["law"], rng))
            episodes.append((pid, unit, "ventilator", t, v_end if v_end <= log_end else pd.NaT))
        closed = end <= log_end
        stays.append(
            (
                pid,
                f"e{pid}",
                unit,
                t,
                end if closed else pd.NaT,
                nxt if closed else pd.NA,
                source if previous is None else pd.NA,
                previous is None,
                previous,
            )
        )
        if not closed or nxt in ("discharge", "death"):
            return
        previous, unit, t = unit, nxt, end


def icu_with_devices(n, weeks, seed, p_vent=0.4, p_ecls=0.1):
    """ICU stays only, each holding its devices: ventilator, and ECLS escalated from it.

    Ventilation starts 0-2 h after entry (Weibull, mean 72 h, cv 0.8); ECLS starts an
    exponential delay (mean 12 h) after ventilation starts (lognormal, mean 120 h, cv 0.6). A
    device user stays until the devices end plus an exponential 24 h; others gamma (96 h, 0.9).
    """
    rng = np.random.default_rng(seed)
    since = pd.Timestamp("2024-01-01", tz="UTC")
    log_end = since + pd.Timedelta(weeks=weeks)
    starts = since + pd.to_timedelta(np.sort(rng.uniform(0, weeks * 168, n)), unit="h")
    stays, episodes = [], []
    def hour(h):
        return pd.Timedelta(hours=float(h))

    for i, t in enumerate(starts):
        pid, end = f"p{i}", t + hour(draw("gamma", 96.0, 0.9, 1, rng)[0])
        if rng.random() < p_vent:
            v0 = t + hour(rng.uniform(0, 2))
            v1 = v0 + hour(draw("weibull", 72.0, 0.8, 1, rng)[0])
            last = v1
            episodes.append((pid, "ICU", "ventilator", v0, v1))
            if rng.random() < p_ecls:
                e0 = v0 + hour(rng.exponential(12.0))
                e1 = e0 + hour(draw("lognormal", 120.0, 0.6, 1, rng)[0])
                episodes.append((pid, "ICU", "ecls", e0, e1))
                last = max(last, e1)
            end = last + hour(rng.exponential(24.0))
        stays.append((pid, f"e{i}", "ICU", t, end, "discharge", pd.NA, True, pd.NA))
    stays = pd.DataFrame(
        stays,
        columns=[
            "patient_id",
            "encounter_id",
            "unit",
            "start",
            "end",
            "next",
            "source",
            "entry",
            "from_unit",
        ],
    )
    episodes = pd.DataFrame(episodes, columns=["patient_id", "unit", "equipment", "start", "end"])
    episodes = episodes[episodes["start"] <= log_end].reset_index(drop=True)
    for frame in (stays, episodes):
        frame.loc[frame["end"] > log_end, "end"] = pd.NaT
    stays.loc[stays["end"].isna(), "next"] = pd.NA
    stays.attrs["log_end"] = log_end
    return stays, episodes
