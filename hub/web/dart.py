"""The DART: its queue (the highest risk first, then the earliest deadline), a case (the
incident as the case read shows it, the people it names, its Encompass notices) and the triage
form. Every read and the triage are the API's (``hub.domestic_abuse``): the same decision and
write-ahead audit naming each child and adult of the case."""

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from domain.dart import TriageAction
from domain.errors import InvalidContent, RuleViolation
from domain.risk import RiskLevel
from domain.timescales import LOCAL
from hub.disclosure import ReadContext
from hub.errors import NotEntitled, NotFound
from hub.web.context import PageAnswer, Web, reading
from hub.web.pages import page
from hub.web.routes import web

router = APIRouter(include_in_schema=False)
PAGE = page("/dart")

ACTIONS = {
    TriageAction.MARAC_REFERRAL: "Refer to MARAC",
    TriageAction.MASH_REFERRAL: "Refer to the MASH",
    TriageAction.IDVA_REFERRAL: "Refer to an IDVA",
    TriageAction.SAFETY_PLANNING: "Safety planning",
    TriageAction.SCHOOL_INFORMED: "Inform the school",
    TriageAction.HEALTH_INFORMED: "Inform health",
    TriageAction.INFORMATION_ONLY: "Information only",
    TriageAction.NO_FURTHER_ACTION: "No further action",
}
# The service's field names, as the form's fields are named (an error links to its field).
_FIELDS = {"yes_count": "yes_count", "level": "level", "judgement_reason": "judgement_reason",
           "actions": "actions", "rationale": "rationale"}
LEVELS = {RiskLevel.STANDARD: "Standard", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High"}


def triage_form(fields: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The triage form's fields as the service takes them, or the errors to show (each linked
    to its field). Each action is its own checkbox (``action-<value>``)."""
    errors: list[dict[str, str]] = []
    yes_count: int | None = None
    raw_count = fields.get("yes_count", "").strip()
    if raw_count:
        if raw_count.isdigit() and int(raw_count) <= 24:
            yes_count = int(raw_count)
        else:
            errors.append({"text": "Enter the DASH yes count as a whole number from 0 to 24, "
                                   "or leave it empty to use the police's", "href": "#yes_count"})
    level = fields.get("level", "")
    if level and level not in {v.value for v in LEVELS}:
        errors.append({"text": "Select the risk level", "href": "#level"})
    reason = fields.get("judgement_reason", "").strip()
    if level and not reason:
        errors.append({"text": "Enter why you raise the risk level", "href": "#judgement_reason"})
    if len(reason) > 1000:
        errors.append({"text": "The reason must be 1,000 characters or fewer",
                       "href": "#judgement_reason"})
    actions = [a.value for a in ACTIONS if fields.get(f"action-{a.value}") == "yes"]
    if not actions:
        errors.append({"text": "Select at least one action", "href": "#actions"})
    threshold = fields.get("threshold_met", "")
    if threshold not in ("yes", "no"):
        errors.append({"text": "Select whether the social care threshold is met",
                       "href": "#threshold_met"})
    rationale = fields.get("rationale", "").strip()
    if not rationale:
        errors.append({"text": "Enter the rationale for your decision", "href": "#rationale"})
    elif len(rationale) > 4000:
        errors.append({"text": "The rationale must be 4,000 characters or fewer",
                       "href": "#rationale"})
    return {"yes_count": yes_count, "answers": None, "level": level or None,
            "judgement_reason": reason or None, "actions": actions,
            "threshold_met": threshold == "yes", "rationale": rationale}, errors


def age_on(born: str, today: date) -> int | None:
    """Whole years from a date of birth (``YYYY-MM-DD``) to ``today``; a child born on 29
    February is a year older on 1 March in a common year. None if it is not a date."""
    try:
        birth = date.fromisoformat(born)
    except (TypeError, ValueError):
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _children(w: Web, ctx: ReadContext, case: dict[str, Any]) -> list[dict[str, Any] | None]:
    """Each child of the case as the child read (``GET /v1/children/{id}``) shows it to this
    reader, one read per child, each audited naming the child; None where it is not shown."""
    today = w.hub.clock().astimezone(LOCAL).date()
    found: list[dict[str, Any] | None] = []
    for child in case["child_ids"]:
        try:
            view = w.hub.disclosure.child(ctx, UUID(child))
        except (NotEntitled, NotFound):
            found.append(None)
            continue
        found.append({**view, "age": age_on(view.get("date_of_birth", ""), today)})
    return found


@router.get("/dart")
async def queue(request: Request) -> Response:
    w = web(request)
    session, caller = await w.on_page(request, PAGE)
    ctx = reading(session, caller, "/dart")
    answer = await w.call(request, session, w.hub.domestic_abuse.queue, caller, False)
    # The children's names: one child read per child of each case (the queue's own read
    # shows ids only), each audited naming the child.
    children = [await w.call(request, session, _children, w, ctx, c) for c in answer["items"]]
    return w.render(request, "dart_queue.html", session, {
        "cases": list(zip(answer["items"], children, strict=True))}, caller=caller)


@router.get("/dart/cases/{case_id}")
async def case(request: Request, case_id: UUID, done: str | None = None) -> Response:
    w = web(request)
    session, caller = await w.on_page(request, PAGE)
    ctx = reading(session, caller, "/dart")
    found: dict[str, Any] = await w.call(request, session, w.hub.domestic_abuse.case, caller,
                                         case_id)
    children = await w.call(request, session, _children, w, ctx, found)
    return w.render(request, "dart_case.html", session, {
        "case": found, "children": children, "triaged_now": done == "triaged", "form": {},
        "actions": ACTIONS, "levels": LEVELS}, caller=caller)


@router.post("/dart/cases/{case_id}/triage")
async def triage(request: Request, case_id: UUID) -> Response:
    w = web(request)
    session, caller = await w.on_page(request, PAGE)
    fields = await w.form(request, session)
    values, errors = triage_form(fields)

    def attempt() -> dict[str, str] | None:
        try:
            w.hub.domestic_abuse.triage(caller, case_id, **values)
        except InvalidContent as error:
            return {"text": str(error), "href": f"#{_FIELDS.get(error.field, 'level')}"}
        except RuleViolation as error:  # the rule's words: a level, a count; nothing personal
            return {"text": str(error), "href": "#level"}
        return None

    if not errors:
        refused = await w.call(request, session, attempt)
        if refused is None:
            return RedirectResponse(f"/dart/cases/{case_id}?done=triaged", 303)
        errors = [refused]
    # Re-shown with what was entered, as the case read shows the case (audited as it is).
    found: dict[str, Any] = await w.call(request, session, w.hub.domestic_abuse.case, caller,
                                         case_id)
    children = await w.call(request, session, _children, w, reading(session, caller, "/dart"),
                            found)
    raise PageAnswer(w.render(request, "dart_case.html", session, {
        "case": found, "children": children, "triaged_now": False, "form": fields,
        "actions": ACTIONS, "levels": LEVELS, "errors": errors}, status=422, caller=caller))
