"""The files a user writes: layouts, demand and scenarios, as frozen validated models."""

from hospitaltwin.config.demand import ArrivalStream, Demand, EquipmentNeed, LosSpec, UnitDemand
from hospitaltwin.config.layout import EquipmentPool, Layout, Link, Shift, StaffGroup, Unit
from hospitaltwin.config.load import (
                                      parse_scenario,
                                      read_demand,
                                      read_layout,
                                      read_scenario,
                                      scenario_from_dict,
)
from hospitaltwin.config.scenario import Changes, RunSpec, Scenario

__all__ = [
    "ArrivalStream", "Changes", "Demand", "EquipmentNeed", "EquipmentPool", "Layout", "Link",
    "LosSpec", "RunSpec", "Scenario", "Shift", "StaffGroup", "Unit", "UnitDemand",
    "parse_scenario", "read_demand", "scenario_from_dict", "read_layout", "read_scenario",
]
