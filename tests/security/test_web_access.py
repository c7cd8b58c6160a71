"""The web app's pages widen no one's access: a school's safeguarding lead, signed in, reads
only their own school's Encompass notices and no other role's page, by any URL; the DART's
pages are the DART's alone (a DSL or A&E is refused, nothing read or triaged), and the DART's
page reads are audited naming each child and adult; the session's
cookie does not sign in to the API; a form without this session's CSRF token changes nothing
(403); production has no demo sign-in; a person disabled is signed out at the next page."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

from fastapi.testclient import TestClient

from adapters.keys import KeyFiles
from domain.agencies import StaffChangeReason
from domain.notifications import (
    DashAssessment,
    DetailsSubmission,
    NotificationSubmission,
    NotificationType,
    SubjectRole,
    SubjectSubmission,
)
from hub.api.app import create_app
from hub.audit.history import disclosures
from hub.bootstrap import Hub, bootstrap
from hub.settings import Environment, Settings
from hub.web.pages import PAGES
from hub.web.sessions import COOKIE
from tests.web_support import acknowledged, csrf_of, demo_web, notice_for, sign_in

RIVERSIDE, HILLVIEW = "riverside-primary/dsl", "hillview-academy/dsl"


def notice_readers(hub: Hub, child: UUID) -> list[str]:
    return [row["reader"]["agency"] for row in disclosures(hub.audit, child)
            if row["record_type"] == "encompass-notice"]


def test_a_dsl_reads_their_own_schools_notice_and_no_other(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (hub, client):
        notice = notice_for(hub, "riverside-primary")
        child = hub.work.notices[notice].child_id
        assert child is not None
        sign_in(client, HILLVIEW, "encompass")
        other = client.get(f"/encompass/notices/{notice}")
        assert other.status_code == 404
        assert "Amy" not in other.text
        inbox = client.get("/encompass")
        assert inbox.status_code == 200
        assert "Amy" not in inbox.text
        assert "There are no notices for your school" in inbox.text
        # Nor acknowledged by another school, with a good token.
        token = csrf_of(inbox.text)
        refused = client.post(f"/encompass/notices/{notice}/acknowledge",
                              data={"csrf_token": token})
        assert refused.status_code == 404
        assert not acknowledged(hub, notice)
        assert notice_readers(hub, child) == []

        client.cookies.clear()
        sign_in(client, RIVERSIDE, "encompass")
        own = client.get(f"/encompass/notices/{notice}")
        assert own.status_code == 200
        assert "Amy" in own.text
        assert notice_readers(hub, child) == ["riverside-primary"]


def test_a_dsl_reaches_no_other_roles_page_by_url(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (hub, client):
        token = sign_in(client, RIVERSIDE, "encompass")
        others = [p for p in PAGES if not hub.capabilities.allows("school", "dsl", p.capability)]
        assert others, "every page is the DSL's: nothing to try"
        for page in others:
            assert client.get(page.path).status_code == 403, page.path
        # The look-up itself, posted with this session's token, is refused before any read.
        kyle = client.post("/cp-is", data={"csrf_token": token, "nhs_number": "9434765919"})
        assert kyle.status_code == 403
        assert "Kyle" not in kyle.text
        assert "plan" not in kyle.text.lower().split("<main")[1]
        refusals = [e for e in hub.audit.entries() if e.kind == "denial"
                    and e.actor.get("agency") == "riverside-primary"]
        assert {e.action for e in refusals} == {"web-page-cp-is", "web-page-dart"}
        # DART, MASH and police work is the API's (and their pages, when they come, are
        # listed in PAGES above): the session's cookie signs nobody in to the API.
        for path in ("/v1/dart/queue", "/v1/marac/referrals", "/v1/breaches", "/v1/encompass",
                     "/v1/mash/queue", "/v1/missing/queue"):
            assert client.get(path, headers={"X-Purpose": "encompass"}).status_code == 401, path
        for path in ("/mash", "/police", "/dart/queue"):
            assert client.get(path).status_code == 404, path


def test_a_form_without_a_valid_csrf_token_changes_nothing(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (hub, client):
        notice = notice_for(hub, "riverside-primary")
        sign_in(client, HILLVIEW)
        another_sessions = csrf_of(client.get("/purpose").text)
        client.cookies.clear()
        token = sign_in(client, RIVERSIDE, "encompass")
        path = f"/encompass/notices/{notice}/acknowledge"
        for data in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64},
                     {"csrf_token": another_sessions}, {"csrf_token": token[:-1]}):
            refused = client.post(path, data=data)
            assert refused.status_code == 403, data
            assert "The form has expired" in refused.text
        # Nor as JSON, or a query string: only this session's token in the form.
        assert client.post(path, json={"csrf_token": token}).status_code == 403
        assert client.post(f"{path}?csrf_token={token}").status_code == 403
        assert not acknowledged(hub, notice)
        assert not [e for e in hub.audit.entries() if e.action == "acknowledge-encompass"]
        # The purpose and signing out: unchanged, still signed in.
        assert client.post("/purpose", data={"purpose": "triage", "next": "/"}
                           ).status_code == 403
        assert client.post("/sign-out", data={}).status_code == 403
        home = client.get("/")
        assert home.status_code == 200
        assert "<strong>encompass</strong>" in home.text
        done = client.post(path, data={"csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303
        assert acknowledged(hub, notice)


def test_the_cookie_is_http_only_same_site_strict_and_secure_over_tls(tmp_path: Path) -> None:
    with demo_web(tmp_path / "http") as (_, client):
        cookie = client.get("/sign-in").headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/" in cookie
        assert "Secure" not in cookie
    with demo_web(tmp_path / "tls", base_url="https://testserver") as (_, client):
        assert "Secure" in client.get("/sign-in").headers["set-cookie"]
    with demo_web(tmp_path / "proxy", secure_cookie=True) as (_, client):
        assert "Secure" in client.get("/sign-in").headers["set-cookie"]


def test_production_has_no_demo_sign_in(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (hub, client):
        page = client.get("/sign-in")
        hub.settings = replace(hub.settings, environment=Environment.PRODUCTION)
        assert client.get("/sign-in").status_code == 404
        posted = client.post("/sign-in", data={"csrf_token": csrf_of(page.text),
                                                "user": RIVERSIDE}, follow_redirects=False)
        assert posted.status_code == 404
        assert client.get("/", follow_redirects=False).status_code == 303


def test_a_person_disabled_is_signed_out_at_the_next_page(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (hub, client):
        sign_in(client, RIVERSIDE, "encompass")
        assert client.get("/encompass").status_code == 200
        [user] = list(hub.registry.users("riverside-primary"))
        hub.registry.disable({"user_id": "admin", "agency": "hub-admin", "agency_kind": "admin",
                              "role": "admin"}, UUID(user["id"]), StaffChangeReason.LEFT_AGENCY)
        gone = client.get("/encompass", follow_redirects=False)
        assert gone.status_code == 303
        assert gone.headers["location"] == "/sign-in"


def test_production_serves_pages_only_with_the_web_session_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name in ("link", "audit-signing", "master"):
        KeyFiles(home, may_generate=True).create(name)
    settings = Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=home,
                        environment=Environment.PRODUCTION, metrics_token="t" * 40)
    for with_key in (False, True):
        if with_key:
            KeyFiles(home, may_generate=True).create("web-session")  # as `hub keys init` does
        hub = bootstrap(settings)
        try:
            client = TestClient(create_app(hub, checkpointer=False))
            assert client.get("/sign-in").status_code == 404  # never the demo's, here
            home_page = client.get("/", follow_redirects=False)
            assert home_page.status_code == (303 if with_key else 404)
        finally:
            hub.close()


def high_risk_incident(hub: Hub) -> UUID:
    """A second domestic abuse incident, DASH 16 (high), arriving after the demo's (medium):
    the child's id."""
    child = SubjectSubmission(SubjectRole.CHILD, "Zoe", "Wren", date(2018, 5, 6),
                              school_urn="100002", postcode="NG7 2QP", present=True)
    adult = SubjectSubmission(SubjectRole.ADULT_VICTIM, "Kat", "Wren", date(1992, 3, 1),
                              postcode="NG7 2QP")
    made = hub.intake.submit("notts-police", "test", NotificationSubmission(
        NotificationType.DOMESTIC_ABUSE_INCIDENT, "NTP-TEST-0099",
        datetime.now(UTC) - timedelta(hours=2), (child, adult),
        DetailsSubmission(summary="Strangulation reported.", location="Home address",
                          welfare_check=True, dash=DashAssessment(16))))
    [found] = made.child_ids
    return found


