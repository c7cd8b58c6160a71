"""Issue 19 attacked: missing children (where from, the placing authority, the return home
interview's content, corrections and the strategy meeting) and child protection (chairs,
minutes, core groups, child in need plans, Signs of Safety), over HTTP per role.

Each test asserts the safe behaviour. A test marked ``xfail(strict=True)`` records a live
weakness (it fails loudly once the weakness is fixed); the others are attacks refused.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from hub.bootstrap import Hub
from tests.api_support import Api, staffed_api
from tests.support import child, notification, submit

WHERE = "Stayed at a flat on Hyson Green with two older men."
WHOM = "Two men called Dean and Kyle who gave her vodka."
MINUTES = "The conference agreed a plan: the father leaves the home while he gets help."
WORRIES = "Father's drinking frightens the children at night."
SIGNS = {"worries": WORRIES, "working_well": "Mother keeps the children safe at weekends.",
         "needs_to_happen": "Father engages with the alcohol service.", "scale": 4}

SW, TM, IRO = ("city-mash/social-worker", "city-mash/team-manager",
               "city-mash/independent-reviewing-officer")
SHIRE_SW, SHIRE_TM, SHIRE_IRO = ("shire-cs/social-worker", "shire-cs/team-manager",
                                 "shire-cs/independent-reviewing-officer")
STAFF = (("city-mash", "social-worker"), ("city-mash", "team-manager"),
         ("city-mash", "independent-reviewing-officer"),
         ("shire-cs", "social-worker"), ("shire-cs", "team-manager"),
         ("shire-cs", "independent-reviewing-officer"), ("missing-team", "team-manager"),
         ("city-health", "unscheduled-care-clinician"))


def _shire(hub: Hub, tokens: dict[str, str]) -> None:
    """Another local authority's children's social care, registered on the same hub."""
    hub.registry.register_agency("shire-cs", "mash", "Shire Children's Services", None)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from staffed_api(tmp_path, STAFF, _shire)


def user_id(api: Api, who: str) -> str:
    return str(api.hub.registry.authenticate(api.tokens[who]).user_id)


# Missing children ----------------------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)


def report(ref: str, type_: str, at: datetime, given: str = "Tia",
           **episode: Any) -> dict[str, Any]:
    body = notification(ref, type_=type_, occurred_at=at.isoformat(),
                        subjects=[child(given, "Moss", "2011-02-03", postcode="NG7 2AA")],
                        summary="Reported missing.")
    if episode:
        body["details"]["episode"] = episode
    return body


def sent(api: Api, who: str, body: dict[str, Any]) -> str:
    """A report sent over HTTP by ``who``: the child's id."""
    response = api.call("POST", who, "/v1/notifications", json=body)
    assert response.status_code == 201, response.text
    [child_id] = response.json()["child_ids"]
    return str(child_id)


def interview(api: Api, who: str, episode: str, **said: Any) -> Any:
    path = f"/v1/missing/episodes/{episode}/interview"
    offered = api.call("POST", who, path, "missing", json={"step": "offered"})
    assert offered.status_code == 200, offered.text
    return api.call("POST", who, path, "missing",
                    json={"step": "held", "independent": True, **said})


def team_interviews(api: Api) -> list[dict[str, Any]]:
    queue = api.call("GET", "missing-team", "/v1/missing/queue", "missing")
    assert queue.status_code == 200, queue.text
    return [*queue.json()["interviews"], *queue.json()["hosted"]]


def shire_reads(api: Api, child_id: str) -> str:
    """Everything Shire's social care reads of the child's missing episodes."""
    return "".join(api.call("GET", who, path, "missing").text
                   for who in (SHIRE_SW, SHIRE_TM)
                   for path in ("/v1/missing/queue", "/v1/missing/breaches",
                                f"/v1/children/{child_id}/missing-episodes"))


def test_an_authority_naming_itself_placing_authority_reads_no_interview_it_did_not_own(
        api: Api) -> None:
    # Shire sends its own report: the area's child "missing from care", placed by Shire.
    child_id = sent(api, SHIRE_SW, report("SHIRE-1", "missing", NOW - timedelta(hours=8),
                                          missing_from="care", placing_authority="shire-cs"))
    # The police report the same child missing from home, then found.
    submit(api.hub, "notts-police", report("NTP-M1", "missing", NOW - timedelta(hours=7),
                                           missing_from="home"))
    submit(api.hub, "notts-police", report("NTP-F1", "found", NOW - timedelta(hours=2)))
    [episode] = [e["id"] for e in team_interviews(api) if e["child_id"] == child_id]
    # The area's missing team holds the interview of a child missing from its homes.
    held = interview(api, "missing-team", episode, whereabouts=WHERE, with_whom=WHOM)
    assert held.status_code == 200, held.text
    seen = shire_reads(api, child_id)
    assert WHERE not in seen
    assert WHOM not in seen


