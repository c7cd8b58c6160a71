"""``make bench``: run every benchmark and write BENCHMARKS.md."""

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import ingest


def main() -> int:
    count = int(os.environ.get("BENCH_NOTIFICATIONS", "2000"))
    print("bench: ingest on SQLite", file=sys.stderr)
    result = ingest.run(count)
    lines = [
        "# Benchmarks",
        "",
        "Every figure is a ratio against a baseline measured in the same run, on the same",
        "machine, so that a noisy machine moves both. Re-run with `make bench`.",
        "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores.",
        "",
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
    Path("BENCHMARKS.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
