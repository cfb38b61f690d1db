"""The HTTP API on the real server: identities and roles, what-ifs equal to compare, bad input."""

from __future__ import annotations

import csv
import re
import time

import pytest
from typer.testing import CliRunner

from hospitaltwin.cli import load
from hospitaltwin.store import Store
from tests.service.adt import streams
from tests.service.conftest import KEY, ROOT, SCENARIO, Server, add_user, cli, wait_for
from tests.service.test_feed import as_file

POLICY = {"name": "icu-plus-4", "changes": {"beds": [{"unit": "ICU", "add": 4, "from": "0d"}]}}
runner = CliRunner()
PROTECTED = ["/api/v1/state", "/api/v1/forecasts", "/api/v1/forecasts/latest", "/api/v1/alerts",
             "/api/v1/patients", "/api/v1/users", "/api/v1/audit", "/api/v1/me"]


@pytest.fixture(scope="module")
def served(module_store_url, tmp_path_factory):
    """A server over a store synced with a small HL7 log, and a token per role."""
    folder = tmp_path_factory.mktemp("api")
    messages = [m for s in streams(120, 2, seed=21) for m in s]
    Store.open(module_store_url).sync([as_file(messages, folder / "log.hl7")], KEY.encode(),
                                      fmt="hl7")
    tokens = {role: add_user(module_store_url, role + "1", role)
              for role in ("viewer", "analyst", "admin")}
    server = Server(module_store_url, folder, "--forecast-every", "1h", "--whatif-queue", "1",
                    mllp=False)
    yield server, tokens, module_store_url, folder
    server.stop()
    server.kill()


def test_health_needs_no_identity(served):
    server, *_ = served
    with server.client() as client:
        answer = client.get("/api/v1/health")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_everything_else_needs_an_identity(served):
    server, *_ = served
    with server.client() as anonymous, server.client("not-a-real-token") as forged:
        for path in PROTECTED:
            for client in (anonymous, forged):
                answer = client.get(path)
                assert answer.status_code == 401, path
                assert "Bearer" in answer.headers["www-authenticate"]
                assert "authentication required" in answer.json()["error"]
        assert anonymous.post("/api/v1/whatif", json={"policy": POLICY}).status_code == 401


def test_roles(served):
    server, tokens, *_ = served
    with server.client(tokens["viewer"]) as viewer, server.client(tokens["analyst"]) as analyst:
        assert viewer.get("/api/v1/state").status_code == 200
        assert viewer.get("/api/v1/alerts").status_code == 200
        denied = viewer.post("/api/v1/whatif", json={"policy": POLICY})
        assert denied.status_code == 403 and "analyst" in denied.json()["error"]
        assert viewer.get("/api/v1/patients").status_code == 403
        assert analyst.get("/api/v1/users").status_code == 403
        assert analyst.post("/api/v1/users", json={"name": "x", "role": "admin",
                                                   "password": "p" * 20}).status_code == 403


def test_state_matches_the_store_and_holds_no_raw_identifier(served):
    server, tokens, url, _ = served
    with server.client(tokens["analyst"]) as analyst:
        state = analyst.get("/api/v1/state").json()
        people = analyst.get("/api/v1/patients")
    census = Store.open(url).state_at().census()
    assert {u["unit"]: u["occupied"] for u in state["units"] if u["occupied"]} == census
    icu = next(u for u in state["units"] if u["unit"] == "ICU")
    assert icu["physical"] == 12 and 0 < icu["staffed"] <= 12
    assert {e["kind"] for e in state["equipment"]} == {"ventilator"}
    assert people.status_code == 200
    assert len(people.json()["patients"]) == sum(census.values())
    assert all(re.fullmatch(r"[0-9a-f]{32}", p["patient"]) for p in people.json()["patients"])
    for text in (people.text, str(state)):
        assert "MRN" not in text and "V0000" not in text