def test_a_placing_authority_named_on_a_found_report_takes_nothing_over(api: Api) -> None:
    """A found report naming Shire, ending an episode of a child missing from home: the
    episode stays the area's, and Shire reads nothing of it."""
    child_id = sent(api, "notts-police", report("NTP-M2", "missing", NOW - timedelta(hours=9),
                                                missing_from="home"))
    sent(api, SHIRE_SW, report("SHIRE-F2", "found", NOW - timedelta(hours=3),
                               missing_from="care", placing_authority="shire-cs"))
    [episode] = [e for e in team_interviews(api) if e["child_id"] == child_id]
    assert episode["placing_authority"] is None
    held = interview(api, "missing-team", episode["id"], whereabouts=WHERE)
    assert held.status_code == 200, held.text
    seen = shire_reads(api, child_id)
    assert WHERE not in seen
    assert episode["id"] not in seen


def test_merging_episodes_moves_no_interview_to_another_authority(api: Api) -> None:
    # First: missing from a placement Shire made; the police report it, the child is found.
    child_id = sent(api, "notts-police", report(
        "NTP-M3", "missing", NOW - timedelta(hours=30), missing_from="care",
        placing_authority="shire-cs"))
    submit(api.hub, "notts-police", report("NTP-F3", "found", NOW - timedelta(hours=28)))
    # Then: missing from home (the area's own), found, and the team holds the interview.
    submit(api.hub, "notts-police", report("NTP-M4", "missing", NOW - timedelta(hours=10),
                                           missing_from="home"))
    submit(api.hub, "notts-police", report("NTP-F4", "found", NOW - timedelta(hours=6)))
    history = api.call("GET", "missing-team", f"/v1/children/{child_id}/missing-episodes",
                       "missing").json()["episodes"]
    later, earlier = history[0]["id"], history[1]["id"]
    held = interview(api, "missing-team", later, whereabouts=WHERE)
    assert held.status_code == 200, held.text
    # The missing team decides the two were one episode.
    merged = api.call("POST", "missing-team", f"/v1/missing/episodes/{earlier}/merge",
                      "missing", json={"other_episode_id": later,
                                       "reason": "The same night: she never came home."})
    assert merged.status_code in (200, 409), merged.text
    assert WHERE not in shire_reads(api, child_id)


def test_no_outsider_reads_interview_content_through_other_doors(api: Api) -> None:
    """The police, a school, A&E, health, the DART, the front door and another authority
    read the child's chronology, the report itself and the history: never the content."""
    child_id = sent(api, "notts-police", report("NTP-M5", "missing", NOW - timedelta(hours=9),
                                                missing_from="home"))
    found = submit(api.hub, "notts-police", report("NTP-F5", "found", NOW - timedelta(hours=3)))
    [episode] = [e["id"] for e in team_interviews(api) if e["child_id"] == child_id]
    assert interview(api, "missing-team", episode, whereabouts=WHERE,
                     with_whom=WHOM).status_code == 200
    outsiders = ("notts-police", "riverside-primary", "city-health",
                 "city-health/unscheduled-care-clinician", "city-dart", "city-mash", SW, TM,
                 SHIRE_SW, SHIRE_TM, "info-governance")
    for who in outsiders:
        for purpose in ("missing", "triage", "s47", "assessment", "unscheduled-care"):
            for path in (f"/v1/children/{child_id}/chronology",
                         f"/v1/notifications/{found.id}",
                         f"/v1/children/{child_id}/missing-episodes",
                         f"/v1/missing/episodes/{episode}"):
                response = api.call("GET", who, path, purpose)
                assert response.status_code < 500, (who, path, response.text)
                assert WHERE not in response.text, (who, path, purpose)
                assert WHOM not in response.text, (who, path, purpose)
    trail = json.dumps([[e.details, e.action] for e in api.hub.audit.entries()], default=str)
    assert WHERE not in trail
    assert WHOM not in trail


