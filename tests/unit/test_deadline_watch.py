"""The deadline watcher outlives a failed pass (a store outage, anything else) and stops."""

import threading

from hub.deadlines import watch
from hub.errors import StoreUnavailable


def test_a_failed_pass_only_delays_the_next() -> None:
    stop = threading.Event()
    passes: list[str] = []
    failures = [StoreUnavailable("the event store did not answer"), KeyError("surprise")]

    def task() -> int:
        if failures:
            passes.append("failed")
            raise failures.pop(0)
        passes.append("moved")
        stop.set()
        return 1

    runner = threading.Thread(target=watch, args=(stop, task, "items"), kwargs={"every": 0.01})
    runner.start()
    runner.join(5)
    assert not runner.is_alive()
    assert passes == ["failed", "failed", "moved"]
