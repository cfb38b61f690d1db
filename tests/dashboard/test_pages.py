"""The dashboard in a real headless Chromium against the real server: login, the overview's
numbers against /api/v1/state, a forecast view, a what-if that adds beds (sentence, chart,
policy download), the flow animation playing, roles, downloads; screenshots at 1280 and 390 px.
Every test also fails on a browser console error or a request that would leave loopback."""

from __future__ import annotations

import re

import pytest
import yaml

LOADED = "() => document.body.getAttribute('data-loaded') === '1'"
PAGES = ["/", "/forecast", "/forecast/ICU", "/whatif", "/flow", "/downloads"]


def test_a_logged_out_browser_is_sent_to_login_from_every_page(dashboard, browser):
    server, _ = dashboard
    for path in PAGES:
        browser.page.goto(server.http + path)
        assert browser.page.url == server.http + "/login", path
        assert browser.page.locator("form[action='/login'] #username").count() == 1


def _tile_numbers(tile) -> dict:
    return {name: int(tile.locator(f".{name}").inner_text())
            for name in ("occupied", "staffed", "physical", "waiting", "boarding")}


def test_overview_shows_every_unit_with_the_state_numbers(dashboard, browser):
    server, _ = dashboard
    browser.login(server.http, "analyst")
    browser.page.wait_for_selector("#units .tile")
    state = browser.page.request.get(server.http + "/api/v1/state").json()
    layout_units = set(server_layout_units(browser, server))
    shown = {t.get_attribute("data-unit"): t for t in browser.page.locator("#units .tile").all()}
    assert layout_units <= set(shown), "every unit of the layout has a tile"
    for unit in state["units"]:
        assert _tile_numbers(shown[unit["unit"]]) == {k: unit[k] for k in (
            "occupied", "staffed", "physical", "waiting", "boarding")}, unit["unit"]
    total = sum(u["occupied"] for u in state["units"])
    hospital = browser.page.locator("#hospitals .tile").first
    assert int(hospital.locator(".occupied").inner_text()) == total
    for pool in state["equipment"]:
        tile = browser.page.locator(f"#equipment .tile[data-pool='{pool['kind']}']")
        assert int(tile.locator(".in-use").inner_text()) == pool["in_use"]
    chips = browser.page.locator("#units .tile .chip").all_inner_texts()
    assert any(re.fullmatch(r"72 h \d+(\.\d)?%", c) for c in chips), "risks come from the forecast"
    assert "forecast from" in browser.page.locator("#asof").inner_text()
    latest = browser.page.request.get(server.http + "/api/v1/forecasts/latest").json()
    warnings = latest["summary"].get("warnings", [])
    assert any("stale state" in w for w in warnings), "the sample's state is from 2025"
    shown_warnings = browser.page.locator("#alerts .warning").all_inner_texts()
    assert shown_warnings == [f"Forecast warning: {w}" for w in warnings]
    browser.shot("overview")
    browser.resize(390)
    browser.page.wait_for_timeout(300)
    assert browser.page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scroll"
    browser.shot("overview")


def server_layout_units(browser, server) -> list[str]:
    import json

    raw = browser.page.locator("#units").get_attribute("data-layout")
    return [u["id"] for u in json.loads(raw)]


def test_overview_redraws_in_place_without_a_reload(dashboard, browser):
    server, _ = dashboard
    browser.login(server.http, "viewer")
    page = browser.page
    page.goto(server.http + "/?refresh=5")
    page.wait_for_selector("#units .tile")
    page.evaluate("window.__sameDocument = true")
    first = page.get_attribute("body", "data-loaded")
    page.evaluate("window.scrollTo(0, 200)")
    page.wait_for_function(f"() => document.body.getAttribute('data-loaded') !== '{first}'",
                           timeout=30_000)
    assert page.evaluate("window.__sameDocument") is True, "the page was not reloaded"
    assert page.evaluate("window.scrollY") == 200, "the scroll position stays"


