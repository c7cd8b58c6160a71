"""Erasure by key destruction: nothing of the child is readable afterwards, anywhere we
control, while everyone else's records still open and the audit trail still verifies."""

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.access import Purpose
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import contact_id
from domain.people import PersonRecord
from hub.audit.verify import verify_log
from hub.bootstrap import Hub, bootstrap
from hub.disclosure import ReadContext
from hub.domestic_abuse import case_id
from hub.settings import Settings
from tests.support import child, notification, seed, submit

ERASED = {"given": "Zelphine", "family": "Quorndon", "dob": "2013-07-19", "nhs": "4857773457",
          "postcode": "NG9 9ZZ", "summary": "Zelphine said the shouting frightened her",
          "location": "Flat 4 Quorndon Court",
          "triage": "Zelphine hid in the wardrobe; DART rates this a safety concern",
          "research": "Quorndon household known to police for two call-outs"}
KEPT = {"given": "Marigold", "family": "Ashbury", "summary": "Marigold attends every day"}


@pytest.fixture
def store(store_url: str) -> str:
    return store_url


@pytest.fixture
def hub(store: str, tmp_path: Path) -> Iterator[Hub]:
    the_hub = bootstrap(Settings(store_url=store, home=tmp_path))
    yield the_hub
    the_hub.close()


def raw_bytes(store: str, tmp_path: Path) -> bytes:
    """Everything the hub wrote that we control: database files, journals, keys; or a dump."""
    if store.startswith("sqlite"):
        return b"".join(p.read_bytes() for p in sorted(tmp_path.rglob("*.sqlite3*")))
    schema = store.rsplit("schema=", 1)[1]
    dump = subprocess.run(["pg_dump", "--data-only", "--schema", schema,
                           "postgresql://postgres@127.0.0.1:5432/test"],
                          capture_output=True, check=True, timeout=120)
    return dump.stdout


def test_an_erased_child_is_unreadable_and_everything_else_still_works(
        hub: Hub, store: str, tmp_path: Path) -> None:
    tokens = seed(hub)
    erased = submit(hub, "notts-police", notification(
        "E-1", subjects=[child(ERASED["given"], ERASED["family"], ERASED["dob"],
                               nhs_number=ERASED["nhs"], postcode=ERASED["postcode"])],
        summary=ERASED["summary"], location=ERASED["location"]))
    kept = submit(hub, "city-health", notification(
        "K-1", "health_concern", subjects=[child(KEPT["given"], KEPT["family"], "2014-01-01")],
        summary=KEPT["summary"]))
    mash = ReadContext(hub.registry.authenticate(tokens["city-mash"]), Purpose.TRIAGE, None)
    # The DART's triage and a partner's MASH research are free text held for the child too.
    hub.domestic_abuse.triage(
        hub.registry.authenticate(tokens["city-dart"]), case_id(erased.id), yes_count=3,
        answers=None, level=None, judgement_reason=None, actions=["safety-planning"],
        threshold_met=False, rationale=ERASED["triage"])
    concern = submit(hub, "riverside-primary", notification(
        "E-2", "school_concern", subjects=[child(ERASED["given"], ERASED["family"],
                                                 ERASED["dob"], nhs_number=ERASED["nhs"])],
        summary="Tired in class"))
    contact = contact_id(concern.id)
    hub.front_door.rate(mash.caller, contact, "green", None)
    hub.front_door.request_research(mash.caller, contact, ["notts-police"])
    hub.front_door.add_research(hub.registry.authenticate(tokens["notts-police"]), contact,
                                ERASED["research"])
    [before] = [i for i in hub.disclosure.chronology(mash, erased.child_ids[0])["items"]
                if i["id"] == str(erased.id)]
    assert before["details"]["summary"] == ERASED["summary"]

    with pytest.raises(InvalidContent):
        hub.erasure.erase({"cli_user": "ig"}, erased.child_ids[0], "no")
    with pytest.raises(InvalidContent):  # "other" needs the reason in words
        hub.erasure.erase({"cli_user": "ig"}, erased.child_ids[0], "other")
    hub.erasure.erase({"cli_user": "ig"}, erased.child_ids[0], "subject-request",
                      "Erasure agreed by the information governance board, ref IG-2026-14")
    with pytest.raises(RuleViolation):
        hub.erasure.erase({"cli_user": "ig"}, erased.child_ids[0], "recorded-in-error")

    [after] = [i for i in hub.disclosure.chronology(mash, erased.child_ids[0])["items"]
               if i["id"] == str(erased.id)]
    dart = hub.registry.authenticate(tokens["city-dart"])
    assert hub.domestic_abuse.case(dart, case_id(erased.id))["triage"]["rationale"] is None
    [research] = hub.front_door.contact(mash, contact)["research"]["items"]
    assert research["content"] is None
    assert (after["type"], after["agency"], after["occurred_at"]) == \
        (before["type"], before["agency"], before["occurred_at"])
    assert after["details"]["summary"] is None
    assert after["subjects"][0]["given_name"] is None
    identity = hub.disclosure.child(mash, erased.child_ids[0])
    assert identity["erased"] is True
    assert identity["given_name"] is None
    other = hub.disclosure.chronology(mash, kept.child_ids[0])["items"][0]
    assert other["details"]["summary"] == KEPT["summary"]
    assert other["subjects"][0]["given_name"] == KEPT["given"]

    entry = [e for e in hub.audit.entries() if e.kind == "erasure"][-1]
    assert entry.child_ids == erased.child_ids
    hub.checkpoints.checkpoint(force=True)
    report = verify_log(hub.audit.stored_entries(), [c.note for c in hub.checkpoints.all()],
                        hub.checkpoints.transitions(), hub.checkpoints._keys.verifier_key(),
                        hub.checkpoints.origin)
    assert report.ok, report.problems

    if store != "memory://":
        hub.close()
        dump = raw_bytes(store, tmp_path)
        for value in ERASED.values():
            assert value.encode() not in dump, value
        # The other child's data is sealed too: never plaintext in the store either.
        assert KEPT["summary"].encode() not in dump


def test_a_ciphertext_moved_to_another_person_does_not_open(tmp_path: Path) -> None:
    """Done on the SQLite file directly; every store seals through the same code."""
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=tmp_path))
    seed(hub)
    a = submit(hub, "notts-police", notification("A", subjects=[child("Alpha", "One")]))
    b = submit(hub, "notts-police", notification("B", subjects=[child("Bravo", "Two")]))
    db = sqlite3.connect(f"{tmp_path}/hub.sqlite3", isolation_level=None)
    rows = {}
    for person in (a.child_ids[0], b.child_ids[0]):
        (state,) = db.execute("SELECT state FROM stored_events WHERE originator_id = ? AND "
                              "originator_version = 1", (person.hex,)).fetchone()
        rows[person] = json.loads(state)
    sealed_a = rows[a.child_ids[0]]["identity"]["given_name"]["_data_"]
    sealed_b = rows[b.child_ids[0]]["identity"]["given_name"]["_data_"]
    for field in ("n", "c"):  # B's ciphertext put into A's record, under A's holder and key
        sealed_a[field] = sealed_b[field]
    db.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND "
               "originator_version = 1", (json.dumps(rows[a.child_ids[0]]).encode(),
                                          a.child_ids[0].hex))
    db.close()
    record = hub.store.find(a.child_ids[0], PersonRecord)
    hub.close()
    assert record is not None
    assert record.identity["given_name"].value is None  # not "Bravo", not an error
    assert record.identity["family_name"].value == "One"
