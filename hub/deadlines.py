"""The deadline watchers ``hub serve`` runs in the background: each takes what is overdue a
step further (an Encompass notice to the DART, a disagreement up a stage) every so often."""

import logging
from collections.abc import Callable
from threading import Event

from hub.errors import HubError

log = logging.getLogger("hub.deadlines")


def watch(stop: Event, task: Callable[[], int], what: str, every: float = 30.0) -> None:
    """Run ``task`` (which returns how many items it moved) until stopped. A store outage, or
    any other failure of one pass, only delays the next: the watcher must outlive it."""
    while not stop.wait(every):
        try:
            moved = task()
        except HubError as error:
            log.warning("deadline watcher (%s): %s; trying again", what, error.code)
            continue
        except Exception as error:
            log.warning("deadline watcher (%s): %s; trying again", what,
                        type(error).__name__)
            continue
        if moved:
            log.info("deadline watcher: %d %s", moved, what)
