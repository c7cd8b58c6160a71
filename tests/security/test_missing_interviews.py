"""Return home interviews, attacked over HTTP per role: what an interview learned is read only
by the authority answering for it (the area's missing team, or the placing authority of a
child placed from elsewhere) and whoever records it; a school, A&E, the police, health or
another authority's social care read no interview, each refusal audited naming the child; a
placing authority sees only the children it placed, whatever it sends; every read is audited
naming the child, and no interview's words reach the trail."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.bootstrap import Hub
from tests.api_support import Api, staffed_api
from tests.support import child, notification, submit

WHERE = "Stayed at a flat on Hyson Green with two older men."
STAFF = (("city-mash", "social-worker"), ("city-health", "unscheduled-care-clinician"),
         ("shire-cs", "social-worker"), ("shire-cs", "team-manager"))
# Everyone who must not read or record the interview of Shire's child.
OUTSIDERS = ("notts-police", "riverside-primary", "city-health",
             "city-health/unscheduled-care-clinician", "city-dart", "city-mash",
             "city-mash/social-worker", "info-governance")


def _shire(hub: Hub, tokens: dict[str, str]) -> None:
    hub.registry.register_agency("shire-cs", "mash", "Shire Children's Services", None)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from staffed_api(tmp_path, STAFF, _shire)


def placed_child(api: Api, hold: bool = True) -> tuple[str, str]:
    """Shire's child, missing from a placement here and found: (child id, episode id), the
    interview held by Shire with what it learned (if ``hold``)."""
    now = datetime.now(UTC).replace(microsecond=0)

    def report(ref: str, type_: str, at: datetime, **episode: Any) -> dict[str, Any]:
        body = notification(ref, type_=type_, occurred_at=at.isoformat(),
                            subjects=[child("Tia", "Moss", "2011-02-03", postcode="NG7 2AA")],
                            summary="Left the children's home.")
        body["details"]["episode"] = episode
        return body

    sent = submit(api.hub, "notts-police", report("MISS-T", "missing", now - timedelta(hours=6),
                                                  missing_from="care",
                                                  placing_authority="shire-cs"))
    submit(api.hub, "notts-police", report("FOUND-T", "found", now - timedelta(hours=2)))
    [owed] = api.call("GET", "shire-cs/social-worker", "/v1/missing/queue",
                      "missing").json()["interviews"]
    if hold:
        held(api, owed["id"])
    return str(sent.child_ids[0]), owed["id"]


def held(api: Api, episode: str) -> str:
    """Shire offers the interview and holds it: the answer's text."""
    path = f"/v1/missing/episodes/{episode}/interview"
    for body in ({"step": "offered"}, {"step": "held", "independent": True,
                                       "whereabouts": WHERE,
                                       "exploitation_indicators": ["child-sexual-exploitation"]}):
        done = api.call("POST", "shire-cs/social-worker", path, "missing", json=body)
        assert done.status_code == 200, done.text
    return str(done.text)


def test_no_outsider_reads_or_records_the_interview(api: Api) -> None:
    child_id, episode = placed_child(api)
    reads = ("/v1/missing/queue", "/v1/missing/breaches", f"/v1/missing/episodes/{episode}",
             f"/v1/children/{child_id}/missing-episodes")
    for who in OUTSIDERS:
        for path in reads:
            response = api.call("GET", who, path, "missing")
            if who == "city-mash/social-worker" and path in reads[:2]:
                # another authority's social care: its own (empty) list, never Shire's child
                assert response.status_code == 200, response.text
                assert WHERE not in response.text
                assert episode not in response.text
                continue
            assert response.status_code == 403, (who, path, response.text)
            assert WHERE not in response.text
        before = api.hub.audit.size()
        wrote = api.call("POST", who, f"/v1/missing/episodes/{episode}/interview", "missing",
                         json={"step": "offered"})
        assert wrote.status_code == 403, (who, wrote.text)
        [denial] = list(api.hub.audit.entries(before))
        assert denial.kind == "denial"
        assert child_id in {str(c) for c in denial.child_ids}


