"""``make bench``: run every benchmark and write BENCHMARKS.md.

``BENCH_ONLY=decisions`` (or ``ingest``) runs one of them, for quick iteration; the file then
holds only that section. The run fails if the decision point disagrees with Casbin anywhere.
"""

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import decisions, ingest


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


def main() -> int:
    only = os.environ.get("BENCH_ONLY", "").strip()
    if only not in ("", "ingest", "decisions"):
        print(f"bench: BENCH_ONLY must be ingest or decisions, not {only!r}", file=sys.stderr)
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
    if only in ("", "ingest"):
        lines += ingest_section()
    if only in ("", "decisions"):
        print("bench: access decisions, the decision point against plain Casbin",
              file=sys.stderr)
        result = decisions.run()
        lines += decisions.markdown(result)
        failed = result["mismatches"] > 0
    Path("BENCHMARKS.md").write_text("\n".join(lines))
    print("\n".join(lines))
    if failed:
        print("bench: the decision point disagrees with Casbin (see above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
