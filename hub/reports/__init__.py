"""``hub report``: the safeguarding indicators (``hub.projections.indicators``) rendered for
people, beside the entry points that show them: text (``text``), and charts with an HTML page
(``charts``). Nothing here reads the store."""

from hub.reports.charts import ChartsUnavailable, share, write_report
from hub.reports.text import render_text

__all__ = ["ChartsUnavailable", "render_text", "share", "write_report"]
