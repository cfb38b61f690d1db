"""``hospitaltwin animate``: a bundled scenario's run becomes one HTML file that plays in
Chromium with the network blocked (the file is the only request), and bad input is one line
with exit status 2."""

from __future__ import annotations

from tests.dashboard.conftest import Browser
from tests.service.conftest import ROOT, cli


def test_animate_writes_one_file_that_plays_offline(chromium, tmp_path):
    run = tmp_path / "run"
    done = cli("run", str(ROOT / "scenarios" / "community-baseline.yaml"), "-r", "2",
               "--horizon", "35d", "--out", str(run))
    assert done.returncode == 0, done.stderr
    html = tmp_path / "mail" / "flow.html"
    done = cli("animate", str(run), "--out", str(html), "--length", "2d")
    assert done.returncode == 0, done.stderr
    assert "animation:" in done.stdout and html.is_file()
    assert [p.name for p in html.parent.iterdir()] == ["flow.html"], "one file"
    assert html.stat().st_mode & 0o777 == 0o600, "private, like every output"
    onto_folder = cli("animate", str(run), "--out", str(html.parent), "--length", "2d")
    assert onto_folder.returncode == 2 and "is a folder" in onto_folder.stderr
    assert "Traceback" not in onto_folder.stderr and html.is_file()
    browser = Browser(chromium, tmp_path / "profile", width=1280)
    try:
        browser.page.goto(html.as_uri())
        browser.play_and_pause()
        browser.shot("animate-offline")
        assert browser.requests == [html.as_uri()], browser.requests
        browser.check_clean()
    finally:
        browser.close()


def test_animate_refuses_what_it_cannot_draw(tmp_path):
    missing = cli("animate", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.html"))
    assert missing.returncode == 2 and "manifest" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not (tmp_path / "x.html").exists()
