"""Caseload files for the import's tests: synthetic children (NHS numbers in the unissued
999 range), their plans and open contacts, and rows made bad on purpose."""

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from domain.identifiers import nhs_check_digit
from domain.timescales import LOCAL

CP_COLUMNS = ("case_ref", "nhs_number", "given_name", "family_name", "date_of_birth",
              "postcode", "plan_start_date", "category", "core_group_date", "last_review_date")
CATEGORIES = ("neglect", "physical", "sexual", "emotional", "multiple")


def nhs_number(n: int) -> str:
    """The ``n``-th valid test NHS number (999 range), skipping bodies with no check digit."""
    found = -1
    body = 999_000_000
    while True:
        digit = nhs_check_digit(str(body))
        if digit is not None:
            found += 1
            if found == n:
                return f"{body}{digit}"
        body += 1


def bad_nhs_number(n: int) -> str:
    """A test NHS number whose check digit is wrong."""
    good = nhs_number(n)
    return good[:9] + str((int(good[9]) + 1) % 10)


def cp_row(n: int) -> dict[str, str]:
    """A child on a plan: the ``n``-th of a synthetic caseload."""
    return {"case_ref": f"CP-{n:05d}", "nhs_number": nhs_number(n), "given_name": f"Child{n}",
            "family_name": "Caseload", "date_of_birth": f"{2010 + n % 12}-0{1 + n % 9}-1{n % 9}",
            "postcode": "NG1 1AA" if n % 2 else "", "plan_start_date": "2025-06-0" + str(1 + n % 9),
            "category": CATEGORIES[n % len(CATEGORIES)],
            "core_group_date": "2025-06-20" if n % 3 else "",
            "last_review_date": "2025-09-15" if n % 4 == 0 else ""}


def as_csv(rows: Iterable[dict[str, str]], columns: Iterable[str] = CP_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


CONTACT_COLUMNS = (*CP_COLUMNS[:6], "received_at", "contact_type", "indicators", "rag")
CONTACT_TYPES = ("school_concern", "health_concern", "police_concern", "referral")
RATINGS = ("", "amber", "green", "red")


def local_time(at: datetime) -> str:
    """An instant as an open contacts file writes it: UK local time, to the minute."""
    return at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def contact_row(n: int, now: datetime) -> dict[str, str]:
    """A contact open at the front door: the ``n``-th, received ``n`` + 1 hours before
    ``now``; one in ten with an immediate-referral indicator (rated red by it), the others
    rated or not."""
    child = {k: v for k, v in cp_row(n).items() if k in CONTACT_COLUMNS}
    indicated = n % 10 == 5
    return {**child, "case_ref": f"MC-{n:05d}",
            "received_at": local_time(now - timedelta(hours=n + 1)),
            "contact_type": CONTACT_TYPES[n % len(CONTACT_TYPES)],
            "indicators": "adult-posing-risk" if indicated else "",
            "rag": "" if indicated else RATINGS[n % len(RATINGS)]}


def hub_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``hub ARGS`` as an operator runs it, in ``env``."""
    return subprocess.run([sys.executable, "-m", "hub", *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def authority_home(tmp_path: Path) -> dict[str, str]:
    """A fresh hub (SQLite in ``tmp_path``) with the local authority's MASH registered: the
    environment its CLI runs in."""
    env = {**os.environ, "HUB_HOME": str(tmp_path / "home"), "HUB_ENV": "dev",
           "HUB_STORE_URL": f"sqlite:///{tmp_path}/hub.sqlite3"}
    added = hub_cli(env, "agencies", "add", "--id", "city-mash", "--kind", "mash",
                    "--name", "Children and Families Direct")
    assert added.returncode == 0, added.stderr
    return env
