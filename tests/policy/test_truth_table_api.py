"""The truth table through the HTTP API, and no disclosure beyond it under any combination.

Each scenario builds, with real records, one reader's situation towards one child: their
relation (owner, pupil, involved, none), one lawful basis (none, consent, a sharing decision,
an open enquiry, break-glass) and one restriction (none, consent refused, restricted, not
shared). The reader then asks for the child's chronology over HTTP, and every field class
the response can show is checked against the table: records of the seven notification types
(main classes), names (identity), the DASH score (da-risk) and a flagged refuge address
(sensitive-location). Encompass notices have no record type yet and are checked at the
decision point only.
"""

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.access import Basis, DataClass, Purpose, Relation, Restriction, Visibility
from domain.errors import RuleViolation
from domain.front_door import contact_id
from domain.identifiers import nhs_check_digit
from domain.missing import MissingRecord, record_id
from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.registry import Caller
from hub.settings import Settings
from tests.policy.spec import (
    BREAK_GLASS_ROLES,
    EVERY_PAIR,
    PURPOSE_OF,
    RANK,
    effective,
    expected,
)
from tests.support import notification, submit

TYPE_OF_CLASS = {
    DataClass.POLICE_INCIDENT: "domestic_abuse_incident",
    DataClass.POLICE_INTELLIGENCE: "police_concern",
    DataClass.DA_RISK: "dart_triage",
    DataClass.HEALTH: "health_concern",
    DataClass.EDUCATION: "school_concern",
    DataClass.SOCIAL_CARE: "referral",
    DataClass.MISSING_EPISODE: "missing",
}
KIND_AGENCY = {kind: f"r-{kind}" for kind, _ in EVERY_PAIR}
SOURCE = "source-police"
OTHER = "other-school"  # neither owner, reader nor children's social care
READER_URN, OTHER_URN, OTHER_SCHOOL_URN = "200001", "200002", "200003"
# A role of each kind that records consent, sharing decisions and (social care) enquiries.
RECORDER_ROLE = {"police": "police-officer", "health": "health-practitioner", "school": "dsl",
                 "dart": "team-manager", "mash": "social-worker", "missing": "team-manager"}
GLASS = "Child collapsed at school; paramedics need to know what is known."


def nhs_numbers() -> Iterator[str]:
    for n in itertools.count(400_000_000):
        digit = nhs_check_digit(f"{n:09d}")
        if digit is not None:
            yield f"{n:09d}{digit}"


@dataclass
class World:
    hub: Hub
    client: TestClient
    tokens: dict[tuple[str, str], str]
    callers: dict[str, Caller]
    numbers: Iterator[str]
    refs: Iterator[int]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("truth")
    hub = bootstrap(Settings(store_url="memory://", home=home))
    tokens = {}
    for kind, agency in KIND_AGENCY.items():
        hub.registry.register_agency(agency, kind, f"Reader {kind}",
                                     READER_URN if kind == "school" else None)
    for kind, role in EVERY_PAIR:
        _, tokens[(kind, role)] = hub.registry.register_user(KIND_AGENCY[kind], role, "Reader")
    hub.registry.register_agency(SOURCE, "police", "Source Police")
    hub.registry.register_agency("lb-mash", "mash", "Lawful basis MASH")
    hub.registry.register_agency(OTHER, "school", "Another School", OTHER_SCHOOL_URN)
    callers = {
        SOURCE: hub.registry.authenticate(
            hub.registry.register_user(SOURCE, "police-officer", "Owner")[1]),
        "lb-mash": hub.registry.authenticate(
            hub.registry.register_user("lb-mash", "social-worker", "Social Worker")[1]),
        OTHER: hub.registry.authenticate(
            hub.registry.register_user(OTHER, "dsl", "Other DSL")[1]),
    }
    for (kind, role), token in tokens.items():
        callers[f"{kind}/{role}"] = hub.registry.authenticate(token)
    with TestClient(create_app(hub)) as client:
        yield World(hub, client, tokens, callers, nhs_numbers(), itertools.count())
    hub.close()