def test_a_sender_cannot_name_a_placing_authority_that_is_not_social_care(api: Api) -> None:
    """Naming the police, a school or an unknown id as placing authority is refused whole
    (422), the id never echoed, and nothing is recorded."""
    for named in ("notts-police", "riverside-primary", "missing-team", "no-such-la-x"):
        body = report(f"BAD-{named}", "missing", NOW - timedelta(hours=2),
                      missing_from="care", placing_authority=named)
        refused = api.call("POST", "notts-police", "/v1/notifications", json=body)
        assert refused.status_code == 422, (named, refused.text)
        assert "no-such-la-x" not in refused.text
    assert api.call("GET", "missing-team", "/v1/missing/queue",
                    "missing").json()["missing"] == []
    home_with_placer = report("BAD-HOME", "missing", NOW - timedelta(hours=2),
                              missing_from="home", placing_authority="shire-cs")
    assert api.call("POST", "notts-police", "/v1/notifications",
                    json=home_with_placer).status_code == 422


def test_interview_content_never_echoed_in_an_error(api: Api) -> None:
    child_id = sent(api, "notts-police", report("NTP-M6", "missing", NOW - timedelta(hours=9),
                                                missing_from="home"))
    submit(api.hub, "notts-police", report("NTP-F6", "found", NOW - timedelta(hours=3)))
    [episode] = [e["id"] for e in team_interviews(api) if e["child_id"] == child_id]
    path = f"/v1/missing/episodes/{episode}/interview"
    bad_bodies = (
        {"step": "held", "whereabouts": WHERE},  # independent missing
        {"step": "held", "independent": True, "whereabouts": WHERE,
         "exploitation_indicators": ["not-a-code"]},
        {"step": "held", "independent": True, "whereabouts": WHERE * 60},
        {"step": "held", "independent": True, "whereabouts": WHERE, "where": WHERE},
        {"step": "declined", "independent": True, "whereabouts": WHERE},
        {"step": "held", "independent": "yes", "whereabouts": WHERE},
    )
    for body in bad_bodies:
        refused = api.call("POST", "missing-team", path, "missing", json=body)
        assert 400 <= refused.status_code < 500, (body, refused.text)
        assert WHERE not in refused.text
    trail = json.dumps([e.details for e in api.hub.audit.entries()], default=str)
    assert WHERE not in trail


def test_missing_endpoints_answer_odd_input_with_4xx(api: Api) -> None:
    child_id = sent(api, "notts-police", report("NTP-M7", "missing", NOW - timedelta(hours=9),
                                                missing_from="home"))
    odd_ids = ("x", "0", str(uuid4()), "00000000-0000-0000-0000-000000000000", "%00",
               "' OR 1=1 --")
    for odd in odd_ids:
        for method, path, body in (
                ("GET", f"/v1/missing/episodes/{odd}", None),
                ("GET", f"/v1/children/{odd}/missing-episodes", None),
                ("POST", f"/v1/missing/episodes/{odd}/interview", {"step": "offered"}),
                ("POST", f"/v1/missing/episodes/{odd}/merge",
                 {"other_episode_id": str(uuid4()), "reason": "r"}),
                ("POST", f"/v1/children/{odd}/missing-strategy-meeting",
                 {"held_at": NOW.isoformat(), "participants": [], "outcome": "no-further-action"}),
        ):
            response = api.call(method, "missing-team", path, "missing", json=body)
            # an unknown child's history is the empty one a child never missing has
            assert response.status_code < 500, (method, path, response.text)
            assert response.status_code != 201, (method, path, response.text)
    # A strategy meeting for a child with none due, or odd participants: 4xx, never echoed.
    for body in ({"held_at": NOW.isoformat(), "participants": ["no-such-agency-x"],
                  "outcome": "no-further-action"},
                 {"held_at": "2026-01-01T10:00:00", "participants": [],
                  "outcome": "no-further-action"},
                 {"held_at": NOW.isoformat(), "participants": ["notts-police"] * 21,
                  "outcome": "no-further-action"},
                 {"held_at": NOW.isoformat(), "participants": [], "outcome": "nonsense"},
                 {"held_at": NOW.isoformat(), "participants": [],
                  "outcome": "no-further-action"}):
        response = api.call("POST", "missing-team",
                            f"/v1/children/{child_id}/missing-strategy-meeting", "missing",
                            json=body)
        assert 400 <= response.status_code < 500, (body, response.text)
        assert "no-such-agency-x" not in response.text


# Child protection ----------------------------------------------------------------------------

OUTSIDERS = ("notts-police", "city-health", "city-health/unscheduled-care-clinician",
             "riverside-primary", "city-dart", "missing-team", "info-governance")


def a_child(api: Api) -> str:
    return str(submit(api.hub, "city-health", notification(
        "H-CP-19", "health_concern", occurred_at="2026-11-20T10:00:00Z",
        subjects=[child("Amy", "Hart", "2016-04-02", nhs_number="9434765919")],
        summary="Bruising noted; explanation inconsistent.")).child_ids[0])


