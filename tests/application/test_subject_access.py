"""Subject access: the pack holds the child's records and every disclosure; other people and
protected places are redacted by default; a reviewer's exemption is recorded with its reason;
the one-month deadline is tracked."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.access import Purpose
from domain.subject_access import one_month_after
from hub.bootstrap import Hub, bootstrap
from hub.disclosure import ReadContext
from hub.errors import NotFound
from hub.settings import Settings
from tests.support import child, notification, seed, submit

TODAY = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


@pytest.fixture
def hub(store_url: str, tmp_path: Path) -> Iterator[Hub]:
    the_hub = bootstrap(Settings(store_url=store_url, home=tmp_path / "home"), lambda: TODAY)
    yield the_hub
    the_hub.close()


@pytest.mark.parametrize(("received", "due"), [
    (date(2026, 1, 31), date(2026, 2, 28)), (date(2028, 1, 31), date(2028, 2, 29)),
    (date(2026, 12, 15), date(2027, 1, 15)), (date(2026, 3, 1), date(2026, 4, 1))])
def test_one_calendar_month(received: date, due: date) -> None:
    assert one_month_after(received) == due


def test_the_pack_with_default_and_reviewed_redactions(hub: Hub, tmp_path: Path) -> None:
    tokens = seed(hub)
    receipt = submit(hub, "notts-police", notification(
        "P-1", subjects=[child(postcode="NG5 1AB"),
                         {"role": "perpetrator", "given_name": "Lee", "family_name": "Kerr"}],
        occurred_at="2026-01-20T22:00:00Z", summary="Shouting heard",
        location="Refuge, Elm Street", location_sensitive=True, welfare_check=True))
    child_id = receipt.child_ids[0]
    hub.disclosure.chronology(ReadContext(hub.registry.authenticate(tokens["city-mash"]),
                                          Purpose.TRIAGE, None), child_id)
    hub.subject_access.redact({"cli_user": "dpo"}, child_id, str(receipt.id),
                              "details.summary", "child-abuse-data",
                              "Disclosure would not be in the child's best interests")
    with pytest.raises(NotFound):
        hub.subject_access.redact({"cli_user": "dpo"}, child_id, str(receipt.id),
                                  "details.summary", "because", "no such exemption")

    made = hub.subject_access.assemble({"cli_user": "dpo"}, child_id, tmp_path / "pack")
    assert made["due_on"] == "2026-02-28"
    pack = json.loads((tmp_path / "pack" / "subject-access.json").read_text())
    [record] = pack["records"]
    assert record["subjects"][0]["given_name"] == "Amy"  # the child's own data
    assert record["subjects"][1] == "[redacted]"  # the perpetrator's identity
    assert record["details"]["location"] == "[redacted]"
    assert record["details"]["summary"] == "[redacted]"
    assert record["details"]["welfare_check"] is True
    assert [d["reader"]["agency"] for d in pack["disclosures"]] == ["city-mash", "city-mash"]
    redactions = json.loads((tmp_path / "pack" / "redactions.json").read_text())
    assert {(r["path"], r["exemption"], r["automatic"]) for r in redactions} == {
        ("details.summary", "child-abuse-data", False),
        ("subjects[1]", "third-party", True),
        ("details.location", "serious-harm", True)}
    assert all(r["reason"] for r in redactions)
    assert [e.action for e in hub.audit.entries() if e.kind == "subject-access"] == [
        "record-redaction", "assemble-subject-access"]


def test_the_pack_holds_what_agencies_did_partners_research_withheld(
        hub: Hub, tmp_path: Path) -> None:
    from domain.front_door import contact_id

    tokens = seed(hub)
    callers = {name: hub.registry.authenticate(token) for name, token in tokens.items()}
    amy = child(postcode="NG5 1AB")
    concern = submit(hub, "riverside-primary", notification(
        "S-1", "school_concern", subjects=[amy], occurred_at="2026-01-30T09:00:00Z",
        summary="Amy arrived hungry again"))
    contact = contact_id(concern.id)
    hub.front_door.rate(callers["city-mash"], contact, "amber", None)
    hub.front_door.request_research(callers["city-mash"], contact, ["notts-police"])
    hub.front_door.add_research(callers["notts-police"], contact,
                                "Police attended the address for a neighbour dispute")
    submit(hub, "notts-police", notification(
        "M-1", "missing", subjects=[amy], occurred_at="2026-01-30T20:00:00Z",
        summary="Not home by curfew"))
    submit(hub, "notts-police", notification(
        "F-1", "found", subjects=[amy], occurred_at="2026-01-31T02:00:00Z",
        summary="Found at a friend's house"))

    hub.subject_access.assemble({"cli_user": "dpo"}, concern.child_ids[0], tmp_path / "pack")
    pack = json.loads((tmp_path / "pack" / "subject-access.json").read_text())
    [door] = pack["work"]["front_door"]
    assert door["ratings"][0]["rag"] == "amber"
    assert door["research"] == [{"agency": "notts-police", "at": TODAY.isoformat(),
                                 "content": "[redacted]"}]
    [episode] = pack["work"]["missing_episodes"]
    assert (episode["start"], episode["end"]) == ("2026-01-30T20:00:00+00:00",
                                                  "2026-01-31T02:00:00+00:00")
    assert episode["interview_due"] == "2026-02-03T02:00:00+00:00"
    redactions = json.loads((tmp_path / "pack" / "redactions.json").read_text())
    assert ("research[0].content", "third-party", True) in {
        (r["path"], r["exemption"], r["automatic"]) for r in redactions}
    assert "neighbour dispute" not in (tmp_path / "pack" / "subject-access.json").read_text()
