"""The indicators as a plain-text summary, one line each (``hub report``'s output)."""

from typing import Any


def _pct(rate: dict[str, Any]) -> str:
    if rate["rate"] is None:
        return f"-       (0 of {rate['of']})"
    return f"{rate['rate'] * 100:5.1f}%  ({rate['count']:,} of {rate['of']:,})"


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in values.items()) or "none"


def render_text(r: dict[str, Any]) -> str:
    """The indicators as a plain-text summary, one line each."""
    f, d, m, s, a = (r["front_door"], r["domestic_abuse"], r["missing"], r["sharing"],
                     r["access"])
    period = r["period"]
    per = f["per_10000_children"]
    heading = (f"Safeguarding indicators, {period['from']} to {period['to']} "
               f"({period['days']} days)" if period["from"] is not None
               else "Safeguarding indicators: nothing recorded in the period")
    lines = [
        heading,
        "",
        *_board(r.get("board") or []),
        "Front door",
        f"  contacts and referrals             {f['contacts']:,} ({_counts(f['by_kind'])})",
        "  per 10,000 children                "
        + (f"{per} in the period, {f['per_10000_children_a_year']} a year" if per is not None
           else "- (set HUB_CHILD_POPULATION or --children)"),
        f"  contacts about a child seen before {_pct(f['re_referrals_within_12_months'])}",
        f"  referrals to social care           {f['referrals']['children']:,} "
        "(decided for an assessment or a strategy discussion; one per child)",
        "  re-referrals within 12 months      "
        + _pct(f["referrals"]["re_referrals_within_12_months"]),
        *(f"  {colour:5} decided within its RAG time  {_pct(rate)}"
          for colour, rate in f["rag"].items()),
        f"  acknowledged within 1 working day  {_pct(f['acknowledged_within_1_working_day'])}",
        f"  decided within RAG timescale       {_pct(f['decided_within_rag_timescale'])}",
        f"  brief assessments within 10 days   "
        f"{_pct(f['brief_assessments_within_10_working_days'])}",
        f"  assessments within 45 working days {_pct(f['assessments_within_45_working_days'])}",
        f"  outcomes                           {_counts(f['outcomes'])}",
        f"  levels of need                     {_counts(f['levels_of_need'])}",
        f"  strategy discussions / s47         {f['strategy_discussions']:,} / "
        f"{f['s47_enquiries']:,}",
        "",
        "Domestic abuse",
        f"  police notifications               {d['incidents']:,}",
        f"  triaged within the DART's time     {_pct(d['triaged_in_time'])}",
        f"  by risk level                      {_counts(d['by_dash_level'])}",
        f"  MARAC referrals                    {d['marac_referrals']:,} "
        f"({_counts(d['marac_by_rule'])})",
        f"  Encompass notices issued           {d['encompass']['issued']:,}",
        "  acknowledged before the school day "
        + _pct(d["encompass"]["acknowledged_before_the_school_day"]),
        f"  notices that could not be sent     {_counts(d['encompass']['not_sent'])}",
        "",
        "Missing children",
        f"  episodes                           {m['episodes']:,} ({_counts(m['by_type'])})",
        # a report saved before age bands were counted has none
        f"  by age band                        {_counts(m.get('by_age_band') or {})}",
        f"  by where from                      {_counts(m.get('by_missing_from') or {})}",
        f"  home within 24 hours               {_pct(m['home_within_24_hours'])}",
        f"  return interviews within 72 hours  {_pct(m['return_interviews_within_72_hours'])}",
        f"  strategy meeting flags             {m['strategy_meeting_flags']:,}",
        "",
        "Child protection",
        f"  plans started                      {r['child_protection']['plans_started']:,}",
        "  second or subsequent plans         "
        + _pct(r["child_protection"]["second_or_subsequent_plans"]),
        f"  on a plan at the end               {r['child_protection']['on_a_plan_at_the_end']:,}"
        + (f" ({r['child_protection']['on_a_plan_per_10000_children']} per 10,000)"
           if r["child_protection"]["on_a_plan_per_10000_children"] is not None else ""),
        "  ended plans lasting over 2 years   "
        + _pct(r["child_protection"]["ended_plans_lasting_over_2_years"]),
        f"  reviews on time                    {_pct(r['child_protection']['reviews_on_time'])}",
        f"  children in need at the end        {r['children_in_need']['at_the_end']:,}",
        f"  looked after at the end            {r['looked_after']['at_the_end']:,}",
        "",
        "Information sharing",
        f"  decisions to share, by basis       {_counts(s['decisions_to_share'])}",
        f"  decisions not to share, by basis   {_counts(s['decisions_not_to_share'])}",
        f"  consent                            {_counts(s['consent'])}",
        f"  disclosures                        {a['disclosures']:,}",
        f"  refusals                           {a['refusals']:,}",
        f"  break-glass uses                   {a['break_glass']:,}",
        "  disclosures by kind of agency and purpose (each agency: indicators.json)",
        *(f"    {kind:30} {_counts(purposes)}"
          for kind, purposes in a["by_agency_kind_and_purpose"].items()),
    ]
    weeks = r.get("by_week") or []
    if weeks:
        lines += ["", "By week (volumes; done in time, where anything fell due)",
                  "  week        contacts  DA  missing  decided (RAG)  triaged  Encompass"]
        lines += [f"  {w['week']}  {w['contacts']:8,} {w['da_incidents']:3,} "
                  f"{w['missing_episodes']:8,}  {_short(w['decided_within_rag_timescale']):>13}"
                  f"  {_short(w['dart_triaged_in_time']):>7}"
                  f"  {_short(w['encompass_acknowledged_in_time']):>9}" for w in weeks]
    return "\n".join(lines) + "\n"


def _figure(value: float | None, unit: str, signed: bool = False) -> str:
    if value is None:
        return "-"
    sign = "+" if signed else ""
    if unit.startswith("share"):  # a difference of shares is in percentage points
        return f"{value * 100:{sign}.1f}" + (" pts" if signed else "%")
    return f"{value:{sign},.1f}"


def _board(figures: list[dict[str, Any]]) -> list[str]:
    """The board's figures, each beside its seed figure and the difference; the sources
    below, numbered."""
    if not figures:
        return []
    sources = list(dict.fromkeys(f["source"] for f in figures if f["source"]))
    lines = ["The board's figures (beside the seed figure each is compared with)",
             f"  {'figure':46} {'period':>9} {'seed':>9} {'difference':>11}"]
    for f in figures:
        note = f" [{sources.index(f['source']) + 1}]" if f["source"] else ""
        lines.append(f"  {f['label'] + ', ' + _unit(f['unit']):46.46} "
                     f"{_figure(f['value'], f['unit']):>9} {_figure(f['seed'], f['unit']):>9} "
                     f"{_figure(f['difference'], f['unit'], signed=True):>11}{note}")
    lines += [f"  [{n}] {source}" for n, source in enumerate(sources, start=1)]
    return [*lines, ""]


def _unit(unit: str) -> str:
    return "%" if unit.startswith("share") else "per 10,000" + (
        " a year" if "a year" in unit else "")


def _short(rate: dict[str, Any]) -> str:
    return "no data" if rate["rate"] is None else f"{rate['rate'] * 100:.0f}%"