def planned(api: Api) -> tuple[str, str]:
    """The city's child on a plan, the conference chaired by the city's IRO with Signs of
    Safety and its minutes recorded, and a child in need plan before it: (child, conference)."""
    child_id = a_child(api)
    assert api.call("POST", SW, f"/v1/children/{child_id}/cin-plan",
                    json={}).status_code == 200
    made = api.call("POST", SW, f"/v1/protection/{child_id}/initial-conference", "s47", json={
        "plan": True, "category": "emotional", "chair": user_id(api, IRO),
        "iro": user_id(api, IRO), "signs_of_safety": SIGNS,
        "core_group": [{"agency": "city-health", "role": "health-practitioner"}]})
    assert made.status_code == 200, made.text
    conference_id = str(made.json()["conferences"][0]["id"])
    minutes = api.call("POST", IRO, f"/v1/protection/{child_id}/conferences/{conference_id}"
                       "/minutes", json={"minutes": MINUTES})
    assert minutes.status_code == 200, minutes.text
    return child_id, conference_id


def test_another_authority_reads_no_protection_record(api: Api) -> None:
    child_id, _ = planned(api)
    for who in (SHIRE_SW, SHIRE_TM, SHIRE_IRO):
        read = api.call("GET", who, f"/v1/protection/{child_id}", "assessment")
        assert read.status_code in (403, 404), (who, read.text)
        assert MINUTES not in read.text
        assert WORRIES not in read.text


def test_another_authority_reads_no_signs_of_safety(api: Api) -> None:
    child_id, _ = planned(api)
    for who in (SHIRE_SW, SHIRE_TM, SHIRE_IRO):
        read = api.call("GET", who, f"/v1/children/{child_id}/safety-scale", "assessment")
        assert read.status_code in (403, 404), (who, read.text)
        assert WORRIES not in read.text


def test_another_authority_reads_no_child_in_need_plans(api: Api) -> None:
    child_id, _ = planned(api)
    for who in (SHIRE_SW, SHIRE_TM, SHIRE_IRO):
        read = api.call("GET", who, f"/v1/children/{child_id}/cin-plans", "assessment")
        assert read.status_code in (403, 404), (who, read.text)


def test_another_authority_writes_nothing_on_the_citys_plans(api: Api) -> None:
    child_id = a_child(api)
    assert api.call("POST", SW, f"/v1/children/{child_id}/cin-plan",
                    json={}).status_code == 200
    made = api.call("POST", SW, f"/v1/protection/{child_id}/initial-conference", "s47", json={
        "plan": True, "category": "emotional", "chair": user_id(api, IRO),
        "iro": user_id(api, IRO)})
    conference_id = made.json()["conferences"][0]["id"]
    writes = (
        (SHIRE_IRO, f"/v1/protection/{child_id}/conferences/{conference_id}/minutes",
         {"minutes": MINUTES}),
        (SHIRE_TM, f"/v1/protection/{child_id}/core-group/members",
         {"members": [{"agency": "shire-cs", "role": "social-worker"}]}),
        (SHIRE_SW, f"/v1/protection/{child_id}/end", {"because": "other"}),
        (SHIRE_SW, f"/v1/children/{child_id}/cin-plan/end", {"because": "other"}),
    )
    for who, path, body in writes:
        method = "PUT" if path.endswith("/members") else "POST"
        wrote = api.call(method, who, path, json=body)
        assert wrote.status_code in (403, 404), (who, path, wrote.text)
    record = api.call("GET", TM, f"/v1/protection/{child_id}", "assessment").json()
    assert record["conferences"][0]["minutes"] is None
    assert record["plans"][0]["ended_at"] is None


def test_a_protection_read_is_audited_with_the_purpose_the_reader_stated(api: Api) -> None:
    child_id, _ = planned(api)
    for path in (f"/v1/protection/{child_id}", f"/v1/children/{child_id}/cin-plans",
                 f"/v1/children/{child_id}/safety-scale"):
        before = api.hub.audit.size()
        read = api.call("GET", SW, path, "encompass")
        entries = list(api.hub.audit.entries(before))
        assert entries, path
        if read.status_code == 200:
            assert {e.purpose for e in entries} == {"encompass"}, path


