"""Names for boards: units by their full name, lists joined as a sentence.

Numbers are formatted in :mod:`~hospitaltwin.report.numformat`; this module only names things.
"""

from __future__ import annotations


def unit_title(layout: dict, unit: str) -> str:
    """``ICU — Intensive care unit`` when the layout names the unit, else its id."""
    name = unit_name(layout, unit)
    return f"{unit} — {name}" if name != unit else unit


def unit_name(layout: dict, unit: str) -> str:
    """``Intensive care unit`` (the layout's name for the unit), else its id."""
    spec = (layout.get("units") or {}).get(unit) or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    return str(name) if name else unit


def listing(items, conjunction: str = "and") -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
