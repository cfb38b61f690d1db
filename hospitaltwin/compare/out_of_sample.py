"""The out-of-sample test of a plan: the plan against the baseline on patients it never saw.

An optimiser (surge beds, device network, nurse roster) chooses its plan on demand paths drawn
with one seed. The plan is then judged in the engine as ``hospitaltwin compare`` judges any
policy: the baseline and the plan run on common random numbers, paired replication by
replication, but from another seed, so the patients of the test are not those the plan was
fitted to. :func:`require_fresh_seed` is the one check of that rule (the command line calls it
before an expensive solve); :func:`out_of_sample` runs the test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hospitaltwin.compare.paired import Comparison, compare
from hospitaltwin.config.policy import Policy
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import PathSource
from hospitaltwin.experiment.replicate import with_run


def require_fresh_seed(seed: int, plan_seed: int) -> None:
    """Refuse an evaluation seed that is the seed the plan was optimised on.

    Raises
    ------
    HospitaltwinError
        When ``seed == plan_seed``: the test would not be out of sample.
    """
    if seed == plan_seed:
        raise HospitaltwinError(f"the evaluation seed ({seed}) is the seed the plan is optimised on, so the test "
                                "would not be out of sample; an out-of-sample test needs another (--eval-seed)")


def out_of_sample(baseline: Scenario, plan: Policy, *, seed: int, replications: int, plan_seed: int,
                  workers: int = 1, state: SystemState | None = None, out: Path | None = None,
                  derive: Callable[[dict], dict] | None = None,
                  demand: PathSource | None = None) -> Comparison:
    """Paired differences plan - baseline over ``replications`` runs seeded ``seed``.

    Parameters
    ----------
    baseline
        The scenario as the hospital runs it without the plan, with the horizon to measure.
    plan
        The plan as a policy.
    seed, replications
        The test's seed (not ``plan_seed``) and number of paired replications.
    plan_seed
        The seed of the demand paths the plan was optimised on.
    workers, state, out, derive, demand
        As for :func:`~hospitaltwin.compare.paired.compare`: worker processes, the state both
        start from, a directory for ``comparison.csv``, KPIs derived per replication, and
        per-replication demand paths (drawn with ``seed``, not the plan's).

    Returns
    -------
    Comparison
        One row per KPI with both means, the paired difference, its 95% CI and the better side.
    """
    require_fresh_seed(seed, plan_seed)
    spec = with_run(baseline, seed=seed, replications=replications)
    return compare(spec, [plan], workers=workers, state=state, out=out, derive=derive, demand=demand)
