"""compare.explain: the headline sentence's exact form, and limits read off the KPIs alone."""

from __future__ import annotations

from hospitaltwin.compare.explain import explain


def row(name, kpi, base, policy, lo, hi, scope="unit"):
    better = "policy" if hi < 0 else "baseline" if lo > 0 else "none"
    return {"policy": "p", "scope": scope, "name": name, "kpi": kpi, "baseline_mean": base,
            "policy_mean": policy, "diff_mean": policy - base, "diff_lo": lo, "diff_hi": hi,
            "better": better}


def test_the_headline_sentence_reads_as_a_planner_would_say_it():
    rows = [row("MICU", "mean_physical_beds", 30, 34, 4, 4),
            row("MICU", "mean_staffed_beds", 30, 34, 4, 4),
            row("MICU", "p_full", 0.27, 0.07, -0.23, -0.17)]
    said = explain(rows)
    assert said.changes[0] == ("MICU time at staffed capacity 27% → 7% (95% CI of the difference "
                               "−23 to −17 points).")


def test_new_beds_without_staff_are_named_as_the_limit():
    rows = [row("MICU", "mean_physical_beds", 30, 34, 4, 4),
            row("MICU", "mean_staffed_beds", 28, 28.2, 0.1, 0.3),
            row("MICU", "p_full", 0.27, 0.26, -0.03, 0.01),
            row("MICU", "over_ratio_h", 20, 60, 30, 50)]
    said = explain(rows)
    assert said.changes[0].endswith(": no clear change.")
    assert said.limits[0].startswith("The new beds in MICU were not staffed")
    assert "hours over the staff ratio rose 20 → 60 h" in said.limits[0]


def test_pressure_that_moves_downstream_is_said():
    rows = [row("ICU", "mean_physical_beds", 10, 14, 4, 4),
            row("ICU", "mean_staffed_beds", 10, 14, 4, 4),
            row("ICU", "p_full", 0.3, 0.1, -0.25, -0.15),
            row("ICU", "boarding_h_per_day", 2, 6, 3, 5),
            row("SDU", "p_full", 0.2, 0.35, 0.1, 0.2),
            row("ventilator", "unmet_fraction", 0.01, 0.03, 0.01, 0.03, scope="equipment")]
    limits = " ".join(explain(rows).limits)
    assert "Patients ready to leave ICU waited longer for a bed downstream" in limits
    assert "The pressure moved to SDU" in limits
    assert "The pressure moved to ventilator" in limits


def test_a_unit_that_was_rarely_full_is_said_to_have_had_little_to_relieve():
    rows = [row("WARD", "mean_physical_beds", 20, 24, 4, 4),
            row("WARD", "mean_staffed_beds", 20, 24, 4, 4),
            row("WARD", "p_full", 0.02, 0.0, -0.03, -0.01)]
    assert "had little to relieve" in explain(rows).limits[-1]


def test_no_significant_change_says_so():
    rows = [row("A", "p_full", 0.2, 0.21, -0.02, 0.04)]
    assert explain(rows).changes == ["No KPI changed beyond its 95% confidence interval."]
