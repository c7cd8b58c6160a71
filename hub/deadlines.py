"""The deadline watchers ``hub serve`` runs in the background: each takes what is overdue a
step further (an Encompass notice to the DART, a disagreement up a stage) every so often."""

import logging
from collections.abc import Callable
from threading import Event

from hub.retrying import Stopped, Trouble
from hub.retrying import call as retry

log = logging.getLogger("hub.deadlines")


def watch(stop: Event, task: Callable[[], int], what: str, every: float = 30.0) -> None:
    """Run ``task`` (which returns how many items it moved) every ``every`` seconds until
    stopped. A failed pass (a store outage, anything else) is retried sooner, with backoff and
    jitter up to ``every`` seconds, and said at most once a minute: the watcher must outlive
    it."""
    trouble = Trouble(log, "deadline-pass-failed", f"deadline watcher ({what}): a pass failed")
    while not stop.wait(every):
        try:
            moved = retry(task, stop, Exception, trouble.happened, initial=min(1.0, every),
                          maximum=every)
        except Stopped:
            return
        trouble.over(f"deadline watcher ({what}): passes succeed again")
        if moved:
            log.info("deadline watcher: %d %s", moved, what)
