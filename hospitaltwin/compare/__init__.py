"""Comparing policies on common random numbers: paired differences of every KPI.

See :mod:`~hospitaltwin.compare.paired`.
"""
