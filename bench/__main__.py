"""``make bench``: run every benchmark and write BENCHMARKS.md.

``BENCH_ONLY=decisions`` (or ``ingest``, ``audit``, ``encryption``, ``kafka`` or
``simulation``) runs one of them, for quick iteration; only that section of the file is
rewritten, the others are kept as they were. ``BENCH_SIM_DAYS`` shortens the simulated year.
The run fails if the decision point disagrees with Casbin anywhere.
"""

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import audit, decisions, encryption, ingest, kafka, simulation

NAMES = ("ingest", "decisions", "audit", "encryption", "kafka", "simulation")


def ingest_section() -> list[str]:
    count = int(os.environ.get("BENCH_NOTIFICATIONS", "2000"))
    print("bench: ingest on SQLite", file=sys.stderr)
    result = ingest.run(count)
    lines = [
        "## Ingest through the application on SQLite",
        "",
        "Notifications submitted through `NotificationIntake.submit` (validation, linking,",
        "indexes, events; no HTTP), against raw SQLite inserts of the same rows (same count,",
        "same bytes, one transaction per notification, WAL).",
        "",
        "| measure | value |",
        "| --- | --- |",
    ]
    lines += [f"| {key.replace('_', ' ')} | {value} |" for key, value in result.items()]
    lines += ["", f"**Hub ingest / raw SQLite inserts: {result['ratio']}**", ""]
    return lines


def keep_others(path: Path, ran: list[list[str]]) -> list[str]:
    """The sections of the existing file that this run did not rewrite, in their order.

    Sections start at a ``## `` heading; one whose heading a section of this run has
    is replaced (at its old place) by it; sections of this run not in the file go last.
    """
    fresh = {section[0]: section for section in ran}
    old = path.read_text().split("\n") if path.exists() else []
    starts = [i for i, line in enumerate(old) if line.startswith("## ")]
    lines: list[str] = []
    for start, end in zip(starts, [*starts[1:], len(old)], strict=True):
        lines += fresh.pop(old[start], old[start:end])
    for section in fresh.values():
        lines += section
    return lines


def main() -> int:
    only = os.environ.get("BENCH_ONLY", "").strip()
    if only not in ("", *NAMES):
        print(f"bench: BENCH_ONLY must be one of {', '.join(NAMES)}, not {only!r}",
              file=sys.stderr)
        return 2
    lines = [
        "# Benchmarks",
        "",
        "Every figure is a ratio against a baseline measured in the same run, on the same",
        "machine, so that a noisy machine moves both. Re-run with `make bench`.",
        "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores.",
        "",
    ]
    failed = False
    sections: list[list[str]] = []
    if only in ("", "ingest"):
        sections.append(ingest_section())
    if only in ("", "decisions"):
        print("bench: access decisions, the decision point against plain Casbin",
              file=sys.stderr)
        result = decisions.run()
        sections.append(decisions.markdown(result))
        failed = result["mismatches"] > 0
    if only in ("", "audit"):
        print("bench: audit trail verification against plain SHA-256", file=sys.stderr)
        sections.append(audit.markdown(audit.run()))
    if only in ("", "encryption"):
        print("bench: per-person encryption against plain personal values, on SQLite",
              file=sys.stderr)
        count = int(os.environ.get("BENCH_ENCRYPTION_NOTIFICATIONS", "1000"))
        sections.append(encryption.markdown(encryption.run(count)))
    if only in ("", "kafka"):
        print("bench: Kafka ingest through hub ingest against a bare consumer, on SQLite",
              file=sys.stderr)
        count = int(os.environ.get("BENCH_KAFKA_NOTIFICATIONS", "1000"))
        sections.append(kafka.markdown(kafka.run(count)))
    if only in ("", "simulation"):
        days = int(os.environ.get("BENCH_SIM_DAYS", "365"))
        print(f"bench: {days} simulated days on SQLite and PostgreSQL, against raw appends",
              file=sys.stderr)
        sections.append(simulation.markdown(simulation.run(days)))
    path = Path("BENCHMARKS.md")
    if only:
        lines += keep_others(path, sections)
    else:
        lines += [line for section in sections for line in section]
    path.write_text("\n".join(lines))
    print("\n".join(lines))
    if failed:
        print("bench: the decision point disagrees with Casbin (see above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