def test_another_authoritys_refusal_is_an_unknown_childs_and_is_audited(api: Api) -> None:
    """Shire's reads and writes of the city's child are answered as for a child the hub does
    not know, each refusal audited as a denial naming the child; the city reads on."""
    child_id, _ = planned(api)
    unknown = str(uuid4())
    calls: tuple[tuple[str, str, str, Any], ...] = (("GET", SHIRE_TM, "/v1/protection/{}", None),
             ("GET", SHIRE_TM, "/v1/children/{}/cin-plans", None),
             ("GET", SHIRE_TM, "/v1/children/{}/safety-scale", None),
             ("POST", SHIRE_SW, "/v1/children/{}/cin-plan/review", {}),
             ("POST", SHIRE_SW, "/v1/protection/{}/core-group", {}),
             ("POST", SHIRE_TM, "/v1/children/{}/level-of-need",
              {"level": "universal", "reason": "Stepped down."}),
             ("PUT", SHIRE_TM, "/v1/children/{}/allocated-worker",
              {"user_id": user_id(api, SHIRE_TM)}))
    for method, who, path, body in calls:
        start = api.hub.audit.size()
        refused = api.call(method, who, path.format(child_id), "assessment", json=body)
        assert refused.status_code == 404, (path, refused.text)
        denials = [e for e in api.hub.audit.entries(start) if e.kind == "denial"]
        assert [str(c) for e in denials for c in e.child_ids] == [child_id], path
        stranger = api.call(method, who, path.format(unknown), "assessment", json=body)
        assert stranger.status_code == 404, (path, stranger.text)
        assert refused.json() == stranger.json(), path
    assert api.call("GET", TM, f"/v1/protection/{child_id}", "assessment").status_code == 200
    allocated = api.call("PUT", TM, f"/v1/children/{child_id}/allocated-worker",
                         json={"user_id": user_id(api, SW)})
    assert allocated.status_code == 200, allocated.text


def test_core_group_membership_widens_no_agencys_access(api: Api) -> None:
    """A partner named to the core group (by social care: it cannot name itself) reads no
    more of the child than before."""
    child_id, _ = planned(api)
    partners = ("notts-police", "city-health", "riverside-primary")
    paths = (f"/v1/protection/{child_id}", f"/v1/children/{child_id}/safety-scale",
             f"/v1/children/{child_id}/cin-plans", f"/v1/children/{child_id}/chronology")

    def seen() -> dict[tuple[str, str, str], tuple[int, str]]:
        return {(who, path, purpose): (r.status_code, r.text)
                for who in partners for path in paths for purpose in ("assessment", "s47")
                for r in [api.call("GET", who, path, purpose)]}

    before = seen()
    roles = {"notts-police": "police-officer", "city-health": "health-practitioner",
             "riverside-primary": "dsl"}
    for who in partners:  # naming itself: refused, audited naming the child
        start = api.hub.audit.size()
        refused = api.call("PUT", who, f"/v1/protection/{child_id}/core-group/members",
                           json={"members": [{"agency": who, "role": roles[who]}]})
        assert refused.status_code == 403, refused.text
        assert [str(c) for e in api.hub.audit.entries(start) for c in e.child_ids] == [child_id]
    named = api.call("PUT", TM, f"/v1/protection/{child_id}/core-group/members", json={
        "members": [{"agency": "notts-police", "role": "police-officer"},
                    {"agency": "city-health", "role": "health-practitioner"},
                    {"agency": "riverside-primary", "role": "dsl"}]})
    assert named.status_code == 200, named.text
    after = seen()
    for key, (status, text) in after.items():
        assert status == before[key][0], key
        assert MINUTES not in text, key
        assert WORRIES not in text, key
        if key[1].endswith("/chronology"):
            assert text == before[key][1], key


def test_a_chair_or_iro_is_the_recording_authoritys_own(api: Api) -> None:
    child_id = a_child(api)
    path = f"/v1/protection/{child_id}/initial-conference"
    police = str(api.hub.registry.register_user("notts-police", "police-officer", "Staff")[0])
    wrong = ((user_id(api, SHIRE_IRO), user_id(api, SHIRE_IRO)),  # another authority's IRO
             (user_id(api, IRO), user_id(api, SHIRE_IRO)),
             (user_id(api, SHIRE_SW), user_id(api, IRO)),
             (user_id(api, IRO), user_id(api, TM)),  # not an IRO
             (police, user_id(api, IRO)),
             (user_id(api, IRO), str(uuid4())),  # nobody
             (user_id(api, IRO), None))
    for chair, iro in wrong:
        refused = api.call("POST", SW, path, "s47", json={
            "plan": True, "category": "neglect", "chair": chair, "iro": iro,
            "signs_of_safety": SIGNS})
        assert refused.status_code == 422, (chair, iro, refused.text)
        assert WORRIES not in refused.text
    record = api.call("GET", TM, f"/v1/protection/{child_id}", "assessment")
    assert record.status_code == 404  # nothing was recorded by any refusal


