"""The published OpenAPI document is valid, complete and true: every /v1 operation asks for the
bearer token, X-Purpose and the bodies' enumerations are enums, every operation says what it
answers (the hub's own error shape for every 4xx), and real answers match it."""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from domain.access import Purpose
from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.demo import seed_demo
from hub.settings import Settings
from tests.support import notification

ERROR_REF = "#/components/schemas/Error"
DOC = "urn:hub:openapi"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Hub]]:
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=tmp_path))
    with TestClient(create_app(hub, checkpointer=False), raise_server_exceptions=False) as client:
        yield client, hub
    hub.close()


@pytest.fixture
def document(api: tuple[TestClient, Hub]) -> dict[str, Any]:
    client, _ = api
    response = client.get("/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema


# The document ---------------------------------------------------------------------------------

def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


# Public by design (a witness or mirror follows the log without the hub's own API): the
# checkpoint takes a token optionally (an auditor's answer is fuller), the tiles none.
PUBLIC = {"/v1/audit/checkpoint": [{}, {"bearer": []}], "/v1/audit/tile/{path}": [{}]}


def test_every_v1_operation_needs_the_bearer_token(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme == {"type": "http", "scheme": "bearer", "description": scheme["description"]}
    v1 = [(p, m, o) for p, m, o in operations(document) if p.startswith("/v1/")]
    assert len(v1) > 50
    for path, method, operation in v1:
        if path in PUBLIC:  # c2sp.org/tlog-tiles: the checkpoint and the tiles of hashes
            assert operation.get("security") == PUBLIC[path], (method, path)
            continue
        assert operation.get("security") == [{"bearer": []}], (method, path)
        # The token is the scheme's, not a parameter of its own.
        names = {p["name"].lower() for p in operation.get("parameters", [])}
        assert "authorization" not in names, (method, path)


def test_x_purpose_is_a_required_enum_of_the_purposes(document: dict[str, Any]) -> None:
    purposes = [p.value for p in Purpose]
    seen = 0
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"].lower() == "x-purpose":
                seen += 1
                assert parameter["name"] == "X-Purpose"
                assert parameter["required"] is True, (method, path)
                assert resolve(document, parameter["schema"])["enum"] == purposes
    assert seen >= 13


def test_every_operation_says_what_it_answers(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        success = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert success, (method, path)
        for status, response in success.items():
            content = response["content"]
            if path == "/metrics":
                assert content == {"text/plain": {"schema": {"type": "string"}}}
                continue
            if path.startswith("/v1/audit/tile/"):
                assert list(content) == ["application/octet-stream"], (method, path)
                continue
            schema = resolve(document, content["application/json"]["schema"])
            if schema.get("type") == "array":
                schema = resolve(document, schema["items"])
            # Never a bare object: the fields are named (and no others are allowed).
            assert schema.get("properties"), (method, path, status)
            assert schema.get("additionalProperties") is False, (method, path, status)


def test_every_4xx_is_the_hub_error(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = resolve(document, error["properties"]["error"])
    assert set(detail["required"]) == {"code", "message"}
    counted = 0
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                counted += 1
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": ERROR_REF}}}, (method, path, status)
        if operation.get("security"):
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
        if "requestBody" in operation:
            assert {"400", "422"} <= set(operation["responses"]), (method, path)
    assert counted > 200


def test_no_schema_is_named_after_its_module(document: dict[str, Any]) -> None:
    names = list(document["components"]["schemas"])
    assert not [n for n in names if "__" in n or "." in n]
    assert "HTTPValidationError" not in json.dumps(document)


ENUM_FIELDS = {
    "TriageIn": {"level": "RiskLevel", "actions": "TriageAction"},
    "RateIn": {"rag": "Rag"},
    "DecisionIn": {"level": "LevelOfNeed", "outcome": "Outcome"},
    "LevelIn": {"level": "LevelOfNeed"},
    "InterviewIn": {"step": "InterviewStep"},
    "ConsentIn": {"status": "ConsentStatus", "given_by": "ConsentGiver"},
    "ScopeIn": {"data_classes": "DataClass", "purposes": "Purpose"},
    "SharingDecisionIn": {"data_classes": "DataClass", "purposes": "Purpose",
                          "legal_basis": "LegalBasis", "consent_not_relied": "ConsentNotRelied"},
    "EnquiryIn": {"kind": "EnquiryKind"},
    "BreakGlassReviewIn": {"outcome": "ReviewOutcome"},
    "ErasureIn": {"reason_code": "ErasureReason"},
    "LegalHoldIn": {"reason_code": "HoldReason"},
    "InitialConferenceIn": {"category": "Category"},
    "ProtectionReviewIn": {"category": "Category"},
    "SubjectIn": {"role": "SubjectRole"},
    "NotificationIn": {"type": "NotificationType"},
    "DetailsIn": {"indicators": "Indicator"},
}


def test_the_bodies_enumerations_are_enums(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for model, fields in ENUM_FIELDS.items():
        for field, enum in fields.items():
            text = json.dumps(schemas[model]["properties"][field])
            assert f'"#/components/schemas/{enum}"' in text, (model, field)
            assert schemas[enum]["enum"], enum
    # A free string that the hub then reads as one of a few values is an enum in the schema.
    plan_end = schemas["PlanEndIn"]["properties"]["because"]
    assert plan_end["enum"] == ["moved-away", "adulthood", "born", "other"]


# What the hub really does ---------------------------------------------------------------------

def test_docs_are_served_from_the_hub_itself(api: tuple[TestClient, Hub]) -> None:
    client, _ = api
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text)
    assert urls
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "http://" not in page.text
    assert "https://" not in page.text
    for url, kind in (("/docs/assets/swagger-ui-bundle.js", "application/javascript"),
                      ("/docs/assets/swagger-ui.css", "text/css"),
                      ("/docs/assets/favicon-32x32.png", "image/png")):
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(kind)
        assert len(asset.content) > 500
    missing = client.get("/docs/assets/nothing.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert client.get("/redoc").status_code == 404


def test_a_422_names_every_invalid_field_and_no_value(api: tuple[TestClient, Hub]) -> None:
    client, hub = api
    users, demo_children = seed_demo(hub)
    children = [c.id for c in demo_children]
    mash = {"Authorization": f"Bearer {token(users, 'city-mash', 'mash-worker')}"}
    response = client.post(f"/v1/children/{children[0]}/consents", headers=mash, json={
        "status": "SECRET-VALUE-1", "given_by": "parent", "surprise": "SECRET-VALUE-2",
        "scope": {"data_classes": ["SECRET-VALUE-3"], "agencies": ["notts-police"]}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    fields = [e["field"] for e in error["errors"]]
    assert sorted(fields) == ["scope.data_classes.0", "scope.purposes", "status", "surprise"]
    for field in fields:
        assert f"{field}: " in error["message"]
    assert error["message"].count("; ") == len(fields) - 1
    assert "SECRET-VALUE" not in response.text
    assert error["errors"][0]["reason"].startswith("Input should be 'given' or 'refused'")


def test_a_405_says_which_methods_are_allowed(api: tuple[TestClient, Hub]) -> None:
    client, _ = api
    response = client.delete("/v1/notifications")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_401_keeps_its_shape_and_challenge(api: tuple[TestClient, Hub]) -> None:
    client, _ = api
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nope"}):
        response = client.get("/v1/break-glass", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "not_authenticated"
        assert set(response.json()) == {"error"}
    missing = client.get("/v1/break-glass").json()["error"]["message"]
    malformed = client.get("/v1/break-glass",
                           headers={"Authorization": "Basic abc"}).json()["error"]["message"]
    assert missing == "a bearer token is required"
    assert malformed == "the Authorization header must be 'Bearer TOKEN'"


def token(users: list[Any], agency: str, role: str) -> str:
    found: str = next(u.token for u in users if u.agency == agency and u.role == role)
    return found


class Conformance:
    """Sends requests and checks each answer against the schema the document publishes for
    its operation and status."""

    def __init__(self, client: TestClient, doc: dict[str, Any]) -> None:
        self.client = client
        self.doc = doc
        self.registry: Registry[Any] = Registry().with_resource(
            DOC, DRAFT202012.create_resource(doc))
        self.checked: set[tuple[str, str, int]] = set()

    def call(self, method: str, template: str, status: int, token: str | None = None,
             purpose: str | None = None, body: Any = None, **path: str) -> Any:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if purpose is not None:
            headers["X-Purpose"] = purpose
        url = template.format(**path)
        response: Response = self.client.request(method, url, headers=headers, json=body)
        assert response.status_code == status, (method, url, response.text)
        route = self.route(template.split("?")[0])
        operation = self.doc["paths"][route][method.lower()]
        documented = operation["responses"].get(str(status))
        assert documented is not None, (method, template, status)
        schema = documented["content"]["application/json"]["schema"]
        schema = json.loads(json.dumps(schema).replace('"#/components', f'"{DOC}#/components'))
        validator = Draft202012Validator(schema, registry=self.registry)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in
                  validator.iter_errors(response.json())]
        assert not errors, (method, url, status, errors[:3])
        self.checked.add((method, route, status))
        return response.json()

    def route(self, template: str) -> str:
        """The document's path for a template whose parameters may be named otherwise."""
        def generic(path: str) -> str:
            return re.sub(r"\{[^}]+\}", "{}", path)
        found: str = next(p for p in self.doc["paths"] if generic(p) == generic(template))
        return found


def test_real_answers_match_the_published_schemas(api: tuple[TestClient, Hub],
                                                  document: dict[str, Any]) -> None:
    client, hub = api
    users, demo_children = seed_demo(hub)
    children = [c.id for c in demo_children]
    amy, kyle = children[0], children[1]
    police = token(users, "notts-police", "police-officer")
    mash = token(users, "city-mash", "mash-worker")
    manager = token(users, "city-mash", "team-manager")
    dart = token(users, "city-dart", "dart-worker")
    school = token(users, "riverside-primary", "dsl")
    missing = token(users, "missing-team", "missing-worker")
    auditor = token(users, "info-governance", "auditor")
    governance = token(users, "info-governance", "information-governance")
    clinician = token(users, "city-health", "unscheduled-care-clinician")
    api_ = Conformance(client, document)

    api_.call("GET", "/healthz", 200)
    api_.call("GET", "/readyz", 200)

    # Notifications, children, lawful bases.
    sent = api_.call("POST", "/v1/notifications", 201, police, body=notification("NTP-OAS-1"))
    api_.call("POST", "/v1/notifications", 200, police, body=notification("NTP-OAS-1"))
    api_.call("GET", "/v1/notifications/{id}", 200, police, "assessment", id=sent["id"])
    api_.call("GET", "/v1/children/{id}", 200, mash, "triage", id=amy)
    api_.call("GET", "/v1/children/{id}/chronology", 200, mash, "triage", id=amy)
    api_.call("GET", "/v1/children/{id}/chronology", 400, mash, id=amy)
    api_.call("POST", "/v1/children/search", 200, mash, "triage",
              body={"nhs_number": "9434765919"})
    api_.call("POST", "/v1/children/search", 200, police, "triage",
              body={"nhs_number": "9434765919"})
    api_.call("POST", "/v1/children/search", 422, mash, "triage", body={"given_name": "Amy"})
    api_.call("POST", "/v1/children/{id}/consents", 201, police, body={
        "status": "given", "given_by": "parent", "scope": {
            "data_classes": ["police-incident"], "agencies": ["city-health"],
            "purposes": ["assessment"]}}, id=amy)
    consent = api_.call("POST", "/v1/children/{id}/consents", 201, police, body={
        "status": "given", "given_by": "child", "scope": {
            "data_classes": ["police-incident"], "agencies": ["riverside-primary"],
            "purposes": ["encompass"]}}, id=amy)
    api_.call("POST", "/v1/consents/{id}/withdraw", 200, police, id=consent["id"])
    enquiry = api_.call("POST", "/v1/children/{id}/enquiries", 201, manager, body={
        "kind": "strategy-discussion", "participants": ["notts-police", "city-health"]},
        id=amy)
    api_.call("POST", "/v1/enquiries/{id}/close", 200, manager,
              body={"outcome": "no further action"}, id=enquiry["id"])
    api_.call("PUT", "/v1/children/{id}/school", 200, mash, body={"urn": "100001"}, id=amy)
    api_.call("POST", "/v1/children/{id}/legal-hold", 200, governance,
              body={"held": True, "reason_code": "complaint"}, id=amy)
    api_.call("POST", "/v1/sharing-decisions", 201, police, body={
        "child_id": amy, "share": True, "recipient_agency": "city-health",
        "data_classes": ["police-incident"], "purposes": ["assessment"],
        "legal_basis": "dpa-2018-sch8-para4", "consent_not_relied": "would-put-child-at-risk",
        "rationale": "The risk is escalating.",
        "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat()})
    api_.call("POST", "/v1/notifications/{id}/restriction", 200, police,
              body={"restricted": True, "reason": "a live investigation"}, id=sent["id"])
    api_.call("GET", "/v1/access-notifications", 200, police)
    api_.call("GET", "/v1/break-glass", 200, manager)

    # Domestic abuse.
    queue = api_.call("GET", "/v1/dart/queue", 200, dart)
    case = queue["items"][0]["id"]
    api_.call("GET", "/v1/dart/cases/{id}", 200, dart, id=case)
    api_.call("POST", "/v1/dart/cases/{id}/triage", 200, dart, body={
        "actions": ["safety-planning", "school-informed"], "threshold_met": False,
        "rationale": "Standard risk; safety planning with the victim."}, id=case)
    api_.call("GET", "/v1/marac/referrals", 200, dart)
    api_.call("GET", "/v1/breaches", 200, dart)
    inbox = api_.call("GET", "/v1/schools/{urn}/encompass", 200, school, "encompass",
                      urn="100001")
    assert inbox["items"]
    api_.call("POST", "/v1/encompass/{id}/acknowledge", 200, school, id=inbox["items"][0]["id"])

    # The MASH front door.
    contacts = api_.call("GET", "/v1/mash/queue", 200, mash)
    contact = contacts["items"][0]["id"]
    api_.call("POST", "/v1/mash/contacts/{id}/rating", 200, mash,
              body={"rag": "amber"}, id=contact)
    api_.call("POST", "/v1/mash/contacts/{id}/acknowledge", 200, mash, id=contact)
    api_.call("POST", "/v1/mash/contacts/{id}/research-requests", 200, mash,
              body={"agencies": ["notts-police"]}, id=contact)
    api_.call("POST", "/v1/mash/contacts/{id}/research", 201, police,
              body={"content": "Two call-outs this year."}, id=contact)
    api_.call("GET", "/v1/mash/contacts/{id}", 200, police, "triage", id=contact)
    api_.call("GET", "/v1/mash/contacts/{id}", 200, mash, "triage", id=contact)
    api_.call("POST", "/v1/mash/contacts/{id}/decision", 200, manager, body={
        "level": "additional", "outcome": "early-help", "rationale": "Needs support.",
        "feedback": "Early help offered.", "signs_of_safety": {
            "worries": "Tired", "working_well": "School", "needs_to_happen": "Help",
            "scale": 6}}, id=contact)
    api_.call("GET", "/v1/mash/contacts/{id}", 200, mash, "triage", id=contact)
    api_.call("GET", "/v1/mash/breaches", 200, manager)
    api_.call("GET", "/v1/mash/feedback", 200, police, "referral")
    raised = api_.call("POST", "/v1/mash/contacts/{id}/disagreements", 201, police,
                       body={"reason": "We think the risk is higher."}, id=contact)
    api_.call("POST", "/v1/disagreements/{id}/escalate", 200, police,
              body={"reason": "No answer from the worker."}, id=raised["id"])
    api_.call("GET", "/v1/disagreements", 200, police, "referral")
    api_.call("POST", "/v1/disagreements/{id}/resolve", 200, police,
              body={"resolution": "Stepped up to a child in need assessment."}, id=raised["id"])
    api_.call("POST", "/v1/children/{id}/level-of-need", 200, manager,
              body={"level": "child-in-need", "reason": "Stepped up."}, id=amy)
    api_.call("PUT", "/v1/children/{id}/allocated-worker", 200, manager,
              body={"user_id": str(hub.registry.authenticate(manager).user_id)}, id=amy)

    # Missing children.
    found = api_.call("GET", "/v1/missing/queue", 200, missing)
    episode = found["missing"][0]["id"]
    api_.call("GET", "/v1/missing/episodes/{id}", 200, missing, "missing", id=episode)
    api_.call("GET", "/v1/children/{id}/missing-episodes", 200, missing, "missing", id=kyle)
    api_.call("GET", "/v1/missing/breaches", 200, missing)

    # Child protection and CP-IS.
    api_.call("POST", "/v1/protection/{id}/initial-conference", 200, manager,
              body={"plan": True, "category": "neglect"}, id=kyle)
    api_.call("POST", "/v1/protection/{id}/core-group", 200, manager, body={}, id=kyle)
    api_.call("GET", "/v1/protection/{id}", 200, manager, "assessment", id=kyle)
    api_.call("POST", "/v1/cp-is/lookups", 200, clinician, "unscheduled-care",
              body={"nhs_number": "9434765919"})
    api_.call("POST", "/v1/protection/{id}/end", 200, manager, body={"because": "moved-away"},
              id=kyle)

    # Reports and the audit trail.
    api_.call("GET", "/v1/reports/indicators", 200, manager)
    checkpoint = api_.call("GET", "/v1/audit/checkpoint", 200, auditor)
    api_.call("GET", "/v1/audit/entries?start=0&end=5", 200, auditor)
    api_.call("GET", "/v1/audit/proofs/inclusion?index=0&size={size}", 200, auditor,
              size=str(checkpoint["size"]))
    api_.call("GET", "/v1/audit/proofs/consistency?first=1&second={size}", 200, auditor,
              size=str(checkpoint["size"]))
    api_.call("GET", "/v1/audit/disclosures?child_id={id}", 200, auditor, id=amy)

    # Errors, in the published shape.
    api_.call("GET", "/v1/break-glass", 401)
    api_.call("GET", "/v1/audit/checkpoint", 403, police)
    api_.call("GET", "/v1/dart/cases/{id}", 404, dart, id="00000000-0000-4000-8000-000000000000")
    api_.call("GET", "/v1/dart/cases/{id}", 400, dart, id="not-a-uuid")
    api_.call("POST", "/v1/mash/contacts/{id}/rating", 422, mash, body={"rag": "blue"},
              id=contact)
    api_.call("POST", "/v1/encompass/{id}/acknowledge", 409, school, id=inbox["items"][0]["id"])

    assert len({(m, p) for m, p, s in api_.checked if s < 300}) >= 40
