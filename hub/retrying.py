"""Retrying a failing call (a broker or a store that went away) with exponential backoff and
jitter (tenacity), until it succeeds or the worker is told to stop, and saying so in one line,
at most every so often, instead of once per attempt.

Periodic polls (the checkpointer's second, the deadline watchers' half minute) are not
retries and keep their own pace; what they retry after a failure goes through here too.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_when_event_set,
    wait_exponential_jitter,
)

T = TypeVar("T")

# How often a trouble that goes on is said again (seconds).
SAY_EVERY = 60.0


class Stopped(Exception):
    """The worker was told to stop while a call was being retried."""


class Trouble:
    """One kind of trouble (the brokers unreachable, the store unavailable), said in one
    line when it starts, again at most every ``say_every`` seconds while it lasts, and once
    more when it is over."""

    def __init__(self, log: logging.Logger, code: str, what: str,
                 say_every: float = SAY_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._log = log
        self.code = code  # in each line's "trouble" field: brokers-unreachable, ...
        self.what = what
        self._say_every = say_every
        self._clock = clock
        self._since: float | None = None
        self._said: float | None = None
        self._unsaid = 0

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def happened(self, error: BaseException, retry_in: float | None = None) -> None:
        now = self._clock()
        if self._since is None:
            self._since = now
        if self._said is not None and now - self._said < self._say_every:
            self._unsaid += 1
            return
        again = f" (still, after {now - self._since:.0f} s)" if self._said is not None else ""
        self._log.warning("%s (%s)%s; trying again by itself", self.what,
                          type(error).__name__, again,
                          extra={"trouble": self.code, "error": type(error).__name__,
                                 **({"retry_in_s": round(retry_in, 1)}
                                    if retry_in is not None else {})})
        self._said = now
        self._unsaid = 0

    def over(self, now_ok: str) -> None:
        """The call succeeded: if there was trouble, say it is over (once)."""
        if self._since is None:
            return
        self._log.info("%s, after %.0f s", now_ok, self._clock() - self._since,
                       extra={"trouble": self.code})
        self._since = self._said = None
        self._unsaid = 0


Errors = type[BaseException] | tuple[type[BaseException], ...]


def retrying(stop: threading.Event, errors: Errors,
             on_retry: Callable[[BaseException, float], None],
             initial: float = 0.5, maximum: float = 30.0, give_up: Errors = ()) -> Retrying:
    """Retry on ``errors`` (but not ``give_up``): waits growing from ``initial`` to
    ``maximum`` seconds, each with up to a second of jitter (so several workers do not come
    back at once), cut short when ``stop`` is set; ``on_retry(error, seconds)`` before each
    wait."""

    def before_sleep(state: RetryCallState) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        if error is not None:
            on_retry(error, wait)

    def sleep(seconds: float) -> None:
        stop.wait(seconds)  # cut short by stopping

    return Retrying(retry=retry_if_exception_type(errors)
                    & retry_if_not_exception_type(give_up or ()),
                    wait=wait_exponential_jitter(multiplier=initial, max=maximum,
                                                 jitter=min(1.0, maximum)),
                    stop=stop_when_event_set(stop), sleep=sleep,
                    before_sleep=before_sleep, reraise=True)


def call(fn: Callable[[], T], stop: threading.Event, errors: Errors,
         on_retry: Callable[[BaseException, float], None],
         initial: float = 0.5, maximum: float = 30.0, give_up: Errors = ()) -> T:
    """``fn()``, retried on ``errors`` (not ``give_up``, raised at once) until it succeeds;
    ``Stopped`` if ``stop`` is set first (the last error is its cause)."""
    def attempt() -> T:
        if stop.is_set():
            raise Stopped
        return fn()

    try:
        return retrying(stop, errors, on_retry, initial, maximum, give_up)(attempt)
    except errors as error:
        if stop.is_set():
            raise Stopped from error
        raise