def test_minutes_are_audited_naming_the_child_and_never_echoed(api: Api) -> None:
    child_id, conference_id = planned(api)
    minutes_audit = [e for e in api.hub.audit.entries()
                     if e.action == "record-conference-minutes"]
    assert minutes_audit
    assert all(child_id in [str(c) for c in e.child_ids] for e in minutes_audit)
    path = f"/v1/protection/{child_id}/conferences/{conference_id}/minutes"
    for body in ({"minutes": MINUTES * 300}, {"minutes": MINUTES, "extra": MINUTES},
                 {"minutes": MINUTES, "at": "2026-01-01T10:00:00"},
                 {"minutes": MINUTES, "at": "2000-01-01T10:00:00Z"}, {"minutes": MINUTES}):
        refused = api.call("POST", IRO, path, json=body)
        assert 400 <= refused.status_code < 500, refused.text
        assert MINUTES not in refused.text
    trail = json.dumps([e.details for e in api.hub.audit.entries()], default=str)
    assert MINUTES not in trail
    assert WORRIES not in trail


def test_odd_conference_and_plan_input_is_a_4xx(api: Api) -> None:
    child_id, conference_id = planned(api)
    other_child = str(submit(api.hub, "city-health", notification(
        "H-CP-20", "health_concern", occurred_at="2026-11-20T10:00:00Z",
        subjects=[child("Ben", "Hill", "2015-03-02")], summary="A fall.")).child_ids[0])
    odd = ("x", "0", str(uuid4()), "00000000-0000-0000-0000-000000000000", "%2e%2e")
    calls: list[tuple[str, str, str, Any]] = []
    for o in odd:
        calls += [("POST", IRO, f"/v1/protection/{child_id}/conferences/{o}/minutes",
                   {"minutes": "m"}),
                  ("POST", IRO, f"/v1/protection/{o}/conferences/{conference_id}/minutes",
                   {"minutes": "m"}),
                  ("GET", TM, f"/v1/protection/{o}", None),
                  ("GET", TM, f"/v1/children/{o}/cin-plans", None),
                  ("GET", TM, f"/v1/children/{o}/safety-scale", None),
                  ("POST", SW, f"/v1/children/{o}/cin-plan", {}),
                  ("PUT", TM, f"/v1/protection/{o}/core-group/members",
                   {"members": [{"agency": "notts-police", "role": "police-officer"}]})]
    calls += [
        # another child's conference, by its id: never found on this child
        ("POST", IRO, f"/v1/protection/{other_child}/conferences/{conference_id}/minutes",
         {"minutes": "m"}),
        ("POST", SW, f"/v1/children/{other_child}/cin-plan/review", {}),
        ("POST", SW, f"/v1/children/{other_child}/cin-plan/end", {"because": "other"}),
        ("POST", SW, f"/v1/protection/{child_id}/review",
         {"plan_continues": True, "step_down": "child-in-need"}),
        ("POST", SW, f"/v1/protection/{child_id}/review",
         {"plan_continues": False, "step_down": "adoption"}),
        ("POST", SW, f"/v1/protection/{child_id}/review",
         {"plan_continues": False, "step_down": "child-in-need", "unborn": True}),
        ("POST", SW, f"/v1/protection/{child_id}/review",
         {"plan_continues": True, "signs_of_safety": {**SIGNS, "scale": 11},
          "chair": user_id(api, IRO), "iro": user_id(api, IRO)}),
        ("POST", SW, f"/v1/protection/{child_id}/review",
         {"plan_continues": True, "signs_of_safety": SIGNS}),
        ("PUT", TM, f"/v1/protection/{child_id}/core-group/members", {"members": []}),
        ("PUT", TM, f"/v1/protection/{child_id}/core-group/members",
         {"members": [{"agency": "notts-police", "role": "dsl"}]}),
        ("PUT", TM, f"/v1/protection/{child_id}/core-group/members",
         {"members": [{"agency": "notts-police", "role": "police-officer"}] * 2}),
        ("PUT", TM, f"/v1/protection/{other_child}/core-group/members",
         {"members": [{"agency": "notts-police", "role": "police-officer"}]}),
    ]
    for method, who, path, body in calls:
        response = api.call(method, who, path, "assessment", json=body)
        assert 400 <= response.status_code < 500, (method, path, body, response.text)
        assert WORRIES not in response.text
        assert MINUTES not in response.text


