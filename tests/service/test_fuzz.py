"""A property-based fuzz of the API from its own OpenAPI description: nothing answers 5xx.

schemathesis generates requests for every operation of ``/api/v1/openapi.json`` — valid ones
and, in a second pass, invalid ones (wrong types, missing fields, bad paths and queries) — and
sends them to the real server with an admin's token; every answer must be below 500 and JSON
(or the CSV of a forecast). The what-if queue holds no waiting job, so generated policies
cannot keep the workers busy for long.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.service.conftest import ROOT, Server, add_user

EXAMPLES = 12


@pytest.fixture(scope="module")
def fuzzed_server(module_store_url, tmp_path_factory):
    token = add_user(module_store_url, "fuzz.admin", "admin")
    server = Server(module_store_url, tmp_path_factory.mktemp("fuzz"), "--whatif-queue", "0",
                    scenario=ROOT / "scenarios" / "one-unit.yaml", mllp=False)
    yield server, token
    server.stop()
    server.kill()


def operations(server: Server):
    schema = schemathesis.openapi.from_url(f"{server.http}/api/v1/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE,
                                  pytest.param(GenerationMode.NEGATIVE, marks=pytest.mark.slow)])
def test_no_request_gets_a_5xx(fuzzed_server, mode):
    server, token = fuzzed_server
    checked = []
    for operation in operations(server):
        try:
            _fuzz(operation, mode, server, token)
        except Unsatisfiable:  # nothing invalid to send (an operation without parameters)
            assert mode == GenerationMode.NEGATIVE, operation.label
            continue
        checked.append(operation.label)
    assert "POST /api/v1/whatif" in checked and "GET /api/v1/forecasts/{run_id}" in checked


def _fuzz(operation, mode, server: Server, token: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        if case.method == "DELETE" and (case.path_parameters or {}).get("name") == "fuzz.admin":
            return  # refused anyway (409); keeps the token for the next examples
        response = case.call(base_url=server.http, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
        kind = (response.headers.get("content-type") or [""])[0].split(";")[0]
        assert kind in ("application/json", "text/csv"), (case.formatted_path, kind)

    check()