def dart_readers(hub: Hub, person: UUID) -> list[str]:
    """The actions of the audited reads that showed ``person``'s DART case."""
    return [e.action for e in hub.audit.entries() if e.kind != "denial"
            and person in e.child_ids and any(r["record_type"] == "dart-case"
                                              and r["child"] == str(person) for r in e.records)]


def test_a_dart_worker_triages_from_the_queue_each_read_audited_naming_the_child(
        tmp_path: Path) -> None:
    with demo_web(tmp_path) as (hub, client):
        zoe = high_risk_incident(hub)
        sign_in(client, "city-dart/dart-worker", "triage")
        queue = client.get("/dart")
        assert queue.status_code == 200
        cases = re.findall(r'href="/dart/cases/([0-9a-f-]{36})"', queue.text)
        assert len(cases) == 2
        rows = queue.text.split("<tbody")[1].split("</tr>")
        assert "High" in rows[0]  # the high risk first
        assert "Medium" in rows[1]
        assert "Zoe Wren (" in rows[0]  # through the child read, as on the case page
        assert "Amy Hart (" in rows[1]
        case = client.get(f"/dart/cases/{cases[0]}")
        assert case.status_code == 200
        # The child as the child read shows the DART (one read per child, audited).
        assert "Zoe Wren, born 6 May 2018 (age " in case.text
        token = csrf_of(case.text)
        # Invalid: the error summary, each message linked to its field; nothing stored.
        bad = client.post(f"/dart/cases/{cases[0]}/triage",
                          data={"csrf_token": token, "yes_count": "30"})
        assert bad.status_code == 422
        assert 'href="#actions"' in bad.text
        assert 'href="#yes_count"' in bad.text
        assert hub.work.cases[UUID(cases[0])].triaged is False
        # The service's own rule (never lower the DASH level), re-shown as the form's error.
        lower = client.post(f"/dart/cases/{cases[0]}/triage", data={
            "csrf_token": token, "level": "medium", "judgement_reason": "Calmer now",
            "action-safety-planning": "yes", "threshold_met": "no",
            "rationale": "Spoke to the victim by phone"})
        assert lower.status_code == 422
        assert "never lower it below high" in lower.text
        assert 'value="Spoke to the victim by phone"' not in lower.text  # a textarea's text
        assert "Spoke to the victim by phone</textarea>" in lower.text
        done = client.post(f"/dart/cases/{cases[0]}/triage", data={
            "csrf_token": token, "action-marac-referral": "yes", "action-mash-referral": "yes",
            "threshold_met": "yes",
            "rationale": "High risk on DASH; children present"}, follow_redirects=False)
        assert done.status_code == 303
        triaged = client.get(done.headers["location"])
        assert "You triaged the case" in triaged.text
        assert "High risk on DASH; children present" in triaged.text
        assert f"/dart/cases/{cases[0]}" not in client.get("/dart").text
        # Each page read named the child: the queue (the second, after the triage, no longer
        # lists the case), the case and its two re-shown forms, the triage, the case after it.
        assert dart_readers(hub, zoe) == ["read-dart-queue", "read-dart-case", "read-dart-case",
                                          "read-dart-case", "dart-triage", "read-dart-case"]
        # And the child read with the queue and each case page (the re-shown forms too): five.
        identity = [e for e in hub.audit.entries() if e.action == "read-child"
                    and zoe in e.child_ids and e.actor.get("agency") == "city-dart"]
        assert len(identity) == 5


