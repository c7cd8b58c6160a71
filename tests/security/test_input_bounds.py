"""Finding 15a: an integer past a signed 64-bit one, in a query or a body, is a 4xx in the hub's
error shape (it was a 500, an OverflowError in the store's driver)."""

import json

import httpx2
import pytest
from fastapi.testclient import TestClient

from hub.bootstrap import Hub
from tests.support import notification

TOO_BIG = 2**63  # 9223372036854775808
INT64_MAX = 2**63 - 1

# (who asks, path with {n} for the number, the parameter); every integer query parameter.
INTEGER_PARAMETERS = [
    ("notts-police", "/v1/access-notifications?after={n}", "after"),
    ("notts-police", "/v1/access-notifications?limit={n}", "limit"),
    ("info-governance", "/v1/audit/entries?start={n}", "start"),
    ("info-governance", "/v1/audit/entries?start=0&end={n}", "end"),
    ("info-governance", "/v1/audit/proofs/inclusion?index={n}&size=1", "index"),
    ("info-governance", "/v1/audit/proofs/inclusion?index=0&size={n}", "size"),
    ("info-governance", "/v1/audit/proofs/consistency?first={n}&second=1", "first"),
    ("info-governance", "/v1/audit/proofs/consistency?first=1&second={n}", "second"),
]


def error_of(response: httpx2.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    # code and message; a request that fails its declared shape also lists the fields.
    assert set(body["error"]) - {"errors"} == {"code", "message"}, body
    for field in body["error"].get("errors", []):
        assert set(field) == {"field", "reason"}, body
    error: dict[str, str] = body["error"]
    return error


@pytest.mark.parametrize(("agency", "path", "name"), INTEGER_PARAMETERS)
def test_an_integer_past_64_bits_is_refused_with_a_reason(
        api: tuple[TestClient, Hub, dict[str, str]], agency: str, path: str, name: str) -> None:
    client, _, tokens = api
    headers = {"Authorization": f"Bearer {tokens[agency]}"}
    for number in (TOO_BIG, 10**30):
        response = client.get(path.format(n=number), headers=headers)
        assert response.status_code == 400, response.text
        assert name in error_of(response)["message"]
    # The largest 64-bit integer is a question the hub can answer (or refuse), never a 500.
    largest = client.get(path.format(n=INT64_MAX), headers=headers)
    assert largest.status_code < 500, largest.text


def test_a_number_too_long_to_read_in_a_body_is_malformed_json(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    body = json.dumps(notification()).replace('"yes_count": 15', '"yes_count": 1' + "0" * 5000)
    before = hub.store.recorder.max_notification_id()
    response = client.post("/v1/notifications", content=body,
                           headers={"Authorization": f"Bearer {tokens['notts-police']}"})
    assert response.status_code == 400, response.text
    assert "JSON" in error_of(response)["message"]
    assert hub.store.recorder.max_notification_id() == before
