"""Finding 15d: identifiers are compared in one spelling. Full-width digits of a flagged child's
NHS number either find that child or are refused: never "not flagged", never a second person
record. Digits of other scripts, which no NHS number, UPN, URN or postcode holds, are refused."""

import httpx2
import pytest
from fastapi.testclient import TestClient

from hub.bootstrap import Hub
from tests.support import child, notification

NHS = "9434765919"


def full_width(text: str) -> str:
    """ASCII letters, digits and spaces as their full-width forms (U+FF01-FF5E, U+3000)."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c
                   for c in text)


def arabic_indic(text: str) -> str:
    """ASCII digits as Arabic-Indic digits (U+0660-0669), which NFKC leaves as they are."""
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in text)


@pytest.fixture
def flagged(api: tuple[TestClient, Hub, dict[str, str]]) -> tuple[str, dict[str, str]]:
    """A child known by NHS number, on a child protection plan; (child id, tokens)."""
    client, hub, tokens = api
    sent = client.post("/v1/notifications", headers=bearer(tokens["city-health"]),
                       json=notification("HV-1", "health_concern",
                                         subjects=[child(nhs_number=NHS, postcode="NG5 1AB")],
                                         occurred_at="2026-10-01T10:00:00Z",
                                         summary="Bruising"))
    assert sent.status_code == 201, sent.text
    child_id: str = sent.json()["child_ids"][0]
    _, social = hub.registry.register_user("city-mash", "social-worker", "Social Worker")
    plan = client.post(f"/v1/protection/{child_id}/initial-conference", headers=bearer(social),
                       json={"plan": True, "category": "neglect"})
    assert plan.status_code == 200, plan.text
    _, tokens["city-ae"] = hub.registry.register_user("city-health",
                                                      "unscheduled-care-clinician", "A&E")
    return child_id, tokens


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def lookup(client: TestClient, tokens: dict[str, str], number: str) -> httpx2.Response:
    return client.post("/v1/cp-is/lookups", json={"nhs_number": number},
                       headers=bearer(tokens["city-ae"], **{"X-Purpose": "unscheduled-care"}))


def test_cp_is_finds_the_flagged_child_by_full_width_digits(
        api: tuple[TestClient, Hub, dict[str, str]], flagged: tuple[str, dict[str, str]]) -> None:
    client, _, _ = api
    _, tokens = flagged
    assert lookup(client, tokens, NHS).json()["flagged"] is True
    for spelling in (full_width(NHS), full_width("943 476 5919"), "943\u00a0476\u00a05919"):
        response = lookup(client, tokens, spelling)
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            assert response.json()["flagged"] is True, spelling
    other_script = lookup(client, tokens, arabic_indic(NHS))
    assert other_script.status_code == 422, other_script.text
    assert "nhs_number" in other_script.json()["error"]["message"]


def test_intake_links_full_width_identifiers_to_the_same_child(
        api: tuple[TestClient, Hub, dict[str, str]], flagged: tuple[str, dict[str, str]]) -> None:
    client, hub, _ = api
    child_id, tokens = flagged
    police = bearer(tokens["notts-police"])
    # Another name, no postcode: only the NHS number can link this report to the child.
    same_number = [
        child("Amelia", "Hart-Jones", nhs_number=full_width(NHS)),
        child("Amelia", "Hart-Jones", nhs_number=full_width("943-476-5919")),
    ]
    # Name, date of birth and postcode together, in full-width letters and digits.
    same_person = [child(full_width("Amy"), full_width("Hart"), postcode=full_width("NG5 1AB")),
                   child("Amy", "Hart", postcode=full_width("ng51ab"))]
    for n, subject in enumerate([*same_number, *same_person]):
        before = hub.store.recorder.max_notification_id()
        sent = client.post("/v1/notifications", headers=police, json=notification(
            f"NTP-{n}", "police_concern", subjects=[subject],
            occurred_at="2026-10-02T10:00:00Z", summary="Seen out late"))
        assert sent.status_code in (201, 422), sent.text
        if sent.status_code == 201:
            assert sent.json()["child_ids"] == [child_id], subject
        else:
            assert hub.store.recorder.max_notification_id() == before


@pytest.mark.parametrize(("field", "value"), [
    ("nhs_number", arabic_indic(NHS)),
    ("nhs_number", full_width(NHS[:9]) + arabic_indic(NHS[9])),
    ("upn", "B80120000500" + arabic_indic("1")),
    ("school_urn", arabic_indic("100001")),
    ("postcode", "NG5 1\u0410\u0412"),  # Cyrillic A and VE, which look like A and B
])
def test_identifiers_in_other_scripts_are_refused(
        api: tuple[TestClient, Hub, dict[str, str]], field: str, value: str) -> None:
    client, hub, tokens = api
    before = hub.store.recorder.max_notification_id()
    sent = client.post("/v1/notifications", headers=bearer(tokens["notts-police"]),
                       json=notification(subjects=[child(**{field: value})]))
    assert sent.status_code == 422, sent.text
    assert field in sent.json()["error"]["message"]
    assert hub.store.recorder.max_notification_id() == before


def test_full_width_school_urn_and_upn_are_read_as_ascii(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, _, tokens = api
    police = bearer(tokens["notts-police"])
    first = client.post("/v1/notifications", headers=police, json=notification(
        "NTP-A", subjects=[child(upn="B801200005001", school_urn="100001")]))
    assert first.status_code == 201, first.text
    again = client.post("/v1/notifications", headers=police, json=notification(
        "NTP-B", subjects=[child("Amelia", "Hart", upn=full_width("b801200005001"),
                                 school_urn=full_width("100001"))]))
    assert again.status_code == 201, again.text
    assert again.json()["child_ids"] == first.json()["child_ids"]
