"""Calendar and capacity arithmetic: a scenario's demand, beds and staff laid out in run hours.

Hourly arrival rates and Poisson arrival times (:mod:`~hospitaltwin.calendar.timeline`) and
staffed capacity from rosters and absence (:mod:`~hospitaltwin.calendar.staffing`). It sits
above ``config`` and below the engine, so the engine, the state store's capacity, the forecast
trend and the optimisers share one piece of arithmetic without depending on the engine.
"""