def test_whatif_equals_compare_with_the_same_seed(served):
    server, tokens, _, folder = served
    body = {"policy": POLICY, "replications": 3, "seed": 5, "horizon": "40d", "start": "empty"}
    with server.client(tokens["analyst"]) as analyst:
        queued = analyst.post("/api/v1/whatif", json=body)
        assert queued.status_code == 202, queued.text
        job = wait_for(lambda: _finished(analyst, queued.json()["job"]), 240, what="the what-if")
    assert job["state"] == "done", job
    policy = folder / "policy.yaml"
    policy.write_text("name: icu-plus-4\nchanges:\n  beds: [{unit: ICU, add: 4, from: 0d}]\n")
    out = folder / "compare"
    done = cli("compare", str(SCENARIO), "--policy", str(policy), "-r", "3", "--seed", "5",
               "--horizon", "40d", "--out", str(out))
    assert done.returncode == 0, done.stderr
    with open(out / "comparison.csv", newline="") as handle:
        expected = list(csv.DictReader(handle))
    rows = job["result"]["rows"]
    assert len(rows) == len(expected) > 10
    for got, want in zip(rows, expected):
        assert (got["scope"], got["name"], got["kpi"]) == (want["scope"], want["name"], want["kpi"])
        for column in ("baseline_mean", "policy_mean", "diff_mean", "diff_lo", "diff_hi"):
            assert _same(got[column], want[column]), (got, want)
        assert got["better"] == want["better"]


def _finished(client, job_id: str):
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    return job if job["state"] in ("done", "failed") else None


def _same(value, text: str) -> bool:
    if value is None:
        return text in ("", "nan")
    return abs(float(value) - float(text)) <= 1e-9 * max(1.0, abs(float(text)))


def test_a_full_queue_answers_429(served):
    server, tokens, *_ = served
    body = {"policy": POLICY, "replications": 20, "horizon": "60d", "start": "empty"}
    with server.client(tokens["analyst"]) as analyst:
        codes = [analyst.post("/api/v1/whatif", json=body).status_code for _ in range(4)]
    assert codes[:2] == [202, 202] and codes[2:] == [429, 429]


def test_bad_input_is_a_clear_4xx(served):
    server, tokens, *_ = served
    with server.client(tokens["admin"]) as admin:
        unknown = admin.post("/api/v1/whatif", json={"policy": {"name": "x", "beds": 3}})
        assert unknown.status_code == 422 and "beds" in unknown.json()["error"]
        wrong_unit = admin.post("/api/v1/whatif", json={"policy": {
            "name": "x", "changes": {"beds": [{"unit": "NOPE", "add": 1, "from": "0d"}]}}})
        assert wrong_unit.status_code == 422 and "NOPE" in wrong_unit.json()["error"]
        assert admin.post("/api/v1/whatif", content=b"{not json",
                          headers={"content-type": "application/json"}).status_code == 422
        assert admin.get("/api/v1/forecasts/nonsense").status_code == 422
        assert admin.get("/api/v1/forecasts/f20250101T000000-abcd").status_code == 404
        assert admin.get("/api/v1/jobs/0123456789abcdef").status_code == 404
        warmup = admin.post("/api/v1/whatif", json={"policy": POLICY, "start": "empty",
                                                    "horizon": "10d"})
        assert warmup.status_code == 400 and "warmup" in warmup.json()["error"]
        short = admin.post("/api/v1/users", json={"name": "eve", "role": "viewer", "password": "x"})
        assert short.status_code == 422 and "password" in short.json()["error"]


def test_admin_manages_users_and_reads_the_audit(served):
    server, tokens, *_ = served
    with server.client(tokens["viewer"]) as viewer:
        assert viewer.get("/api/v1/audit").status_code == 403
    with server.client(tokens["admin"]) as admin:
        made = admin.post("/api/v1/users", json={"name": "nurse.lead", "role": "viewer",
                                                 "password": "a long enough password"})
        assert made.status_code == 201
        token = admin.post("/api/v1/users/nurse.lead/tokens").json()["token"]
        with server.client(token) as new:
            assert new.get("/api/v1/me").json() == {"name": "nurse.lead", "role": "viewer",
                                                    "via": "token"}
        assert admin.delete("/api/v1/users/nurse.lead").status_code == 200
        with server.client(token) as gone:
            assert gone.get("/api/v1/me").status_code == 401
        trail = admin.get("/api/v1/audit").json()
    actions = {(line["actor"], line["action"], line["target"]) for line in trail}
    assert ("admin1", "user.add", "nurse.lead") in actions
    assert ("admin1", "user.remove", "nurse.lead") in actions
    assert any(line["outcome"] == "denied" and line["actor"] == "viewer1" for line in trail)


