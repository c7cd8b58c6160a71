"""The hub's side of witnessing: submitting each checkpoint, keeping cosignatures, alarms.

``HUB_AUDIT_WITNESSES`` names one or more witnesses, comma-separated, each as
``<witness verifier key>@<submission URL>``. Before the checkpointer signs a tree it knows
(or asks) the size each witness last cosigned, and refuses a tree smaller than that. It then
submits the signed checkpoint with a consistency proof from that size (c2sp.org/tlog-witness)
and keeps every valid cosignature as a signature line on the checkpoint's note, where the
spec puts them. A witness that knows a larger tree, or that finds this tree inconsistent with
one it cosigned, stops the checkpointer (:class:`WitnessRefused`). A witness that cannot be
reached, or refuses for another reason, raises an alarm: a log line when its state changes,
the metrics below, and the detail of ``/readyz``. Checkpoints are still signed and kept
meanwhile; the witness is asked again at the next one.

Metrics (Prometheus, at ``/metrics`` of ``hub serve``):
``hub_audit_witness_up{witness}`` (1 cosigned the last checkpoint it was asked about, 0 not),
``hub_audit_witness_cosigned_size{witness}``, ``hub_audit_witness_failures_total{witness,
reason}`` and ``hub_audit_checkpointer_stopped`` (1 after the checkpointer refused to sign).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.audit.cosignature import CosignatureVerifier
from hub.audit.notes import Checkpoint, NoteSignature, parse_note
from hub.audit.witness_protocol import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    parse_cosignatures,
    parse_size,
)
from hub.ports import WitnessTransport, WitnessUnreachable
from hub.urls import http_url

log = logging.getLogger("hub.audit")

TIMEOUT_SECONDS = 5.0
_ENTRY = re.compile(r"(?P<key>[^@\s]+)@(?P<url>https?://\S+)", re.ASCII)


@dataclass(frozen=True)
class WitnessConfig:
    """One witness: its cosignature key and its submission prefix."""

    verifier: CosignatureVerifier
    url: str

    @property
    def name(self) -> str:
        return self.verifier.name


def _check_url(url: str) -> None:
    http_url(url, "a witness URL")


def parse_witnesses(raw: str | None) -> tuple[WitnessConfig, ...]:
    """``VKEY@URL[,VKEY@URL...]``; ValueError naming what is wrong."""
    configs: list[WitnessConfig] = []
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        match = _ENTRY.fullmatch(item.strip())
        if match is None:
            raise ValueError("each witness is <verifier key>@<http:// or https:// URL>")
        try:
            verifier = CosignatureVerifier.parse(match["key"])
            _check_url(match["url"])
        except ValueError as error:
            raise ValueError(f"witness {match['key'][:40]}: {error}") from None
        if any(c.verifier == verifier for c in configs):
            raise ValueError(f"witness {verifier.name} is named twice")
        configs.append(WitnessConfig(verifier, match["url"].rstrip("/")))
    return tuple(configs)


def printable(text: str) -> str:
    """What a witness said, safe to print, log and show: every control character (a carriage
    return, a terminal escape) a space, so that it cannot rewrite what is shown beside it."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


class WitnessRefused(Exception):
    """A witness knows a larger tree (``size``), or cosigned one this tree does not extend.

    Not yet an alarm: a larger tree may be another hub process's checkpoint, signed since
    this one read the store; the checkpointer looks again before it calls it a rollback
    (:meth:`Witnesses.refused` then records it)."""

    def __init__(self, message: str, config: WitnessConfig, outcome: str,
                 size: int | None = None) -> None:
        super().__init__(message)
        self.config, self.outcome, self.size = config, outcome, size


@dataclass(frozen=True)
class Reply:
    """What one add-checkpoint request came to.

    ``outcome``: ``cosigned`` (with ``line``), ``conflict`` (``size`` is the witness's),
    ``inconsistent`` (the proof from the old size does not verify, or the witness holds
    another root at that size), ``refused`` or ``unreachable`` (with ``problem``).
    """

    outcome: str
    size: int | None = None
    line: NoteSignature | None = None
    problem: str = ""


Transport = WitnessTransport  # how a checkpoint reaches a witness (hub.ports)


