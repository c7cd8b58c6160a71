"""The indicators for a period, worked out from the day counts summed over it: rates (so many
of so many, in time), volumes per 10,000 children, and counts by kind."""

from collections import Counter, defaultdict
from typing import Any


def _rate(count: int, of: int) -> dict[str, Any]:
    return {"count": count, "of": of, "rate": round(count / of, 4) if of else None}


def _prefixed(total: Counter[str], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: v for k, v in sorted(total.items()) if k.startswith(prefix)}


def _per_10000(count: int, children: int | None) -> float | None:
    return round(count / children * 10_000, 1) if children else None


def _a_year(count: int, children: int | None, span: int) -> float | None:
    """So many per 10,000 children in the period, as a rate a year."""
    return round(count / children * 10_000 * 365 / span, 1) if children and span else None


def indicators(t: Counter[str], lo: str | None, hi: str | None, span: int,
                children: int | None, position: int) -> dict[str, Any]:
    contacts = t["contacts"]
    per_10000 = contacts / children * 10_000 if children else None
    by_purpose: dict[str, dict[str, int]] = defaultdict(dict)
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    for key, value in sorted(t.items()):
        if key.startswith(("disclosure:", "disclosure-kind:")):
            metric, who, purpose = key.split(":", 2)
            (by_purpose if metric == "disclosure" else by_kind)[who][purpose] = value
    return {
        "period": {"from": lo, "to": hi, "days": span}, "children": children,
        "position": position,
        "front_door": {
            "contacts": contacts, "by_kind": _prefixed(t, "contacts:"),
            "per_10000_children": round(per_10000, 1) if per_10000 is not None else None,
            "per_10000_children_a_year": (round(per_10000 * 365 / span, 1)
                                          if per_10000 is not None and span else None),
            "re_referrals_within_12_months": _rate(t["re_referrals"], contacts),
            "referrals": {
                "children": t["referrals"],
                "per_10000_children_a_year": _a_year(t["referrals"], children, span),
                "re_referrals_within_12_months": _rate(t["referrals_repeat"], t["referrals"])},
            "rag": {colour: _rate(t[f"rag_on_time:{colour}"], t[f"rag_decided:{colour}"])
                    for colour in ("red", "amber", "green")},
            "withdrawn_by_referrer": t["contacts_withdrawn"],
            "acknowledged_within_1_working_day": _rate(t["acknowledged_in_time"],
                                                       t["acknowledged"]),
            "decided_within_rag_timescale": _rate(t["decided_in_time"], t["decided"]),
            "assessments_within_45_working_days": _rate(t["assessments_in_time"],
                                                        t["assessments_completed"]),
            "assessments_due": t["assessments_due"],
            "brief_assessments_within_10_working_days": _rate(
                t["brief_assessments_in_time"], t["brief_assessments_completed"]),
            "brief_assessments_due": t["brief_assessments_due"],
            "outcomes": _prefixed(t, "outcome:"), "levels_of_need": _prefixed(t, "level:"),
            "strategy_discussions": t["enquiry:strategy-discussion"],
            "s47_enquiries": t["enquiry:s47-enquiry"],
        },
        "domestic_abuse": {
            "incidents": t["notifications:domestic_abuse_incident"],
            "dart_cases": t["dart_cases"], "incidents_withdrawn": t["dart_withdrawn"],
            "triaged": t["triaged"],
            "triaged_in_time": _rate(t["triaged_in_time"], t["triaged"]),
            "by_dash_level": _prefixed(t, "dash:"),
            "by_risk_level_after_judgement": _prefixed(t, "risk:"),
            "marac_referrals": t["marac_referrals"], "marac_by_rule": _prefixed(t, "marac:"),
            "encompass": {
                "issued": t["encompass_issued"],
                # A notice withdrawn before it was acknowledged was never due.
                "acknowledged_before_the_school_day": _rate(
                    t["encompass_in_time"],
                    t["encompass_issued"] - t["encompass_withdrawn_unacknowledged"]),
                "withdrawn": t["encompass_withdrawn"],
                "acknowledged": t["encompass_acknowledged"],
                "not_sent": _prefixed(t, "encompass_not_sent:")},
        },
        "missing": {
            "episodes": t["episodes"], "by_type": _prefixed(t, "episodes:"),
            "by_age_band": _prefixed(t, "episodes_age:"),
            "by_missing_from": _prefixed(t, "episodes_from:"),
            "home_within_24_hours": _rate(t["home_within_24h"], t["returned"]),
            "return_interviews_within_72_hours": _rate(t["interviews_in_time"],
                                                       t["interviews_due"]),
            "interviews": _prefixed(t, "interview:"),
            "strategy_meeting_flags": t["strategy_meeting_flags"],
        },
        "child_protection": {
            "plans_started": t["cp_plans_started"],
            "second_or_subsequent_plans": _rate(t["cp_plans_repeat"], t["cp_plans_started"]),
            "on_a_plan_at_the_end": t["cp_on_plan_at_end"],
            "on_a_plan_per_10000_children": _per_10000(t["cp_on_plan_at_end"], children),
            "plans_ended": t["cp_plans_ended"],
            "ended_plans_lasting_over_2_years": _rate(t["cp_plans_over_2_years"],
                                                      t["cp_plans_ended"]),
            "reviews_on_time": _rate(t["cp_reviews_on_time"], t["cp_reviews"]),
        },
        "children_in_need": {
            "at_the_end": t["in_need_at_end"],
            "per_10000_children": _per_10000(t["in_need_at_end"], children)},
        "looked_after": {
            "at_the_end": t["looked_after_at_end"],
            "per_10000_children": _per_10000(t["looked_after_at_end"], children)},
        "sharing": {
            "decisions_to_share": _prefixed(t, "share:"),
            "decisions_not_to_share": _prefixed(t, "not-share:"),
            "consent": _prefixed(t, "consent:"),
        },
        "access": {
            "disclosures": t["disclosures"], "by_agency_and_purpose": dict(by_purpose),
            "by_agency_kind_and_purpose": dict(by_kind),
            "refusals": t["denials"], "break_glass": t["break_glass"],
        },
    }
