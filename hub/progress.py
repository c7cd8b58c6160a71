"""Progress of long commands (``hub simulate``, ``hub report --rebuild``, ``make bench``) on
stderr: a live bar (rich) when stderr is a terminal; otherwise (a file, a pipe, a log
collector) a plain line at most every few seconds and one at the end, never a carriage
return."""

import sys
import time
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bars

# How often a plain (not a terminal) progress line is written, at most.
PLAIN_EVERY = 5.0


class Progress:
    """One task's progress: ``update(done, total, note)`` as it goes, ``close()`` at the end
    (or use it as a context manager)."""

    def __init__(self, label: str, total: int | None = None, stream: IO[str] | None = None,
                 every: float = PLAIN_EVERY) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self._done = 0
        self._note = ""
        self._written: tuple[int, str] | None = None
        self._last = 0.0
        self._bars: Bars | None = None
        self._task: TaskID | None = None
        if self.terminal:
            self._bars = Bars(TextColumn("{task.description}"), BarColumn(),
                              TextColumn("{task.completed:,.0f}"
                                         + ("/{task.total:,.0f}" if total else "")),
                              TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
                              console=Console(file=self.stream), transient=False)
            self._bars.start()
            self._task = self._bars.add_task(label, total=total, note="")

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        self._done, self._note = done, note
        if total is not None:
            self.total = total
        if self._bars is not None and self._task is not None:
            self._bars.update(self._task, completed=done, total=self.total, note=note)
            return
        now = time.monotonic()
        if self._written is None or now - self._last >= self.every:
            self._write()
            self._last = now

    def _write(self) -> None:
        count = f"{self._done:,}/{self.total:,}" if self.total else f"{self._done:,}"
        print(f"{self.label} {count}" + (f", {self._note}" if self._note else ""),
              file=self.stream, flush=True)
        self._written = (self._done, self._note)

    def close(self) -> None:
        """Stop the bar, or write the last state if it was not written yet."""
        if self._bars is not None:
            self._bars.stop()
            self._bars = None
        elif self._written is not None and self._written != (self._done, self._note):
            self._write()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


_OPEN: dict[str, Progress] = {}


def step(label: str, done: int, total: int) -> None:
    """Stateless progress (the benchmarks'): one bar per label, closed when done."""
    bar = _OPEN.get(label)
    if bar is None:
        bar = _OPEN[label] = Progress(label, total)
    bar.update(done, total)
    if done >= total:
        bar.close()
        del _OPEN[label]
