"""The decision layer: OR-Tools models that propose policies, tested against the twin.

Each optimiser reads demand from the twin (simulated paths or forecast quantiles), solves a
model with fixed seeds and deterministic limits, explains infeasibility in the user's terms,
and writes a policy file that ``hospitaltwin compare`` evaluates on fresh random numbers.
"""
