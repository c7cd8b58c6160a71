"""A worker's stop handler survives a second signal arriving while it is stopping."""

import faulthandler
import threading

from hub.cli import SignalStop


def test_a_signal_inside_the_handler_does_not_wait_on_the_events_lock() -> None:
    """Python runs a signal handler again, nested, if a second signal arrives while the first
    is inside Event.set(); the nested call must not try to take the lock the first holds."""
    event = threading.Event()
    stop = SignalStop(event, grace_seconds=600)
    condition: threading.Condition = event._cond  # type: ignore[attr-defined]  # the lock Event.set() holds while it wakes waiters
    wake = condition.notify_all

    def second_signal_while_locked() -> None:
        stop()  # what the interpreter does when SIGTERM arrives now
        wake()

    condition.notify_all = second_signal_while_locked  # type: ignore[method-assign]
    runner = threading.Thread(target=stop, daemon=True)
    try:
        runner.start()
        runner.join(5)
        assert not runner.is_alive(), "the nested handler deadlocked on the event's lock"
        assert event.is_set()
    finally:
        faulthandler.cancel_dump_traceback_later()


def test_only_the_first_signal_acts() -> None:
    event = threading.Event()
    stop = SignalStop(event, grace_seconds=600)
    try:
        stop()
        stop()
        assert event.is_set()
        assert stop.signalled
    finally:
        faulthandler.cancel_dump_traceback_later()
