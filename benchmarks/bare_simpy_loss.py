"""Idiomatic bare-SimPy loss model: the baseline the engine is measured against.

One process per patient and a ``simpy.Resource`` for the beds, as the SimPy documentation
writes such models: 40 beds, Poisson arrivals 8/day, lognormal stays 4.5 +- 3 days, patients
diverted when every bed is taken. Prints the diversion fraction and the number of SimPy
events processed so the two implementations can be compared on equal terms.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import simpy

BEDS, RATE_PER_DAY, MEAN_H, SD_H = 40, 8.0, 4.5 * 24, 3.0 * 24


def patient(env, beds, los, counts):
    counts["arrivals"] += 1
    if beds.count >= beds.capacity:
        counts["diverted"] += 1
        return
    with beds.request() as request:
        yield request
        yield env.timeout(los)


def arrivals(env, beds, rng, counts):
    sigma = math.sqrt(math.log1p((SD_H / MEAN_H) ** 2))
    mu = math.log(MEAN_H) - sigma**2 / 2
    while True:
        yield env.timeout(rng.exponential(24.0 / RATE_PER_DAY))
        env.process(patient(env, beds, rng.lognormal(mu, sigma), counts))


def main(years: float) -> None:
    env = simpy.Environment()
    beds = simpy.Resource(env, capacity=BEDS)
    counts = {"arrivals": 0, "diverted": 0}
    env.process(arrivals(env, beds, np.random.default_rng(1), counts))
    env.run(until=years * 365 * 24)
    print(f"arrivals={counts['arrivals']} diverted_fraction={counts['diverted'] / counts['arrivals']:.4f} "
          f"events={next(env._eid)}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 30)
