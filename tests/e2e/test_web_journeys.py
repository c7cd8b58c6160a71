"""The practitioners' web app in a real browser against ``hub serve``, one journey per role
built so far, each through the demo sign-in: what each page shows, that nothing personal is in
a URL or a title, that every page is ``no-store``, that axe-core finds nothing serious on any
page (tests.e2e.web_browser), and that the audit trail lists each page read, naming the child.

- A school's designated safeguarding lead: the Encompass inbox, a notice, acknowledging it.
- A&E: the CP-IS look-up of a child on a plan by NHS number, and whom to call.
"""

import re
import time
from datetime import UTC, datetime, timedelta

from domain.timescales import LOCAL
from tests.e2e.conftest import RunningHub
from tests.e2e.web_browser import Browsing, api, browsing, require_browser_tools, seed_demo

AMY = ("Amy", "Hart", "2016-04-02")
KYLE_NHS = "9434765919"


def sign_in(seen: Browsing, url: str, who: str) -> None:
    page = seen.page
    response = page.goto(f"{url}/sign-in")
    assert response is not None
    assert response.headers["cache-control"] == "no-store"
    seen.check("sign-in")
    # By keyboard: the radio focused and chosen with the space bar, the form sent with Enter.
    page.get_by_label(who).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Sign in").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/purpose")


def test_a_school_dsl_reads_and_acknowledges_an_encompass_notice(
        running_hub: RunningHub) -> None:
    require_browser_tools()
    hub = running_hub
    demo = seed_demo(hub)
    amy = demo.child("(an Encompass notice to school 100001)")
    with browsing(hub, "dsl") as seen:
        page = seen.page
        sign_in(seen, hub.url, "Mrs Clare Hughes, dsl (riverside-primary)")
        # No purpose chosen: the design system's error summary, and the title says so.
        page.get_by_role("button", name="Continue").click()
        assert page.title().startswith("Error: ")
        assert page.locator(".govuk-error-summary").inner_text().count("Select why") == 1
        seen.check("purpose-error")
        page.get_by_label("Operation Encompass: a notice about a pupil").check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{hub.url}/")
        main = page.locator("main")
        assert "Operation Encompass notices" in main.inner_text()
        assert "CP-IS" not in main.inner_text()  # not the DSL's page
        seen.check("home")

        main.get_by_role("link", name="Operation Encompass notices").click()
        page.wait_for_url(f"{hub.url}/encompass")
        rows = page.locator("tbody tr")
        assert rows.count() == 1
        assert "Amy Hart" in rows.first.inner_text()
        assert "New" in rows.first.inner_text()
        seen.check("inbox")

        page.get_by_role("link", name="Amy Hart").click()
        page.wait_for_url(f"{hub.url}/encompass/notices/*")
        summary = page.locator(".govuk-summary-list").first.inner_text()
        assert "Amy Hart" in summary
        assert "2 April 2016" in summary
        assert "Due by" in summary
        assert "01632 960001" in page.locator("main").inner_text()  # whom to call
        seen.check("notice")

        page.get_by_role("button", name="Acknowledge the notice").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/encompass/notices/[0-9a-f-]{36}\?done=acknowledged$"))
        assert "You acknowledged the notice" in page.locator(".govuk-notification-banner"
                                                             ).inner_text()
        assert page.get_by_role("button", name="Acknowledge the notice").count() == 0
        seen.check("acknowledged")

        page.get_by_role("link", name="Back to the notices").click()
        page.wait_for_url(f"{hub.url}/encompass")
        assert "Acknowledged" in page.locator("tbody tr").first.inner_text()
        seen.check("inbox-after")
        titles = page.title()

    for url in seen.requested:
        assert not any(part in url for part in AMY), url
    assert "Amy" not in titles
    log = hub.log.read_text()
    assert "/encompass/notices/{notice_id}" in log  # logged by route, never by its path
    assert not any(part in log for part in AMY)
    # Each page that showed Amy's notice is in the audit trail, naming her: the inbox twice,
    # the notice twice; nothing else of hers was read by the school.
    rows = api(hub, "GET", f"/v1/audit/disclosures?child_id={amy}",
               demo.tokens["info-governance/auditor"]).json()["items"]
    notices = [r for r in rows if r["record_type"] == "encompass-notice"]
    assert len(notices) == 4, notices
    assert {(r["reader"]["agency"], r["reader"]["role"], r["purpose"], r["child_id"])
            for r in notices} == {("riverside-primary", "dsl", "encompass", amy)}


