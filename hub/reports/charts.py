"""The indicators as charts (PNG, drawn with matplotlib, the optional 'report' extra) and one
self-contained HTML page, written beside the JSON and the text (``hub report --out``)."""

import base64
import html
import json
from pathlib import Path
from typing import Any

from hub.reports.text import render_text

Chart = tuple[str, dict[str, float | None], str]


def share(rate: dict[str, Any]) -> float | None:
    """A rate as a percentage; None when nothing fell due (shown as "no data", never 0%)."""
    return None if rate["rate"] is None else round(rate["rate"] * 100, 1)


def _charts(r: dict[str, Any]) -> dict[str, Chart]:
    """name -> (title, values, unit)."""
    f, d, m = r["front_door"], r["domestic_abuse"], r["missing"]
    return {
        "timeliness": ("Done in time (%)", {
            "RAG red": share(f["rag"]["red"]), "RAG amber": share(f["rag"]["amber"]),
            "RAG green": share(f["rag"]["green"]),
            "Decided, RAG": share(f["decided_within_rag_timescale"]),
            "Brief assessed, 10 days": share(f["brief_assessments_within_10_working_days"]),
            "Assessed, 45 days": share(f["assessments_within_45_working_days"]),
            "DART triage": share(d["triaged_in_time"]),
            "Encompass": share(d["encompass"]["acknowledged_before_the_school_day"]),
            "Interview, 72 h": share(m["return_interviews_within_72_hours"]),
            "CP review": share(r["child_protection"]["reviews_on_time"])}, "%"),
        "outcomes": ("Front-door outcomes", dict(f["outcomes"]), "contacts"),
        "risk": ("DA incidents by risk level", dict(d["by_dash_level"]), "incidents"),
        "marac": ("MARAC referrals by rule", dict(d["marac_by_rule"]), "referrals"),
        "missing": ("Missing episodes", {
            **m["by_type"], "home within 24 h": m["home_within_24_hours"]["count"]},
            "episodes"),
    }


class ChartsUnavailable(Exception):
    """matplotlib (the optional 'report' extra) is not installed."""


def write_report(r: dict[str, Any], out: Path) -> list[Path]:
    """indicators.json, indicators.txt, a PNG per chart and index.html (charts inline)."""
    try:
        import matplotlib
    except ImportError:
        raise ChartsUnavailable("charts need matplotlib: install the report extra "
                                "(pip install 'safeguarding-hub[report]')") from None
    matplotlib.use("Agg")
    from matplotlib import pyplot

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "indicators.json", out / "indicators.txt"]
    written[0].write_text(json.dumps(r, indent=2) + "\n")
    text = render_text(r)
    written[1].write_text(text)
    images = []
    charts: list[tuple[str, Any]] = list(_charts(r).items())
    for name, (title, values, unit) in charts:
        figure, axes = pyplot.subplots(figsize=(7, 3.2), dpi=100)
        labels = list(values) or ["(none)"]
        numbers = [0 if v is None else v for v in values.values()] or [0]
        bars = axes.barh(labels, numbers, color="#2f6690")
        axes.bar_label(bars, labels=["no data" if v is None else f"{v:g}"
                                     for v in values.values()] or ["no data"], padding=3)
        axes.set_title(title)
        axes.set_xlabel(unit)
        axes.invert_yaxis()
        if unit == "%":
            axes.set_xlim(0, 110)
        figure.tight_layout()
        path = out / f"{name}.png"
        figure.savefig(path, metadata={"Software": None})
        pyplot.close(figure)
        written.append(path)
        images.append((title, base64.b64encode(path.read_bytes()).decode()))
    if r.get("by_week"):
        path = out / "weekly.png"
        _weekly_chart(pyplot, r["by_week"], path)
        written.append(path)
        images.append(("Done in time, by week (%)",
                       base64.b64encode(path.read_bytes()).decode()))
    period = r["period"]
    page = "".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Safeguarding indicators {html.escape(str(period['from']))} to "
        f"{html.escape(str(period['to']))}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "pre{background:#f4f4f4;padding:1rem;overflow:auto}img{max-width:100%}</style>",
        "</head><body><h1>Safeguarding indicators</h1>",
        *(f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{data}'>"
          f"</figure>" for title, data in images),
        f"<pre>{html.escape(text)}</pre></body></html>\n"])
    page_path = out / "index.html"
    page_path.write_text(page)
    written.append(page_path)
    return written


WEEKLY_RATES = {"decided_within_rag_timescale": "MASH decided, RAG",
                "dart_triaged_in_time": "DART triage",
                "encompass_acknowledged_in_time": "Encompass",
                "return_interviews_within_72_hours": "Interview, 72 h"}


def _weekly_chart(pyplot: Any, weeks: list[dict[str, Any]], path: Path) -> None:
    """Timeliness over time: a line per measure; a week where nothing fell due is a gap."""
    figure, axes = pyplot.subplots(figsize=(7, 3.2), dpi=100)
    labels = [w["week"] for w in weeks]
    for key, name in WEEKLY_RATES.items():
        values = [share(w[key]) for w in weeks]
        axes.plot(labels, [float("nan") if v is None else v for v in values], marker="o",
                  label=name)
    axes.set_ylim(0, 105)
    axes.set_ylabel("%")
    axes.set_title("Done in time, by week (gaps: nothing fell due)")
    axes.tick_params(axis="x", labelrotation=45, labelsize=7)
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})
    pyplot.close(figure)
