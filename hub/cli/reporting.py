"""``hub report``: the safeguarding indicators, as text, JSON, charts and a web page."""

import argparse
import sys
from typing import TYPE_CHECKING

from hub.cli.common import UsageError
from hub.progress import Progress
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.bootstrap import Hub


def report(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    from hub.reports import ChartsUnavailable, render_text, write_report

    if args.first and args.last and args.first > args.last:
        raise UsageError("hub report: --from must not be after --to")
    children = args.children if args.children is not None else settings.child_population
    if children is not None and children < 1:
        raise UsageError("hub report: --children must be above 0")

    total = (hub.store.recorder.max_notification_id() or 0) if args.rebuild else None
    with Progress("hub report: events read", total) as bar:
        if args.rebuild:
            speed = hub.indicators.rebuild(bar.update)
        else:
            hub.indicators.catch_up(progress=bar.update)
    if args.rebuild:
        print(f"projection rebuilt: {speed['events']:,} events in {speed['seconds']} s, "
              f"{speed['events_per_second']:,} a second", file=sys.stderr)
    result = hub.indicators.report(args.first, args.last, children)
    result["by_week"] = hub.indicators.by_week(args.first, args.last)
    print(render_text(result), end="")
    if args.out:
        try:
            written = write_report(result, args.out)
        except ChartsUnavailable as error:
            raise UsageError(f"hub report --out: {error}") from None
        except OSError as error:
            raise UsageError(f"hub report: cannot write to {args.out} "
                             f"({error.strerror})") from None
        print(f"written to {args.out}: " + ", ".join(p.name for p in written), file=sys.stderr)
    return 0