def test_a_dsl_or_a_and_e_cannot_read_or_triage_a_dart_case_by_url(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (hub, client):
        zoe = high_risk_incident(hub)
        sign_in(client, "city-dart/dart-worker", "triage")
        case = re.findall(r'href="/dart/cases/([0-9a-f-]{36})"', client.get("/dart").text)[0]
        before = dart_readers(hub, zoe)
        for user, purpose in ((RIVERSIDE, "encompass"),
                              ("city-health/unscheduled-care-clinician", "unscheduled-care")):
            client.cookies.clear()
            token = sign_in(client, user, purpose)
            assert client.get("/dart").status_code == 403, user
            assert client.get(f"/dart/cases/{case}").status_code == 403, user
            refused = client.post(f"/dart/cases/{case}/triage", data={
                "csrf_token": token, "action-no-further-action": "yes", "threshold_met": "no",
                "rationale": "Not mine to triage"})
            assert refused.status_code == 403, user
            assert "Zoe" not in refused.text
        assert dart_readers(hub, zoe) == before
        assert hub.work.cases[UUID(case)].triaged is False


def test_the_dart_reading_for_another_purpose_sees_the_queue_without_names(
        tmp_path: Path) -> None:
    with demo_web(tmp_path) as (hub, client):
        zoe = high_risk_incident(hub)
        sign_in(client, "city-dart/dart-worker", "assessment")
        queue = client.get("/dart")
        assert queue.status_code == 200
        assert "Zoe" not in queue.text
        assert "Amy" not in queue.text
        assert queue.text.count("Not shown to you") == 2
        assert not [e for e in hub.audit.entries() if e.action == "read-child"
                    and e.kind != "denial" and zoe in e.child_ids and any(
                        r["visibility"] != "none" for r in e.records)]
