"""Missing from care end to end, through ``hub serve``: a child placed here by another local
authority goes missing and is found; the interview is on the placing authority's queue (not
the area team's, which sees it hosted), the placing authority records it held with what it
learned, and the area team sees the exploitation indicators but never what the child said.
Then three episodes in 30 days: a correction withdraws the strategy meeting and another makes
one due again, held with the agencies taking part (one practice expects, absent, recorded)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub

WHERE = "A flat in Radford with older lads."


def report(ref: str, type_: str, at: datetime, **episode: Any) -> dict[str, Any]:
    return {"type": type_, "source_ref": ref, "occurred_at": at.isoformat(),
            "subjects": [{"role": "child", "given_name": "Ava", "family_name": "Reed",
                          "date_of_birth": "2012-03-04", "postcode": "NG7 2AA"}],
            "details": {"summary": "Did not return to the placement.", "episode": episode}}


def setup(hub: RunningHub) -> dict[str, str]:
    for agency, kind, name in (("notts-police", "police", "Police"),
                               ("city-health", "health", "City Health"),
                               ("shire-cs", "mash", "Shire Children's Services"),
                               ("riverside-primary", "school", "Riverside Primary"),
                               ("missing-team", "missing", "Missing Children Team")):
        extra = ["--urn", "100001"] if kind == "school" else []
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name, *extra)
    return {"police": hub.add_user("notts-police", "police-officer", "PC Officer"),
            "team": hub.add_user("missing-team", "missing-worker", "Missing Worker"),
            "shire": hub.add_user("shire-cs", "social-worker", "Shire Worker"),
            "school": hub.add_user("riverside-primary", "dsl", "DSL")}


def caller(hub: RunningHub) -> Any:
    def call(method: str, path: str, token: str, **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "missing"}
        return httpx2.request(method, hub.url + path, headers=headers, timeout=30, **kw)
    return call


def test_a_child_from_care_and_the_placing_authoritys_interview(
        running_hub: RunningHub) -> None:
    hub = running_hub
    token = setup(hub)
    call = caller(hub)
    now = datetime.now(UTC).replace(microsecond=0)
    gone = call("POST", "/v1/notifications", token["police"], json=report(
        "MISS-PA", "missing", now - timedelta(hours=5), type="missing", missing_from="care",
        placing_authority="shire-cs"))
    assert gone.status_code == 201, gone.text
    child_id = gone.json()["child_ids"][0]
    back = call("POST", "/v1/notifications", token["police"],
                json=report("FOUND-PA", "found", now - timedelta(hours=1)))
    assert back.status_code == 201, back.text
    wrong = call("POST", "/v1/notifications", token["police"], json=report(
        "MISS-PB", "missing", now, missing_from="care", placing_authority="notts-police"))
    assert wrong.status_code == 422

    team = call("GET", "/v1/missing/queue", token["team"]).json()
    assert team["interviews"] == []
    [hosted] = team["hosted"]
    assert (hosted["child_id"], hosted["placing_authority"]) == (child_id, "shire-cs")
    [owed] = call("GET", "/v1/missing/queue", token["shire"]).json()["interviews"]
    assert owed["id"] == hosted["id"]
    assert call("GET", "/v1/missing/breaches", token["shire"]).json()["interviews"] == []
    assert call("GET", "/v1/missing/queue", token["school"]).status_code == 403

    path = f"/v1/missing/episodes/{owed['id']}/interview"
    assert call("POST", path, token["shire"], json={"step": "offered"}).status_code == 200
    held = call("POST", path, token["shire"], json={
        "step": "held", "independent": True, "whereabouts": WHERE,
        "exploitation_indicators": ["county-lines"]})
    assert held.status_code == 200, held.text
    step = held.json()["interview"]["steps"][-1]
    assert step["content"] == {"whereabouts": WHERE}
    assert step["exploitation_indicators"] == ["county-lines"]
    bad = call("POST", path, token["shire"], json={"step": "held", "independent": True,
                                                  "exploitation_indicators": ["bad-crowd"]})
    assert bad.status_code == 422

    history = call("GET", f"/v1/children/{child_id}/missing-episodes", token["team"])
    assert history.status_code == 200, history.text
    [seen] = history.json()["episodes"]
    assert seen["interview"]["steps"][-1]["content_withheld"] is True
    assert seen["interview"]["steps"][-1]["exploitation_indicators"] == ["county-lines"]
    assert WHERE not in history.text
    assert call("GET", "/v1/missing/queue", token["shire"]).json()["interviews"] == []


def test_a_correction_decides_the_strategy_meeting_again_and_it_is_held(
        running_hub: RunningHub) -> None:
    hub = running_hub
    token = setup(hub)
    call = caller(hub)
    now = datetime.now(UTC).replace(microsecond=0)
    for n, ago in enumerate((timedelta(days=20), timedelta(days=10), timedelta(hours=3)), 1):
        gone = call("POST", "/v1/notifications", token["police"],
                    json=report(f"MISS-SR-{n}", "missing", now - ago, type="missing"))
        assert gone.status_code == 201, gone.text
        child_id = gone.json()["child_ids"][0]
        back = call("POST", "/v1/notifications", token["police"], json=report(
            f"FOUND-SR-{n}", "found", now - ago + timedelta(hours=2)))
        assert back.status_code == 201, back.text
    [meeting] = call("GET", "/v1/missing/queue", token["team"]).json()["strategy_meetings"]
    episodes = meeting["episodes"]

    first = f"/v1/missing/episodes/{episodes[0]}/times"
    moved = call("POST", first, token["team"], json={
        "start": (now - timedelta(days=40)).isoformat(),
        "end": (now - timedelta(days=40) + timedelta(hours=2)).isoformat(),
        "reason": "The police log had the wrong month."})
    assert moved.status_code == 200, moved.text
    assert call("GET", "/v1/missing/queue", token["team"]).json()["strategy_meetings"] == []

    put_back = call("POST", first, token["team"], json={
        "start": (now - timedelta(days=20)).isoformat(),
        "end": (now - timedelta(days=20) + timedelta(hours=2)).isoformat(),
        "reason": "The first date was right after all."})
    assert put_back.status_code == 200, put_back.text
    [again] = call("GET", "/v1/missing/queue", token["team"]).json()["strategy_meetings"]
    assert again["id"] != meeting["id"]

    path = f"/v1/children/{child_id}/missing-strategy-meeting"
    held_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    body = {"held_at": held_at.isoformat(), "participants": ["notts-police"],
            "outcome": "exploitation-screening"}
    assert call("POST", path, token["shire"], json=body).status_code == 403
    held = call("POST", path, token["team"], json=body)
    assert held.status_code == 200, held.text
    assert held.json()["held"]["participants"] == ["missing-team", "notts-police"]
    assert held.json()["held"]["absent"] == ["health"]
    assert call("GET", "/v1/missing/queue", token["team"]).json()["strategy_meetings"] == []
