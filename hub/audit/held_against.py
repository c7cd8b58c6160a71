"""What a verification holds the entries against, beyond the store's own checkpoints: a
checkpoint kept elsewhere (HUB_HOME's memory, an auditor's), and each witness, asked what it
holds now. Everything wrong is a problem line in the :class:`Verdict`, never an exception."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hub.audit.notes import Checkpoint, KeyChain, parse_note
from hub.audit.verify import Report
from hub.audit.witnesses import Reply, WitnessConfig, Witnesses


@dataclass
class Verdict:
    """A verification's outcome: the log's report and the checks against kept checkpoints."""

    report: Report
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said, but not problems
    first_bad: int | None = None
    headline: str | None = None  # the most telling problem, for the one-line summary

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.problems

    def problem(self, message: str, first_bad: int | None = None) -> None:
        self.problems.append(message)
        if self.headline is None and message.startswith(("rolled back", "inconsistent")):
            self.headline = message.split(";")[0]
        if first_bad is not None:
            self.first_bad = first_bad if self.first_bad is None else min(self.first_bad,
                                                                          first_bad)

    def lines(self) -> list[str]:
        return [*self.report.problems, *self.problems, *self.notes]


class Signed:
    """Checkpoints the trusted key (or a key it leads back to) signed: size -> (root, note)."""

    def __init__(self, chain: KeyChain, origin: str) -> None:
        self.chain, self.origin = chain, origin
        self.by_size: dict[int, tuple[bytes, str]] = {}

    def open(self, note: str) -> Checkpoint | None:
        try:
            checkpoint = self.chain.open_checkpoint(note, self.origin)
        except Exception:
            return None
        self.by_size.setdefault(checkpoint.size, (checkpoint.root, note))
        return checkpoint

    def at_least(self, size: int, most: int) -> tuple[int, str] | None:
        """The smallest signed checkpoint of a size in [size, most], with its note."""
        sizes = sorted(s for s in self.by_size if size <= s <= most)
        return (sizes[0], self.by_size[sizes[0]][1]) if sizes else None

    def largest(self) -> str | None:
        return self.by_size[max(self.by_size)][1] if self.by_size else None


def against_kept(verdict: Verdict, signed: Signed, note: str, what: str, count: int,
                  witnesses: Witnesses) -> None:
    checkpoint = signed.open(note)
    where = " (kept in HUB_HOME)" if what == "this hub signed" else ""
    if checkpoint is None:
        verdict.problem(f"the checkpoint {what}{where} is not signed by the trusted key")
        return
    tree = verdict.report.tree
    cosigners = [c.name for c in witnesses.cosigners(note)] if witnesses else []
    said = (f"the witness {cosigners[0]} cosigned size {checkpoint.size}" if cosigners
            else f"{what} size {checkpoint.size}{where}" if what == "this hub signed"
            else f"{what} has size {checkpoint.size}")
    if checkpoint.size > count:
        verdict.problem(f"rolled back: {said}; the store holds {count} entries", count)
    elif tree is not None and tree.root(checkpoint.size) != checkpoint.root:
        verdict.problem(f"inconsistent: the entries do not give the root {what} for size "
                        f"{checkpoint.size}{where}")


def against_witness(verdict: Verdict, signed: Signed, config: WitnessConfig,
                     witnesses: Witnesses, count: int) -> None:
    """Ask the witness about the largest checkpoint we hold, of size N, with ``old N`` and no
    proof. It compares roots if it cosigned size N (200 if they match: a cosignature of a tree
    it already holds; 409 if not: the store holds another tree of that size), and otherwise
    answers 409 with its size, changing nothing: verify never makes a witness cosign a tree
    it did not hold, nor one that has cosigned nothing (a rolled-back copy must not become
    what a new witness vouches for). Then the entries are held against the size it gives."""
    name = config.name
    shown = signed.largest()
    if shown is None:
        verdict.problem(f"witness {name}: no signed checkpoint to show it, so whether the "
                        "store was rolled back cannot be told")
        return
    shown_size = max(signed.by_size)
    reply = _ask(witnesses, config, shown_size, shown)
    if reply.outcome == "cosigned" and not _said_now(config, shown, reply):
        verdict.problem(f"witness {name} ({config.url}): answered with a cosignature made "
                        f"before now (replayed, not its word on what it holds); whether the "
                        "store was rolled back cannot be told")
        return
    if reply.outcome == "cosigned":
        verdict.notes.append(f"witness {name} cosigned size {shown_size}: the same tree")
        return
    if reply.outcome == "inconsistent":
        verdict.problem(f"inconsistent with the witness {name}: {reply.problem}")
        return
    if reply.outcome != "conflict" or reply.size is None:
        verdict.problem(f"witness {name} ({config.url}): {reply.problem}; whether the store "
                        "was rolled back cannot be told")
        return
    _against_witness_size(verdict, signed, config, witnesses, count, reply.size)


def _against_witness_size(verdict: Verdict, signed: Signed, config: WitnessConfig,
                          witnesses: Witnesses, count: int, size: int) -> None:
    """The witness cosigned ``size``, another size than the largest checkpoint held."""
    name = config.name
    carried = max((s for s, (_, note) in signed.by_size.items()
                   if config in witnesses.cosigners(note)), default=0)
    if carried > size:
        verdict.problem(f"witness {name} ({config.url}) says it cosigned size {size}, but "
                        f"the checkpoint of size {carried} carries its cosignature: it lost "
                        "its state, or something else answers for it; whether the store was "
                        "rolled back cannot be told")
        return
    if size == 0:
        verdict.notes.append(f"witness {name} has cosigned nothing of this log, so whether "
                             "the store was rolled back cannot be told by it")
        return
    tree = verdict.report.tree
    if size > count:
        verdict.problem(f"rolled back: the witness {name} cosigned size {size}; the store "
                        f"holds {count} entries", count)
        return
    if size in signed.by_size:
        reply = _ask(witnesses, config, size, signed.by_size[size][1])
        if reply.outcome == "cosigned" and not _said_now(config, signed.by_size[size][1],
                                                         reply):
            verdict.problem(f"witness {name} ({config.url}): answered with a cosignature "
                            "made before now; its size could not be checked")
        elif reply.outcome == "cosigned":
            verdict.notes.append(f"witness {name} cosigned size {size}: the same tree")
        elif reply.outcome in ("inconsistent", "conflict"):
            verdict.problem(f"inconsistent with the witness {name}: it cosigned another tree "
                            f"of size {size}")
        else:
            verdict.problem(f"witness {name}: {reply.problem or reply.outcome}; its size "
                            f"{size} could not be checked")
        return
    later = signed.at_least(size, count)
    if later is None or tree is None:
        verdict.problem(f"the witness {name} cosigned size {size}, and no checkpoint in this "
                        "store lets its root be checked")
        return
    target, note = later
    proof = tree.consistency_proof(size, target) if size < target else []
    reply = witnesses.submit(config, size, proof, note)
    if reply.outcome == "cosigned":
        verdict.notes.append(f"witness {name} cosigned size {size}, consistent with these "
                             f"entries (it has now cosigned size {target})")
    elif reply.outcome == "inconsistent":
        verdict.problem(f"inconsistent with the witness {name}: {reply.problem}")
    else:
        verdict.problem(f"witness {name}: {reply.problem or reply.outcome}; its size {size} "
                        "could not be checked")


FRESH_SECONDS = 300


def _said_now(config: WitnessConfig, note: str, reply: Reply) -> bool:
    """Whether a cosignature the witness answered with is its word now: made in the last
    five minutes, and after its cosignatures already on the note (so not one of those,
    replayed by whoever answered for it)."""
    if reply.line is None:
        return False
    made = config.verifier.timestamp(parse_note(note)[0], reply.line)
    return made is not None and made > _last_cosigned(config, note) \
        and made >= time.time() - FRESH_SECONDS


def _last_cosigned(config: WitnessConfig, note: str) -> int:
    """The time (whole seconds) of the witness's latest cosignature on the note, or -1."""
    text, lines = parse_note(note)
    return max((t for t in (config.verifier.timestamp(text, line) for line in lines)
                if t is not None), default=-1)


def _ask(witnesses: Witnesses, config: WitnessConfig, size: int, note: str) -> Reply:
    """Show the witness ``note`` at its own size. Its cosignature carries a time in whole
    seconds: if it cosigned this note within the current second, wait for the next, so that
    its answer now is told apart from the line already on the note."""
    wait = _last_cosigned(config, note) + 1 - time.time()
    if 0 < wait <= 1:
        time.sleep(wait)
    return witnesses.submit(config, size, [], note)
