"""An independent second engine, written on salabim, against which the SimPy engine is tested.

See :mod:`~hospitaltwin.crosscheck.salabim_engine`. It shares only the scenario model, the
duration laws and the calendar with the main engine.
"""