def test_forecast_view_draws_the_fan_chart_and_daily_risk(dashboard, browser):
    server, _ = dashboard
    browser.open(server.http, "viewer", "/forecast/ICU")
    browser.page.wait_for_function(LOADED)
    assert browser.page.locator("#fan .main-svg").count() >= 1
    assert browser.page.locator("#daily .main-svg").count() >= 1
    legend = browser.page.locator("#fan .legend").text_content()
    for name in ("median", "50% band", "90% band", "staffed capacity", "physical beds"):
        assert name in legend
    facts = browser.page.locator("#assumed").inner_text()
    assert "Demand assumed" in facts and "How well recent forecasts held up" in facts
    assert "arrivals a day now" in facts or "of the usual arrivals" in facts, facts
    browser.shot("forecast-ICU")
    browser.page.select_option("#pick", "ventilator")
    browser.page.wait_for_url(server.http + "/forecast/ventilator")
    browser.page.wait_for_function(LOADED)
    assert "devices" in browser.page.locator("#fan .legend").text_content()


def test_a_what_if_adding_beds_is_answered_in_sentences_and_saved_as_a_policy(dashboard, browser):
    server, _ = dashboard
    browser.open(server.http, "analyst", "/whatif")
    page = browser.page
    for _ in range(4):
        page.click("button[data-for='beds-ICU'][data-step='1']")
    assert page.input_value("#beds-ICU") == "4"
    page.fill("#policy-name", "icu-plus-4")
    page.fill("#reps", "6")
    page.fill("#days", "7")
    page.click("#run-whatif")
    page.wait_for_selector("#progress:not([hidden])")
    page.wait_for_selector("#answer:not([hidden])", timeout=150_000)
    changes = page.locator("#changes li").all_inner_texts()
    assert re.match(r"ICU time at staffed capacity \d+(\.\d)?% → \d+(\.\d)?% \(95% CI of the "
                    r"difference [−+]?[\d.]+ to [−+]?[\d.]+ points\)", changes[0]), changes
    assert page.locator("#limits li").count() >= 1
    assert page.locator("#chart-pfull .main-svg").count() >= 1
    assert page.locator("#answer-table tr").count() > 2
    browser.shot("whatif")
    with page.expect_download() as download:
        page.click("#download-policy")
    saved = yaml.safe_load(open(download.value.path(), encoding="utf-8"))
    assert saved["name"] == "icu-plus-4"
    assert saved["changes"]["beds"] == [{"unit": "ICU", "add": 4}]
    browser.resize(390)
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scroll"
    browser.shot("whatif")


def test_a_viewer_sees_no_what_if_form(dashboard, browser):
    server, _ = dashboard
    browser.open(server.http, "viewer", "/whatif")
    assert browser.page.locator("form#whatif").count() == 0
    assert "analyst role" in browser.page.locator("main").inner_text()


def test_the_flow_animation_plays_and_pauses(dashboard, browser):
    server, _ = dashboard
    browser.open(server.http, "viewer", "/flow")
    page = browser.page
    page.wait_for_selector("#flow .flow-plot .main-svg", timeout=60_000)
    assert page.locator("#flow .flow-plot .scatterlayer .point").count() > 50, "patients drawn"
    browser.play_and_pause()
    clock = page.locator(".flow-clock").inner_text()
    assert re.match(r"\w{3} \d{4}-\d\d-\d\d \d\d:\d\d · day \d+", clock), clock
    browser.shot("flow")
    browser.resize(390)
    page.wait_for_timeout(600)
    browser.shot("flow")


def test_downloads_give_the_forecast_csv_and_workbook(dashboard, browser):
    server, _ = dashboard
    browser.open(server.http, "viewer", "/downloads")
    page = browser.page
    page.wait_for_selector("#downloads a")
    labels = page.locator("#downloads a").all_inner_texts()
    assert labels == ["PDF report", "PNG figures", "Forecast CSV", "Excel workbook"]
    for label, head in (("Forecast CSV", b"resource,kind,time"), ("Excel workbook", b"PK")):
        with page.expect_download(timeout=120_000) as download:
            page.click(f"#downloads a:text('{label}')")
        assert open(download.value.path(), "rb").read(len(head)) == head, label
    browser.shot("downloads")


@pytest.mark.slow
def test_downloads_give_the_report_and_figures(dashboard, browser):
    server, _ = dashboard
    browser.open(server.http, "viewer", "/downloads")
    page = browser.page
    page.wait_for_selector("#downloads a")
    for label, head in (("PDF report", b"%PDF"), ("PNG figures", b"PK")):
        with page.expect_download(timeout=300_000) as download:
            page.click(f"#downloads a:text('{label}')")
        assert open(download.value.path(), "rb").read(len(head)) == head, label