def build(world: World, pair: tuple[str, str], relation: Relation, basis: Basis,
          restriction: Restriction, recorded_by: str = "statutory-lead",
          purpose: Purpose | None = None) -> tuple[str, dict[DataClass, str], str | None]:
    """Records about a new child, set up for this reader; returns (child id, class -> record,
    the case the reader names for its purpose, if the purpose needs one)."""
    kind, role = pair
    hub, reader_agency = world.hub, KIND_AGENCY[kind]
    purpose = purpose or PURPOSE_OF[kind]
    owner = reader_agency if relation is Relation.OWNER else SOURCE
    owner_caller = world.callers[f"{kind}/{role}"] if relation is Relation.OWNER \
        else world.callers[SOURCE]
    nhs = next(world.numbers)
    school = READER_URN if relation is Relation.PUPIL else OTHER_URN
    subject = {"role": "child", "given_name": "Sam", "family_name": "Probe",
               "date_of_birth": "2015-06-01", "nhs_number": nhs, "school_urn": school}
    records: dict[DataClass, str] = {}
    child_id = ""
    for data_class, type_ in TYPE_OF_CLASS.items():
        details: dict[str, Any] = {"summary": "probe"}
        if type_ in ("domestic_abuse_incident", "dart_triage"):
            details["dash"] = {"yes_count": 14}
        if type_ == "domestic_abuse_incident":
            details.update(location="Refuge", location_sensitive=True)
        receipt = submit(hub, owner, notification(f"T-{next(world.refs)}", type_,
                                                  subjects=[dict(subject)], **details))
        records[data_class], child_id = str(receipt.id), str(receipt.child_ids[0])
    cid = receipt.child_ids[0]
    case = None
    if purpose is Purpose.MISSING:
        if relation is Relation.OWNER:  # an episode only the reader reported is not its case
            submit(hub, SOURCE, notification(f"T-{next(world.refs)}", "missing",
                                             subjects=[dict(subject)]))
        missing = hub.store.find(record_id(cid), MissingRecord)
        assert missing is not None
        case = str(missing.episodes[-1]["id"])
    if relation is Relation.INVOLVED:
        concern = submit(hub, reader_agency, notification(
            f"T-{next(world.refs)}", "police_concern", subjects=[dict(subject, school_urn=None)]))
        hub.front_door.acknowledge(world.callers["lb-mash"], contact_id(concern.id))
    if relation is Relation.OWNER and basis not in (Basis.STATUTORY,):
        return child_id, records, case
    classes = [c.value for c in DataClass]
    until = datetime.now(UTC) + timedelta(days=30)
    sharing = hub.sharing
    overriding = basis is Basis.SHARING_DECISION_OVERRIDING_REFUSAL
    if restriction is Restriction.CONSENT_REFUSED or overriding:
        sharing.record_consent(world.callers["lb-mash"], cid, "refused", "parent",
                               {"data_classes": classes, "agencies": [reader_agency],
                                "purposes": [purpose.value]}, None, None)
    if restriction is Restriction.NOT_SHARED:
        sharing.record_decision(owner_caller, cid, share=False, recipient_agency=reader_agency,
                                data_classes=classes, purposes=[purpose.value],
                                legal_basis="dpa-2018-sch8-para4", consent_not_relied=None,
                                rationale="Not proportionate.", valid_from=None,
                                valid_until=until)
    if restriction is Restriction.RESTRICTED:
        for record in records.values():
            sharing.restrict(owner_caller, UUID(record), True, "sensitive")
    if basis in (Basis.CONSENT, Basis.SHARING_DECISION, Basis.STATUTORY) or overriding:
        enquiry = _add_basis(world, pair, cid, basis, recorded_by, purpose)
        if purpose is Purpose.S47:
            case = enquiry  # the enquiry is the case the purpose names
    return child_id, records, case


