"""A hub served over HTTP with one person in each role, for the attacker's tests.

Every step an attacker takes goes through the HTTP API with an ordinary token; what the tests
assert is read back through the same API (and, for the audit trail, by an auditor).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings

AGENCIES = [
    ("notts-police", "police", "Nottinghamshire Police", None),
    ("derbys-police", "police", "Derbyshire Constabulary", None),
    ("city-mash", "mash", "Children and Families Direct", None),
    ("city-dart", "dart", "Domestic Abuse Referral Team", None),
    ("city-health", "health", "City Health Partnership", None),
    ("city-ae", "health", "Emergency Department", None),
    ("riverside-primary", "school", "Riverside Primary School", "100001"),
    ("hillview-academy", "school", "Hillview Academy", "100002"),
    ("missing-team", "missing", "Missing Children Team", None),
    ("info-governance", "auditor", "Information Governance", None),
]
PEOPLE = {
    "police": ("notts-police", "police-officer"),
    "other-police": ("derbys-police", "police-officer"),
    "mash": ("city-mash", "mash-worker"),
    "social-worker": ("city-mash", "social-worker"),
    "mash-manager": ("city-mash", "team-manager"),
    "dart": ("city-dart", "dart-worker"),
    "dart-manager": ("city-dart", "team-manager"),
    "gp": ("city-health", "health-practitioner"),
    "ae": ("city-ae", "unscheduled-care-clinician"),
    "riverside": ("riverside-primary", "dsl"),
    "hillview": ("hillview-academy", "dsl"),
    "missing": ("missing-team", "missing-worker"),
    "auditor": ("info-governance", "auditor"),
}
NHS_AMY, NHS_BEN = "9434765919", "9434765870"


@dataclass
class World:
    hub: Hub
    client: TestClient
    tokens: dict[str, str]

    def call(self, method: str, path: str, who: str, purpose: str | None = None,
             case: str | None = None, **kwargs: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if purpose is not None:
            headers["X-Purpose"] = purpose
        if case is not None:
            headers["X-Case-Ref"] = case
        headers.update(kwargs.pop("headers", {}))
        return self.client.request(method, path, headers=headers, **kwargs)

    def send(self, who: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.call("POST", "/v1/notifications", who, json=body)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    def chronology(self, who: str, child_id: str, purpose: str,
                   case: str | None = None) -> dict[str, str]:
        """Record type -> visibility in the reader's view of the child ({} when refused)."""
        response = self.call("GET", f"/v1/children/{child_id}/chronology", who, purpose, case)
        if response.status_code == 403:
            return {}
        assert response.status_code == 200, response.text
        return {i["type"]: i["visibility"] for i in response.json()["items"]}

    def who_saw(self, child_id: str) -> list[dict[str, Any]]:
        response = self.call("GET", "/v1/audit/disclosures", "auditor", "audit",
                             params={"child_id": child_id})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


def open_world(home: Path, store_url: str | None = None) -> Iterator[World]:
    hub = bootstrap(Settings(store_url=store_url or f"sqlite:///{home}/hub.sqlite3",
                             home=home))
    for agency_id, kind, name, urn in AGENCIES:
        hub.registry.register_agency(agency_id, kind, name, urn)
    tokens = {who: hub.registry.register_user(agency, role, who.title())[1]
              for who, (agency, role) in PEOPLE.items()}
    with TestClient(create_app(hub, checkpointer=False), raise_server_exceptions=False) as c:
        yield World(hub, c, tokens)
    hub.close()


def amy(**extra: Any) -> dict[str, Any]:
    return {"role": "child", "given_name": "Amy", "family_name": "Hart",
            "date_of_birth": "2016-04-02", "nhs_number": NHS_AMY, "postcode": "NG5 1AB",
            **extra}


def ben(**extra: Any) -> dict[str, Any]:
    return {"role": "child", "given_name": "Ben", "family_name": "Hart",
            "date_of_birth": "2013-01-15", "nhs_number": NHS_BEN, "postcode": "NG5 1AB",
            **extra}


def incident(ref: str, *subjects: dict[str, Any], **details: Any) -> dict[str, Any]:
    return {"type": "domestic_abuse_incident", "source_ref": ref,
            "occurred_at": "2026-11-20T22:15:00Z",
            "subjects": list(subjects) or [
                amy(school_urn="100001", present=True, spoken_to=True),
                {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
                 "date_of_birth": "1990-01-09"},
                {"role": "perpetrator", "given_name": "Rick", "family_name": "Kerr",
                 "date_of_birth": "1988-07-30"}],
            "details": details or {"summary": "Rick hit Jo in the kitchen.",
                                   "location": "9 Birch Close", "dash": {"yes_count": 15},
                                   "welfare_check": True}}


def concern(type_: str, ref: str, *subjects: dict[str, Any],
            summary: str = "A concern.") -> dict[str, Any]:
    return {"type": type_, "source_ref": ref, "occurred_at": "2026-11-19T10:00:00Z",
            "subjects": list(subjects) or [amy()], "details": {"summary": summary}}
