"""Utilities every stage uses and that know nothing of hospitals' files or stages.

Located user errors (:mod:`~hospitaltwin.core.errors`), result folders the tool owns and safe
output files (:mod:`~hospitaltwin.core.outputs`), durations and times
(:mod:`~hospitaltwin.core.durations`), the columnar :class:`~hospitaltwin.core.frame.Frame`,
SciPy-free t and binomial quantiles (:mod:`~hospitaltwin.core.tstats`), named random streams
(:mod:`~hospitaltwin.core.streams`), duration laws (:mod:`~hospitaltwin.core.distributions`) and
the hospital's state as a plain value (:mod:`~hospitaltwin.core.state`). The bottom layer:
it imports nothing else of hospitaltwin.
"""