def observe(world: World, pair: tuple[str, str], child_id: str, records: dict[DataClass, str],
            glass: bool, purpose: Purpose | None = None,
            case: str | None = None) -> dict[DataClass, Visibility] | None:
    """What the chronology shows of each observable class; None when the read is refused."""
    headers = {"Authorization": f"Bearer {world.tokens[pair]}",
               "X-Purpose": (purpose or PURPOSE_OF[pair[0]]).value}
    if case is not None:
        headers["X-Case-Ref"] = case
    if glass:
        headers["X-Break-Glass"] = GLASS
    response = world.client.get(f"/v1/children/{child_id}/chronology", headers=headers)
    if response.status_code == 403:
        return None
    assert response.status_code == 200, response.text
    items = {item["id"]: item for item in response.json()["items"]}
    seen = {c: Visibility(items[r]["visibility"]) if r in items else Visibility.NONE
            for c, r in records.items()}
    incident = items.get(records[DataClass.POLICE_INCIDENT])
    if incident is not None and incident["visibility"] == "full":
        seen[DataClass.SENSITIVE_LOCATION] = (Visibility.FULL if "location" in incident["details"]
                                              else Visibility.NONE)
        seen[DataClass.IDENTITY] = (Visibility.FULL if "given_name" in incident["subjects"][0]
                                    else Visibility.NONE)
        if "dash" not in incident["details"] and seen[DataClass.DA_RISK] is Visibility.FULL:
            seen[DataClass.DA_RISK] = Visibility.NONE
    return seen


Scenario = tuple[str, str, str, str, str, str, str]
ENTITLED_RECORDER = {Basis.CONSENT: "statutory-lead", Basis.SHARING_DECISION: "owner",
                     Basis.SHARING_DECISION_OVERRIDING_REFUSAL: "owner",
                     Basis.STATUTORY: "statutory-lead"}


def table() -> set[Scenario]:
    path = Path(__file__).with_name("truth_table.csv")
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return {(r["kind"], r["role"], r["relation"], r["basis"], r["recorded_by"],
             r["restriction"], r["purpose"])
            for r in csv.DictReader(lines) if not r["unreachable_because"]}


SCENARIOS = sorted(table())


def test_every_reachable_row_through_the_api(world: World) -> None:
    checked = 0
    for kind, role, relation_, basis_, recorded_by, restriction_, purpose_ in SCENARIOS:
        pair, relation = (kind, role), Relation(relation_)
        basis, restriction = Basis(basis_), Restriction(restriction_)
        purpose = Purpose(purpose_)
        child_id, records, case = build(world, pair, relation, basis, restriction,
                                        recorded_by, purpose)
        glass = basis is Basis.BREAK_GLASS
        seen = observe(world, pair, child_id, records, glass, purpose, case)
        if glass and pair not in BREAK_GLASS_ROLES:
            assert seen is None, "a role that may not break glass must be refused"
            continue
        held = effective(basis, recorded_by)
        where = (pair, relation, basis, recorded_by, restriction, purpose)
        for data_class, got in (seen or {}).items():
            want = expected(kind, role, relation, data_class, purpose, held, restriction)
            if data_class is DataClass.SENSITIVE_LOCATION or data_class is DataClass.IDENTITY:
                want = Visibility.FULL if want is Visibility.FULL else Visibility.NONE
            assert got is want, (*where, data_class)
            checked += 1
        if seen is None:
            for data_class in TYPE_OF_CLASS:
                assert expected(kind, role, relation, data_class, purpose, held,
                                restriction) is Visibility.NONE, (*where, data_class)
                checked += 1
    assert checked > 2_000


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=st.sampled_from(EVERY_PAIR), relation=st.sampled_from(list(Relation)),
       bases=st.sets(st.sampled_from([Basis.CONSENT, Basis.SHARING_DECISION, Basis.STATUTORY]),
                     max_size=3),
       restriction=st.sampled_from(list(Restriction)))
