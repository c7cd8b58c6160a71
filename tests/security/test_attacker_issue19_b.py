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


@pytest.mark.xfail(strict=True, reason="any agency may send a missing report naming itself "
                   "the placing authority: the police's later report of the child missing "
                   "from home is folded into that episode, the interview becomes the "
                   "self-named authority's, and it reads what the area's team learned")
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


@pytest.mark.xfail(strict=True, reason="merging a placed episode with the area's moves one "
                   "authority's interview (content included) onto the other's episode: the "
                   "placing authority then reads what the area's team learned")
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
