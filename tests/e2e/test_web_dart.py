"""The DART's pages in a real browser against ``hub serve``, through the demo sign-in: the
queue puts a high-risk incident (sent by the police through the API) before the demo's medium
one, the case shows the incident and its Encompass notices, the triage form is sent by keyboard
(first with a mistake: the design system's error summary, nothing stored), and the case shows
its triage. axe-core finds nothing serious on any page (tests.e2e.web_browser), nothing personal
is in a URL or a title, and the audit trail lists each page read, naming the child."""

import re
from typing import Any

from tests.e2e.conftest import RunningHub
from tests.e2e.test_web_journeys import sign_in
from tests.e2e.web_browser import api, browsing, require_browser_tools, seed_demo

ZOE = {"role": "child", "given_name": "Zoe", "family_name": "Wren",
       "date_of_birth": "2018-05-06", "school_urn": "100002", "present": True}
KAT = {"role": "adult_victim", "given_name": "Kat", "family_name": "Wren",
       "date_of_birth": "1992-03-01"}


def test_a_dart_worker_triages_the_highest_risk_case_first(running_hub: RunningHub) -> None:
    require_browser_tools()
    hub = running_hub
    demo = seed_demo(hub)
    sent = api(hub, "POST", "/v1/notifications", demo.tokens["notts-police/police-officer"],
               "triage", json={
                   "type": "domestic_abuse_incident", "source_ref": "NTP-WEB-0001",
                   "occurred_at": "2026-11-28T01:30:00Z", "subjects": [ZOE, KAT],
                   "details": {"summary": "Strangulation reported", "welfare_check": True,
                               "dash": {"yes_count": 16}}})
    assert sent.status_code == 201, sent.text
    [zoe] = sent.json()["child_ids"]
    with browsing(hub, "dart") as seen:
        page = seen.page
        sign_in(seen, hub.url, "Helen Marsh, dart-worker (city-dart)")
        page.get_by_label("Triage of a contact or referral").check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{hub.url}/")
        main = page.locator("main")
        assert "DART cases" in main.inner_text()
        assert "Encompass notices" not in main.inner_text()  # not the DART's page
        seen.check("home")

        main.get_by_role("link", name="DART cases").click()
        page.wait_for_url(f"{hub.url}/dart")
        rows = page.locator("tbody tr")
        assert rows.count() == 2
        assert "High" in rows.nth(0).inner_text()
        assert "Medium" in rows.nth(1).inner_text()
        assert "Awaiting triage" in rows.nth(0).inner_text()
        assert re.search(r"Zoe Wren \(\d+\)", rows.nth(0).inner_text())
        seen.check("queue")

        rows.nth(0).get_by_role("link").click()
        page.wait_for_url(f"{hub.url}/dart/cases/*")
        summary = page.locator(".govuk-summary-list").first.inner_text()
        assert "High" in summary
        assert "Triage due by" in summary
        assert "Zoe Wren, born 6 May 2018" in page.locator("main").inner_text()
        assert "notice issued to the school" in page.locator("main").inner_text()
        seen.check("case")

        # A mistake first: no action, no rationale. The error summary; nothing stored.
        page.get_by_label("Yes", exact=True).check()
        page.get_by_role("button", name="Record the triage").focus()
        with page.expect_response("**/triage") as answered:
            page.keyboard.press("Enter")
        assert answered.value.status == 422
        page.wait_for_url("**/triage")
        assert page.title().startswith("Error: ")
        problems = page.locator(".govuk-error-summary").inner_text()
        assert "Select at least one action" in problems
        assert "Enter the rationale" in problems
        seen.check("triage-error")

        # By keyboard: each box focused and ticked with the space bar, the form sent with Enter.
        for label in ("Refer to MARAC", "Refer to the MASH"):
            page.get_by_label(label).focus()
            page.keyboard.press("Space")
        page.get_by_label("Rationale").focus()
        page.keyboard.type("High risk on DASH; a child was present")
        page.get_by_role("button", name="Record the triage").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/dart/cases/*?done=triaged")
        assert "You triaged the case" in page.locator(".govuk-notification-banner").inner_text()
        triage = page.locator(".govuk-summary-list").nth(1).inner_text()
        assert "marac-referral" in triage
        assert "High risk on DASH; a child was present" in triage
        seen.check("triaged")
        titles = page.title()

    for url in seen.requested:
        assert not any(part in url for part in ("Zoe", "Wren")), url
    assert "Zoe" not in titles
    # Each page that showed Zoe's case named her: the queue, the case, the form re-shown, the
    # triage, and the case after it.
    read: list[dict[str, Any]] = api(
        hub, "GET", f"/v1/audit/disclosures?child_id={zoe}",
        demo.tokens["info-governance/auditor"]).json()["items"]
    cases = [r for r in read if r["record_type"] == "dart-case"]
    assert len(cases) == 5, cases
    assert {(r["reader"]["agency"], r["reader"]["role"], r["purpose"], r["child_id"])
            for r in cases} == {("city-dart", "dart-worker", "triage", zoe)}
    # The child's identity, read for the queue and each case page (with the re-shown form).
    identity = [r for r in read if r["record_type"] != "dart-case"]
    assert len(identity) == 4, identity
    assert {(r["reader"]["agency"], r["purpose"], r["child_id"]) for r in identity} == {
        ("city-dart", "triage", zoe)}
