"""The report says "no data" where nothing fell due, never 0%, and gives figures by week."""

from typing import Any

from hub.reports import render_text, share


def rate(count: int, of: int) -> dict[str, Any]:
    return {"count": count, "of": of, "rate": round(count / of, 4) if of else None}


def test_a_rate_with_nothing_due_is_no_data_not_zero() -> None:
    assert share(rate(0, 0)) is None
    assert share(rate(0, 4)) == 0.0
    assert share(rate(3, 4)) == 75.0


def test_weeks_are_listed_with_no_data_where_nothing_fell_due() -> None:
    empty = {"period": {"from": None, "to": None, "days": 0}}
    week = {"week": "2026-11-23", "contacts": 4, "da_incidents": 2, "missing_episodes": 0,
            "decided_within_rag_timescale": rate(3, 4), "dart_triaged_in_time": rate(0, 0),
            "encompass_acknowledged_in_time": rate(1, 2),
            "return_interviews_within_72_hours": rate(0, 0)}
    text = render_text(_report(empty, [week]))
    line = next(line for line in text.splitlines() if line.strip().startswith("2026-11-23"))
    assert "75%" in line
    assert "no data" in line
    assert "50%" in line


def test_the_boards_figures_come_first_each_beside_its_seed() -> None:
    empty = {"period": {"from": "2026-01-05", "to": "2027-01-04", "days": 365}}
    board = [{"figure": "referrals_per_10000", "label": "referrals to social care",
              "unit": "per 10,000 children a year", "value": 759.3, "seed": 800.6,
              "difference": -41.3, "source": "A board paper"},
             {"figure": "re_referrals", "label": "re-referrals within 12 months",
              "unit": "share of referrals", "value": 0.229, "seed": 0.24,
              "difference": -0.011, "source": "England"},
             {"figure": "looked_after_per_10000", "label": "looked after",
              "unit": "per 10,000 children, at the end", "value": None, "seed": None,
              "difference": None, "source": None}]
    text = render_text({**_report(empty, []), "board": board})
    lines = text.splitlines()
    start = lines.index("The board's figures (beside the seed figure each is compared with)")
    assert start < lines.index("Front door")
    referrals, shares, missing = lines[start + 2:start + 5]
    assert referrals.split()[-4:] == ["759.3", "800.6", "-41.3", "[1]"]
    assert shares.split()[-5:] == ["22.9%", "24.0%", "-1.1", "pts", "[2]"]
    assert missing.split()[-3:] == ["-", "-", "-"]
    assert "  [1] A board paper" in lines
    assert "  [2] England" in lines


def _report(base: dict[str, Any], weeks: list[dict[str, Any]]) -> dict[str, Any]:
    none = rate(0, 0)
    return {**base, "by_week": weeks,
            "front_door": {"contacts": 0, "by_kind": {}, "per_10000_children": None,
                           "per_10000_children_a_year": None,
                           "re_referrals_within_12_months": none,
                           "rag": {"red": none, "amber": none, "green": none},
                           "acknowledged_within_1_working_day": none,
                           "decided_within_rag_timescale": none,
                           "brief_assessments_within_10_working_days": none,
                           "assessments_within_45_working_days": none, "outcomes": {},
                           "levels_of_need": {}, "strategy_discussions": 0,
                           "s47_enquiries": 0,
                           "referrals": {"children": 0, "per_10000_children_a_year": None,
                                         "re_referrals_within_12_months": none}},
            "domestic_abuse": {"incidents": 0, "triaged_in_time": none, "by_dash_level": {},
                               "marac_referrals": 0, "marac_by_rule": {},
                               "encompass": {"issued": 0,
                                             "acknowledged_before_the_school_day": none,
                                             "not_sent": {}}},
            "missing": {"episodes": 0, "by_type": {}, "home_within_24_hours": none,
                        "return_interviews_within_72_hours": none,
                        "strategy_meeting_flags": 0},
            "child_protection": {"plans_started": 0, "second_or_subsequent_plans": none,
                                 "on_a_plan_at_the_end": 0,
                                 "on_a_plan_per_10000_children": None,
                                 "ended_plans_lasting_over_2_years": none,
                                 "reviews_on_time": none},
            "children_in_need": {"at_the_end": 0, "per_10000_children": None},
            "looked_after": {"at_the_end": 0, "per_10000_children": None},
            "sharing": {"decisions_to_share": {}, "decisions_not_to_share": {}, "consent": {}},
            "access": {"disclosures": 0, "refusals": 0, "break_glass": 0,
                       "by_agency_kind_and_purpose": {}}}


def test_missing_episodes_are_given_by_age_band() -> None:
    empty = {"period": {"from": None, "to": None, "days": 0}}
    report = _report(empty, [])
    report["missing"] = {**report["missing"], "episodes": 5,
                         "by_age_band": {"14-15": 3, "under-11": 1, "unknown": 1}}
    line = next(line for line in render_text(report).splitlines()
                if line.strip().startswith("by age band"))
    assert line.split()[3:] == ["14-15", "3,", "under-11", "1,", "unknown", "1"]
    older = render_text(_report(empty, []))  # a report saved before bands were counted
    assert any(line.strip() == "by age band                        none"
               for line in older.splitlines())
    report["missing"]["by_missing_from"] = {"care": 2, "education": 1}
    assert "  by where from                      care 2, education 1" in render_text(
        report).splitlines()