def test_users_cli_keeps_only_digests(served):
    _, _, url, _ = served
    users = load(["users"])
    added = runner.invoke(users, ["users", "add", "script.user", "--role", "viewer", "--store",
                                  url, "--password-stdin"], input="a long enough password\n")
    assert added.exit_code == 0, added.output
    issued = runner.invoke(users, ["users", "token", "script.user", "--store", url])
    token = issued.stdout.strip()
    assert issued.exit_code == 0 and re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert "script.user" in runner.invoke(users, ["users", "list", "--store", url]).stdout
    stored = Store.open(url).table("tokens")
    assert token not in set(stored["digest"]) and len(stored["digest"].iloc[0]) == 64
    assert "argon2id" in Store.open(url).table("users")["password_hash"].iloc[0]
    with server_client(served, token) as client:
        assert client.get("/api/v1/me").json()["name"] == "script.user"
    bad = runner.invoke(users, ["users", "add", "x", "--role", "boss", "--store", url,
                                "--password-stdin"], input="a long enough password\n")
    assert bad.exit_code == 2 and "unknown role" in bad.output
    short = runner.invoke(users, ["users", "add", "y", "--role", "viewer", "--store", url,
                                  "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "12 characters" in short.output
    assert runner.invoke(users, ["users", "remove", "script.user", "--store", url]).exit_code == 0
    with server_client(served, token) as client:
        assert client.get("/api/v1/me").status_code == 401


def server_client(served, token):
    return served[0].client(token)


def test_browser_login_session_and_csrf(served):
    server, *_ = served
    add_user(served[2], "browser.user", "analyst", "browser password 1")
    with server.client() as browser:
        form = browser.get("/login")
        assert 'name="username"' in form.text and 'name="password"' in form.text
        csrf = browser.cookies["ht_csrf"]
        forged = browser.post("/login", data={"username": "browser.user",
                                              "password": "browser password 1", "csrf": "x"})
        assert forged.status_code == 403
        ok = browser.post("/login", data={"username": "browser.user",
                                          "password": "browser password 1", "csrf": csrf})
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        cookie = next(c for c in ok.headers.get_list("set-cookie") if c.startswith("ht_session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "browser.user" in browser.get("/").text
        assert browser.get("/api/v1/me").json()["via"] == "session"
        no_csrf = browser.post("/api/v1/whatif", json={"policy": POLICY})
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["error"]
        browser.post("/logout", data={"csrf": browser.cookies["ht_csrf"]})
        assert browser.get("/api/v1/me").status_code == 401
        assert browser.get("/", follow_redirects=False).headers["location"] == "/login"


def test_twenty_wrong_passwords_lock_the_account(store_url, tmp_path):
    add_user(store_url, "target", "viewer", "the right password")
    server = Server(store_url, tmp_path, mllp=False, scenario=ROOT / "scenarios" / "one-unit.yaml")
    try:
        with server.client() as browser:
            browser.get("/login")
            started, codes = time.monotonic(), []
            for _ in range(20):
                codes.append(browser.post("/login", data={
                    "username": "target", "password": "guess", "csrf": browser.cookies["ht_csrf"]
                }).status_code)
            right = browser.post("/login", data={"username": "target",
                                                 "password": "the right password",
                                                 "csrf": browser.cookies["ht_csrf"]})
    finally:
        server.stop()
        server.kill()
    assert codes[:4] == [401] * 4 and set(codes[5:]) == {429}
    assert right.status_code == 429  # locked (and this client slowed down)
    assert time.monotonic() - started < 60
    users = Store.open(store_url).table("users").set_index("name")
    assert users.loc["target", "failed_logins"] >= 5 and users.loc["target", "locked_until"] is not None
    audit = Store.open(store_url).table("audit")
    assert (audit["outcome"] == "denied").sum() >= 20