def test_a_placing_authority_cannot_widen_what_it_reads(api: Api) -> None:
    child_id, episode = placed_child(api)
    # Another child, missing from home: the area team's, never Shire's.
    now = datetime.now(UTC).replace(microsecond=0)
    submit(api.hub, "notts-police", notification(
        "MISS-O", type_="missing", occurred_at=(now - timedelta(hours=1)).isoformat(),
        subjects=[child("Oli", "Dunn", "2012-06-07", postcode="NG5 1AB")],
        summary="Not home from the park."))
    for purpose in ("missing", "triage", "assessment", "s47"):
        for path in ("/v1/missing/queue", "/v1/missing/queue?placing_authority=city-mash",
                     "/v1/missing/queue?all=true"):
            queue = api.call("GET", "shire-cs/team-manager", path, purpose)
            assert queue.status_code == 200, queue.text
            body = queue.json()
            assert body["missing"] == []  # Oli is not Shire's
            assert body["hosted"] == body["strategy_meetings"] == body["to_reconcile"] == []
            assert {e["child_id"] for e in body["interviews"]} <= {child_id}
    # Nor by what it sends with an interview: no field widens who reads it.
    sneaky = api.call("POST", "shire-cs/social-worker",
                      f"/v1/missing/episodes/{episode}/interview", "missing",
                      json={"step": "held", "independent": True, "visible_to": ["school"]})
    assert sneaky.status_code == 422
    # Nor by reading an episode directly (the area team's endpoint), nor another child's
    # history: its own child's history only, with what the interview learned.
    assert api.call("GET", "shire-cs/social-worker", f"/v1/missing/episodes/{episode}",
                    "missing").status_code == 403
    oli = api.call("GET", "missing-team", "/v1/missing/queue", "missing").json()["missing"]
    before = api.hub.audit.size()
    refused = api.call("GET", "shire-cs/social-worker",
                       f"/v1/children/{oli[0]['child_id']}/missing-episodes", "missing")
    assert refused.status_code == 403
    [denial] = list(api.hub.audit.entries(before))
    assert (denial.kind, [str(c) for c in denial.child_ids]) == ("denial", [oli[0]["child_id"]])
    own = api.call("GET", "shire-cs/social-worker", f"/v1/children/{child_id}/missing-episodes",
                   "missing")
    assert own.status_code == 200, own.text
    assert own.json()["episodes"][0]["interview"]["steps"][-1]["content"] == {
        "whereabouts": WHERE}
    assert api.call("GET", "shire-cs/social-worker",
                    f"/v1/children/{child_id}/missing-episodes", "triage").status_code == 403


def test_every_read_is_audited_naming_the_child_and_no_words_reach_the_trail(
        api: Api) -> None:
    child_id, episode = placed_child(api, hold=False)

    def audited(who: str, path: str) -> str:
        before = api.hub.audit.size()
        response = api.call("GET", who, path, "missing")
        assert response.status_code == 200, response.text
        entries = list(api.hub.audit.entries(before))
        assert [e.kind for e in entries] == ["disclosure"], who
        assert child_id in {str(c) for c in entries[0].child_ids}, (who, path)
        assert episode in response.text
        return str(response.text)

    audited("missing-team", "/v1/missing/queue")  # hosted: when due
    audited("shire-cs/team-manager", "/v1/missing/queue")  # owed
    assert WHERE in held(api, episode)  # shown to the one who recorded it
    assert WHERE not in audited("missing-team", f"/v1/children/{child_id}/missing-episodes")
    team_view = audited("missing-team", f"/v1/missing/episodes/{episode}")
    assert WHERE not in team_view
    assert '"content_withheld":true' in team_view
    assert '"exploitation_indicators":["child-sexual-exploitation"]' in team_view
    assert WHERE not in "".join(repr(e) for e in api.hub.audit.entries(0))


def test_that_a_child_is_looked_after_is_read_only_with_the_episode(api: Api) -> None:
    """The police's report names the placing authority (the child is looked after): the
    report itself, its versions and the child's chronology never show it, to anyone; it is
    shown only with the episode, to those who may read that."""
    child_id, episode = placed_child(api, hold=False)
    [report] = api.call("GET", "shire-cs/social-worker", "/v1/missing/queue",
                        "missing").json()["interviews"][0]["reports"][:1]
    readers = (*OUTSIDERS, "missing-team", "shire-cs/social-worker")
    for who in readers:
        for purpose in ("missing", "triage", "s47", "assessment", "unscheduled-care"):
            for path in (f"/v1/notifications/{report}",
                         f"/v1/notifications/{report}/versions",
                         f"/v1/children/{child_id}/chronology"):
                response = api.call("GET", who, path, purpose)
                assert response.status_code < 500, (who, path, response.text)
                assert "placing_authority" not in response.text, (who, path, purpose)
                assert "shire-cs" not in response.text, (who, path, purpose)
    for who in OUTSIDERS:
        seen = api.call("GET", who, f"/v1/missing/episodes/{episode}", "missing")
        assert seen.status_code == 403, (who, seen.text)
        assert "shire-cs" not in seen.text
    for who in ("missing-team", "shire-cs/social-worker"):
        seen = api.call("GET", who, f"/v1/children/{child_id}/missing-episodes", "missing")
        assert seen.status_code == 200, (who, seen.text)
        assert seen.json()["episodes"][0]["placing_authority"] == "shire-cs"