def submit(transport: Transport, verifier: CosignatureVerifier, old: int,
           proof: list[bytes], note: str) -> Reply:
    """Send one add-checkpoint request and read the answer as the spec defines it."""
    text, _ = parse_note(note)
    checkpoint = Checkpoint.parse(text)
    try:
        status, content_type, body = transport.add_checkpoint(
            AddCheckpoint(old, tuple(proof), note).encode())
    except WitnessUnreachable as error:
        return Reply("unreachable", problem=f"unreachable ({printable(str(error))})")
    if status == 200:
        try:
            lines = parse_cosignatures(note, body)
        except ValueError:
            return Reply("refused", problem="answered 200 without cosignature lines")
        for line in lines:  # lines by keys other than the one configured are ignored
            if verifier.timestamp(text, line) is not None:
                return Reply("cosigned", size=checkpoint.size, line=line)
        return Reply("refused", problem="answered without a valid cosignature by its key")
    if status == 409 and content_type.split(";")[0].strip() == SIZE_CONTENT_TYPE:
        try:
            size = parse_size(body)
        except ValueError:
            return Reply("refused", problem="answered 409 without a size")
        if size == old:  # the sizes match, so the roots did not
            return Reply("inconsistent", size=size,
                         problem=f"it cosigned another tree of size {size}")
        return Reply("conflict", size=size)
    if status == 422:
        return Reply("inconsistent", size=old, problem=f"it cosigned a tree of size {old} "
                     "that this one does not extend (the consistency proof fails)")
    said = printable(body[:120].decode("utf-8", "replace"))
    return Reply("refused", problem=f"refused: HTTP {status} {said}".strip())


@dataclass
class WitnessState:
    """What the hub knows of one witness: its size, and whether it cosigned last time."""

    size: int | None = None
    ok: bool | None = None
    problem: str | None = None
    since: datetime | None = None