def test_an_outsiders_write_is_refused_and_audited_before_its_content_is_judged(
        api: Api) -> None:
    child_id = a_child(api)
    for path, method, body in (
            (f"/v1/protection/{child_id}/core-group/members", "PUT",
             {"members": [{"agency": "notts-police", "role": "dsl"}]}),
            (f"/v1/protection/{child_id}/initial-conference", "POST",
             {"plan": True, "category": "neglect", "chair": str(uuid4()),
              "iro": str(uuid4())})):
        start = api.hub.audit.size()
        refused = api.call(method, "notts-police", path, "s47", json=body)
        assert refused.status_code == 403, (path, refused.text)
        denials = [e for e in api.hub.audit.entries(start) if e.kind == "denial"]
        assert [str(c) for e in denials for c in e.child_ids] == [child_id], path


# The strategy meeting, and corrections deciding it again -----------------------------------

CORRECTION = "Her foster carer Mrs Patel says she was at her aunt's in Bulwell that night."


def three_in_thirty(api: Api) -> tuple[str, list[str]]:
    """A child missing from home three times in 30 days: (child, episodes oldest first)."""
    child_id = ""
    for n, days in enumerate((20, 10, 1)):
        start = NOW - timedelta(days=days)
        child_id = sent(api, "notts-police", report(f"NTP-3M{n}", "missing", start,
                                                    missing_from="home"))
        submit(api.hub, "notts-police", report(f"NTP-3F{n}", "found",
                                               start + timedelta(hours=2)))
    history = api.call("GET", "missing-team", f"/v1/children/{child_id}/missing-episodes",
                       "missing").json()["episodes"]
    return child_id, [e["id"] for e in reversed(history)]


def test_a_strategy_meeting_is_the_missing_teams_and_its_participants_read_nothing_more(
        api: Api) -> None:
    child_id, episodes = three_in_thirty(api)
    [due] = api.call("GET", "missing-team", "/v1/missing/queue",
                     "missing").json()["strategy_meetings"]
    assert due["child_id"] == child_id
    path = f"/v1/children/{child_id}/missing-strategy-meeting"
    body = {"held_at": datetime.now(UTC).isoformat(),
            "participants": ["notts-police", "city-health",
                                                         "riverside-primary", "shire-cs"],
            "outcome": "safety-plan", "note": CORRECTION}
    for who in ("notts-police", "city-health", "riverside-primary", SW, TM, SHIRE_TM,
                "city-dart"):
        start = api.hub.audit.size()
        assert api.call("POST", who, path, "missing", json=body).status_code == 403, who
        assert [str(c) for e in api.hub.audit.entries(start) for c in e.child_ids] == [
            child_id]
    before = {(who, p): api.call("GET", who, p, "missing").status_code
              for who in ("notts-police", "city-health", "riverside-primary", SHIRE_SW)
              for p in (f"/v1/children/{child_id}/missing-episodes",
                        f"/v1/missing/episodes/{episodes[0]}")}
    held = api.call("POST", "missing-team", path, "missing", json=body)
    assert held.status_code == 200, held.text
    for (who, p), status in before.items():
        after = api.call("GET", who, p, "missing")
        assert after.status_code == status, (who, p)
        assert CORRECTION not in after.text
    again = api.call("POST", "missing-team", path, "missing", json=body)
    assert 400 <= again.status_code < 500
    assert CORRECTION not in again.text
    trail = json.dumps([e.details for e in api.hub.audit.entries()], default=str)
    assert CORRECTION not in trail