def test_no_combination_discloses_more_than_the_table_allows(
        world: World, pair: tuple[str, str], relation: Relation, bases: set[Basis],
        restriction: Restriction) -> None:
    """Several bases at once never add up to more than the best single allowed row."""
    if relation is Relation.PUPIL and pair[0] != "school":
        relation = Relation.NONE
    if relation is Relation.OWNER:
        restriction = Restriction.NONE
    if restriction is Restriction.CONSENT_REFUSED:
        bases.discard(Basis.CONSENT)
    if restriction is Restriction.NOT_SHARED:
        bases.discard(Basis.SHARING_DECISION)
    child_id, records, case = build(world, pair, relation, Basis.NONE, restriction)
    if relation is not Relation.OWNER:
        cid = UUID(child_id)
        for basis in bases:  # each recorded by a party whose word counts
            _add_basis(world, pair, cid, basis, ENTITLED_RECORDER[basis])
    seen = observe(world, pair, child_id, records, False, case=case) or {}
    if restriction is Restriction.CONSENT_REFUSED and Basis.SHARING_DECISION in bases:
        # the owner (entitled to override) decided after the refusal: an override
        bases = (bases - {Basis.SHARING_DECISION}) | {Basis.SHARING_DECISION_OVERRIDING_REFUSAL}
    for data_class, got in seen.items():
        allowed = max((expected(*pair, relation, data_class, PURPOSE_OF[pair[0]], b,
                                restriction) for b in (bases | {Basis.NONE})),
                      key=RANK.__getitem__)
        assert RANK[got] <= RANK[allowed], (pair, relation, bases, restriction, data_class)


def _recorder(world: World, pair: tuple[str, str], recorded_by: str) -> Caller:
    if recorded_by == "owner":
        return world.callers[SOURCE]
    if recorded_by == "reader":
        kind = pair[0]
        return world.callers[f"{kind}/{RECORDER_ROLE[kind]}"]
    if recorded_by == "other":
        return world.callers[OTHER]
    return world.callers["lb-mash"]


def _add_basis(world: World, pair: tuple[str, str], cid: Any, basis: Basis,
               recorded_by: str = "statutory-lead",
               purpose: Purpose | None = None) -> str | None:
    """Record the basis as ``recorded_by``; the enquiry's id when it opens one."""
    reader_agency = KIND_AGENCY[pair[0]]
    purpose_ = (purpose or PURPOSE_OF[pair[0]]).value
    classes = [c.value for c in DataClass]
    by = _recorder(world, pair, recorded_by)
    if basis is Basis.CONSENT:
        world.hub.sharing.record_consent(by, cid, "given", "parent",
                                         {"data_classes": classes, "agencies": [reader_agency],
                                          "purposes": [purpose_]}, None, None)
    elif basis in (Basis.SHARING_DECISION, Basis.SHARING_DECISION_OVERRIDING_REFUSAL):
        try:
            world.hub.sharing.record_decision(
                by, cid, share=True, recipient_agency=reader_agency,
                data_classes=classes, purposes=[purpose_], legal_basis="dpa-2018-sch8-para4",
                consent_not_relied="would-put-child-at-risk", rationale="Needed.",
                valid_from=None, valid_until=datetime.now(UTC) + timedelta(days=30))
        except RuleViolation:
            # A role that may not override a refusal cannot record this decision at all; it
            # would not count anyway, as it is not the owner's.
            assert recorded_by != "owner"
    else:
        # An enquiry has social care, health and police; the reader is what is checked.
        opened = world.hub.sharing.open_enquiry(
            by, cid, "s47-enquiry",
            sorted({reader_agency, SOURCE, KIND_AGENCY["health"]} - {by.agency_id}))
        return str(opened["id"])
    return None