def test_ae_looks_up_a_child_on_a_plan_and_sees_whom_to_call(running_hub: RunningHub) -> None:
    require_browser_tools()
    hub = running_hub
    demo = seed_demo(hub)
    kyle = demo.child("missing from notts-police")
    started = datetime.now(UTC) - timedelta(days=3)
    plan = api(hub, "POST", f"/v1/protection/{kyle}/initial-conference",
               demo.tokens["city-mash/team-manager"], "s47",
               json={"plan": True, "category": "neglect", "at": started.isoformat()})
    assert plan.status_code == 200, plan.text
    with browsing(hub, "ae") as seen:
        page = seen.page
        sign_in(seen, hub.url, "Dr Ade Cole, unscheduled-care-clinician (city-health)")
        page.get_by_label("Unscheduled care: A&E, urgent care, out-of-hours").check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{hub.url}/")
        main = page.locator("main")
        assert "Child protection look-up (CP-IS)" in main.inner_text()
        assert "Encompass" not in main.inner_text()
        seen.check("home")
        main.get_by_role("link", name="Child protection look-up (CP-IS)").click()
        page.wait_for_url(f"{hub.url}/cp-is")
        seen.check("form")

        page.get_by_label("NHS number").fill("943 476 5918")
        page.get_by_role("button", name="Look up").click()
        assert page.title().startswith("Error: ")
        assert "Enter a valid NHS number" in page.locator(".govuk-error-summary").inner_text()
        seen.check("form-error")

        page.get_by_label("NHS number").fill("943 476 5919")
        with page.expect_response(f"{hub.url}/cp-is") as answered:
            page.get_by_role("button", name="Look up").click()
        assert answered.value.headers["cache-control"] == "no-store"
        result = page.locator("main").inner_text()
        assert "This child is on a child protection plan or looked after" in result
        local = started.astimezone(LOCAL)
        assert f"From {local.day} {local:%B %Y}, in force" in result
        assert "Children and Families Direct" in result
        assert "01632 960001" in result
        assert "01632 960002" in result
        assert "neglect" not in result.lower()  # CP-IS never says what the plan is for
        seen.check("flagged")
        titles = page.title()
        assert page.url == f"{hub.url}/cp-is"

    for url in seen.requested:
        assert KYLE_NHS not in url.replace("%20", "").replace("+", ""), url
    assert "Kyle" not in titles
    log = hub.log.read_text()
    assert "POST /cp-is 200" in log
    assert KYLE_NHS not in log
    assert "943 476" not in log
    assert "Kyle" not in log
    # The one look-up that read something is in the audit trail, naming Kyle (the bad number
    # read nothing); the local authority is told of it.
    rows = api(hub, "GET", f"/v1/audit/disclosures?child_id={kyle}",
               demo.tokens["info-governance/auditor"]).json()["items"]
    looks = [r for r in rows if r["record_type"] == "cp-flag"]
    assert [(r["reader"]["agency"], r["reader"]["role"], r["purpose"], r["child_id"])
            for r in looks] == [("city-health", "unscheduled-care-clinician",
                                 "unscheduled-care", kyle)]
    deadline = time.monotonic() + 10
    while True:
        told = [(t["reader_agency"], t["child_id"]) for t in api(
            hub, "GET", "/v1/access-notifications", demo.tokens["city-mash/team-manager"],
            "triage").json()["items"] if t["purpose"] == "unscheduled-care"]
        if told or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert told == [("city-health", kyle)]