def test_a_correction_decides_the_meeting_again_audited_naming_the_child_without_its_reason(
        api: Api) -> None:
    child_id, episodes = three_in_thirty(api)
    assert api.call("GET", "missing-team", "/v1/missing/queue",
                    "missing").json()["strategy_meetings"]
    # Outsiders may not correct (refused, audited naming the child, the reason never kept).
    moved = {"start": (NOW - timedelta(days=40)).isoformat(),
             "end": (NOW - timedelta(days=40, hours=-2)).isoformat(), "reason": CORRECTION}
    for who in ("notts-police", SW, SHIRE_TM, "city-health"):
        start = api.hub.audit.size()
        refused = api.call("POST", who, f"/v1/missing/episodes/{episodes[0]}/times",
                           "missing", json=moved)
        assert refused.status_code == 403, (who, refused.text)
        assert [str(c) for e in api.hub.audit.entries(start) for c in e.child_ids] == [
            child_id]
    # Bad corrections are a 4xx, the reason never echoed.
    for body in ({**moved, "end": (NOW - timedelta(days=41)).isoformat()},
                 {**moved, "start": (NOW + timedelta(days=1)).isoformat()},
                 {**moved, "start": "2026-01-01T10:00:00"}):
        bad = api.call("POST", "missing-team", f"/v1/missing/episodes/{episodes[0]}/times",
                       "missing", json=body)
        assert 400 <= bad.status_code < 500, bad.text
        assert CORRECTION not in bad.text
    start = api.hub.audit.size()
    done = api.call("POST", "missing-team", f"/v1/missing/episodes/{episodes[0]}/times",
                    "missing", json=moved)
    assert done.status_code == 200, done.text
    [entry] = list(api.hub.audit.entries(start))
    assert [str(c) for c in entry.child_ids] == [child_id]
    assert "strategy_meeting_withdrawn" in entry.details
    assert api.call("GET", "missing-team", "/v1/missing/queue",
                    "missing").json()["strategy_meetings"] == []
    # The withdrawn meeting cannot be held.
    held = api.call("POST", "missing-team", f"/v1/children/{child_id}/missing-strategy-meeting",
                    "missing", json={"held_at": datetime.now(UTC).isoformat(),
                                     "participants": [], "outcome": "safety-plan"})
    assert 400 <= held.status_code < 500, held.text
    assert "falls due" not in held.text  # refused as withdrawn, not for its time
    trail = json.dumps([e.details for e in api.hub.audit.entries()], default=str)
    assert CORRECTION not in trail


def area_interview(api: Api, ref: str = "NTP-A") -> str:
    """The area's child, missing from home and found; the team held the interview: child."""
    child_id = sent(api, "notts-police", report(f"{ref}-M", "missing", NOW - timedelta(hours=9),
                                                missing_from="home"))
    submit(api.hub, "notts-police", report(f"{ref}-F", "found", NOW - timedelta(hours=3)))
    [episode] = [e["id"] for e in team_interviews(api) if e["child_id"] == child_id]
    assert interview(api, "missing-team", episode, whereabouts=WHERE).status_code == 200
    return child_id


def test_another_authority_cannot_allocate_itself_to_read_interviews(api: Api) -> None:
    child_id = area_interview(api)
    path = f"/v1/children/{child_id}/missing-episodes"
    assert api.call("GET", SHIRE_TM, path, "missing").status_code == 403
    api.call("PUT", SHIRE_TM, f"/v1/children/{child_id}/allocated-worker",
             json={"user_id": user_id(api, SHIRE_TM)})
    read = api.call("GET", SHIRE_TM, path, "missing")
    assert WHERE not in read.text
    assert read.status_code == 403


def test_a_child_is_allocated_only_to_its_own_authoritys_staff(api: Api) -> None:
    child_id = area_interview(api)
    allocated = api.call("PUT", TM, f"/v1/children/{child_id}/allocated-worker",
                         json={"user_id": user_id(api, SHIRE_SW)})
    assert 400 <= allocated.status_code < 500, allocated.text
    assert WHERE not in api.call("GET", SHIRE_SW, f"/v1/children/{child_id}/missing-episodes",
                                 "missing").text


def test_a_placed_readers_refusal_tells_nothing_of_whether_the_child_exists(api: Api) -> None:
    child_id = area_interview(api)
    known = api.call("GET", SHIRE_SW, f"/v1/children/{child_id}/missing-episodes", "missing")
    unknown = api.call("GET", SHIRE_SW, f"/v1/children/{uuid4()}/missing-episodes", "missing")
    assert known.status_code == unknown.status_code == 403
    assert known.json() == unknown.json()


def test_the_host_team_reads_no_placing_authoritys_free_text_reason(api: Api) -> None:
    reason = "She is in hospital after an overdose at Dean's flat."
    child_id = sent(api, "notts-police", report(
        "NTP-R-M", "missing", NOW - timedelta(hours=9), missing_from="care",
        placing_authority="shire-cs"))
    submit(api.hub, "notts-police", report("NTP-R-F", "found", NOW - timedelta(hours=3)))
    [owed] = api.call("GET", SHIRE_SW, "/v1/missing/queue", "missing").json()["interviews"]
    recorded = api.call("POST", SHIRE_SW, f"/v1/missing/episodes/{owed['id']}/interview",
                        "missing", json={"step": "not-held", "reason": reason})
    assert recorded.status_code == 200, recorded.text
    for path in (f"/v1/missing/episodes/{owed['id']}", "/v1/missing/queue",
                 f"/v1/children/{child_id}/missing-episodes"):
        seen = api.call("GET", "missing-team", path, "missing")
        assert seen.status_code == 200, seen.text
        assert reason not in seen.text, path
