"""The forecast's demand model and warnings in the report: page 1 says them, not only page 9."""

from __future__ import annotations

from hospitaltwin.report.demand_pages import model_table, trust_sentences, warning_sentences

SUMMARY = {
    "demand_model": "trend", "history_weeks": 4,
    "warnings": ["stale state: the state is 3 days old", "unit X of the layout has no daily counts"],
    "demand": {"ED": {"model": "trend",
                      "params": {"sigma2_irregular": 0.01, "sigma2_level": 1e-4, "sigma2_trend": 1e-6},
                      "diagnostics": {"level_per_day": 61.2, "trend_per_day": 0.004,
                                      "trend_per_day_band": [-0.011, 0.019], "ljung_box_p": 0.3}}},
    "recalibration": {"COVID": {}},
}


def test_page_one_names_every_warning_the_demand_model_and_the_recalibration():
    assert warning_sentences(SUMMARY) == ["Warning: stale state: the state is 3 days old.",
                                          "Warning: unit X of the layout has no daily counts."]
    said = trust_sentences(SUMMARY)
    assert "local linear trend" in said[0] and "last 4 weeks" in said[0]
    assert "COVID" in said[1] and "recent forecast errors" in said[1]
    assert trust_sentences({}) == [] == warning_sentences({})  # written before the demand model


def test_the_model_table_shows_level_trend_band_and_variances():
    table = model_table(SUMMARY)
    (row,) = table.rows
    assert row[0] == "ED" and row[1] == "trend" and "+0.40%" in row[3] and "[-1.10%, +1.90%]" in row[3]
    assert "irregular 0.01" in row[4] and "trend 1e-06" in row[4]


def test_page_one_puts_the_warnings_before_the_risks():
    from hospitaltwin.report.board import Finding, blocks

    out = blocks([Finding("risks", "ED fills"), Finding("trust", "precision"),
                  Finding("warnings", "Warning: stale state.")])
    headings = [b.text for b in out if type(b).__name__ == "Heading"]
    assert headings == ["Read this first", "Risks in the coming days", "How far to trust this"]
