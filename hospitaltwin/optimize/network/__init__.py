"""Network allocation across the hospitals of a regional layout (``optimize network``).

Moves ventilators, ECLS circuits and other devices between linked hospitals and plans the
transfer capacity of each link, to minimise the expected shortage over demand paths drawn
from the twin - or, with ``fair``, the worst hospital's. ``data`` builds the indexed arrays,
``model`` the two-stage MIP, ``explain`` the user-facing explanations, ``policy`` the files,
``plan`` the whole pipeline and ``evaluate`` the out-of-sample test in the engine.
"""

from hospitaltwin.optimize.network.data import Arc, NetworkData, network_data
from hospitaltwin.optimize.network.explain import InfeasiblePlan, check_minimums
from hospitaltwin.optimize.network.model import FirstStage, NetworkModel, Outcome, Settings, solve, status_quo
from hospitaltwin.optimize.network.plan import NetworkPlan, plan_from_data, plan_network, write_plan

__all__ = ["Arc", "FirstStage", "InfeasiblePlan", "NetworkData", "NetworkModel", "NetworkPlan", "Outcome",
           "Settings", "check_minimums", "network_data", "plan_from_data", "plan_network", "solve",
           "status_quo", "write_plan"]