class Witnesses:
    """Every configured witness, as the checkpointer (and ``hub audit verify``) uses them."""

    def __init__(self, configs: tuple[WitnessConfig, ...], timeout: float = TIMEOUT_SECONDS,
                 transport: Callable[[str, float], Transport] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.configs = configs
        if configs and transport is None:
            raise TypeError("witnesses need a transport (hub.bootstrap.open_witnesses)")
        self._transports = {c.verifier: transport(c.url, timeout)
                            for c in configs if transport is not None}
        self._state = {c.verifier: WitnessState() for c in configs}
        self._failures: Counter[tuple[str, str]] = Counter()
        self._clock = clock
        self._lock = threading.Lock()
        self._observed: str | None = None

    def __bool__(self) -> bool:
        return bool(self.configs)

    def close(self) -> None:
        """Close the kept-alive connections."""
        for transport in self._transports.values():
            transport.close()

    def submit(self, config: WitnessConfig, old: int, proof: list[bytes], note: str) -> Reply:
        return submit(self._transports[config.verifier], config.verifier, old, proof, note)

    def cosigners(self, note: str) -> list[WitnessConfig]:
        """The configured witnesses whose valid cosignature the note carries."""
        text, sigs = parse_note(note)
        return [c for c in self.configs
                if any(c.verifier.timestamp(text, sig) is not None for sig in sigs)]

    # The checkpointer ------------------------------------------------------------------------

    def prepare(self, kept: str | None, latest: str | None, size: int) -> None:
        """Before signing a tree of ``size`` leaves, know each witness's size and refuse if
        any has cosigned a larger tree. What the witnesses cosigned is read from ``kept`` (the
        checkpoint kept in HUB_HOME, which the database cannot change); a witness not on it is
        asked, by showing it ``latest`` (a checkpoint already signed) from size 0: it answers
        with its size and changes nothing (or, if it knew nothing, cosigns that one)."""
        if kept is not None:
            kept_size = Checkpoint.parse(parse_note(kept)[0]).size
            for config in self.cosigners(kept):
                state = self._state[config.verifier]
                state.size = max(state.size or 0, kept_size)
        for config in self.configs:
            if self._state[config.verifier].size is None and latest is not None:
                reply = self.submit(config, 0, [], latest)
                if reply.outcome in ("cosigned", "conflict"):
                    self._state[config.verifier].size = reply.size
                else:
                    self._record(config, reply)
        for config in self.configs:
            known = self._state[config.verifier].size
            if known is not None and known > size:
                self._raise(config, f"rolled back: the witness {config.name} cosigned size "
                                    f"{known}; the store holds {size} entries", known)

    def cosign(self, note: str, checkpoint: Checkpoint,
               proof: Callable[[int, int], list[bytes]]) -> list[NoteSignature]:
        """Ask every witness to cosign ``note``; return the valid cosignatures. Raises
        WitnessRefused if a witness knows a larger tree or finds this one inconsistent."""
        lines = []
        for config in self.configs:
            state = self._state[config.verifier]
            old = state.size or 0
            reply = Reply("refused", problem="no answer")
            for _ in range(3):  # a conflict tells the witness's size: ask again from it
                if old > checkpoint.size:
                    self._raise(config, f"rolled back: the witness {config.name} cosigned "
                                        f"size {old}; the store holds {checkpoint.size} entries",
                                old)
                path = proof(old, checkpoint.size) if 0 < old < checkpoint.size else []
                reply = self.submit(config, old, path, note)
                if reply.outcome != "conflict" or reply.size is None:
                    break
                old = state.size = reply.size
            if reply.outcome == "inconsistent":
                self._raise(config, f"inconsistent with the witness {config.name}: "
                                    f"{reply.problem}")
            if reply.outcome == "cosigned" and reply.line is not None:
                state.size = checkpoint.size
                lines.append(reply.line)
            self._record(config, reply)
        return lines

    @staticmethod
    def _raise(config: WitnessConfig, message: str, size: int | None = None) -> None:
        outcome = "rolled-back" if message.startswith("rolled back") else "inconsistent"
        raise WitnessRefused(message, config, outcome, size)

    def refused(self, error: WitnessRefused) -> None:
        """The checkpointer stops on ``error``: the witness's alarm."""
        self._record(error.config, Reply(error.outcome, problem=str(error)))

    def observe(self, note: str) -> None:
        """Take in the store's latest checkpoint, which any hub process may have signed: a
        witness whose cosignature it lacks failed there (every worker of ``hub serve`` shows
        the alarm, whichever made the checkpoint); one whose cosignature it carries is well.
        A witness already in alarm keeps the more telling problem this process saw."""
        if note == self._observed:
            return
        self._observed = note
        try:
            text, signatures = parse_note(note)
            size = Checkpoint.parse(text).size
        except ValueError:
            return  # the checkpointer reports an unreadable checkpoint itself
        for config in self.configs:
            state = self._state[config.verifier]
            if state.size is not None and size < state.size:
                continue  # an older checkpoint than it is known to hold: no news of it
            if any(config.verifier.timestamp(text, sig) is not None for sig in signatures):
                state.size = size
                if state.ok is not True:
                    self._record(config, Reply("cosigned", size=size))
            elif state.ok is not False:
                self._record(config, Reply("missing", problem=(
                    f"did not cosign the latest checkpoint (size {size})")))

    # Alarms ----------------------------------------------------------------------------------

    def _record(self, config: WitnessConfig, reply: Reply) -> None:
        ok = reply.outcome == "cosigned"
        problem = None if ok else reply.problem or reply.outcome
        with self._lock:
            state = self._state[config.verifier]
            changed = state.ok is not ok or state.problem != problem
            if changed:
                state.since = self._clock()
            state.ok, state.problem = ok, problem
            if not ok:
                self._failures[(config.name, reply.outcome)] += 1
        if changed and not ok:
            log.error("audit witness alarm: %s (%s): %s", config.name, config.url, problem)
        elif changed:
            log.info("audit witness %s cosigned size %s", config.name, state.size)

    def status(self) -> list[dict[str, object]]:
        """Each witness: whether it cosigned the last checkpoint it was asked about, its size,
        and what is wrong (for /readyz)."""
        with self._lock:
            return [{"witness": c.name, "url": c.url, "ok": s.ok, "cosigned_size": s.size,
                     "problem": s.problem, "since": s.since.isoformat() if s.since else None}
                    for c in self.configs for s in [self._state[c.verifier]]]

    def alarms(self) -> list[str]:
        return [f"witness {s['witness']}: {s['problem']}" for s in self.status()
                if s["ok"] is False]

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("hub_audit_witness_up", "1 if the witness cosigned the last "
                               "checkpoint it was asked about, 0 if it was unreachable or "
                               "refused", labels=["witness"])
        size = GaugeMetricFamily("hub_audit_witness_cosigned_size",
                                 "the largest tree size the witness is known to have cosigned",
                                 labels=["witness"])
        failures = CounterMetricFamily("hub_audit_witness_failures", "submissions to a witness "
                                       "that were not cosigned, by outcome",
                                       labels=["witness", "reason"])
        with self._lock:
            for config in self.configs:
                state = self._state[config.verifier]
                if state.ok is not None:
                    up.add_metric([config.name], 1.0 if state.ok else 0.0)
                if state.size is not None:
                    size.add_metric([config.name], float(state.size))
            for (name, reason), count in sorted(self._failures.items()):
                failures.add_metric([name, reason], float(count))
        yield from (up, size, failures)


class AuditAlarms(Collector):
    """The audit trail's alarms as Prometheus metrics (registered by ``hub serve``)."""

    def __init__(self, witnesses: Witnesses, stopped: Callable[[], str | None]) -> None:
        self._witnesses = witnesses
        self._stopped = stopped

    def collect(self) -> Iterator[Metric]:
        yield from self._witnesses.collect()
        stopped = GaugeMetricFamily("hub_audit_checkpointer_stopped", "1 after the audit "
                                    "checkpointer refused to sign (the store does not extend "
                                    "what it signed, or a witness knows a larger tree)")
        stopped.add_metric([], 1.0 if self._stopped() else 0.0)
        yield stopped
