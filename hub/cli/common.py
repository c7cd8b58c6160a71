"""What every command shares: bad usage, the operator, and the argument types."""

import argparse
import getpass
import socket
from datetime import date, datetime
from importlib import metadata
from typing import NoReturn
from uuid import UUID


class UsageError(Exception):
    """Bad usage: reported in one line on stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def operator() -> dict[str, str]:
    """Who ran a command on the hub's host (the operating-system account)."""
    return {"cli_user": getpass.getuser(), "host": socket.gethostname()}


def version() -> str:
    try:
        return metadata.version("safeguarding-hub")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def positive_days(raw: str) -> int:
    try:
        days = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number of days") from None
    if not 1 <= days <= 3660:
        raise argparse.ArgumentTypeError("must be from 1 to 3660 days")
    return days


def day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date, YYYY-MM-DD") from None


def bounded(raw: str, low: int, high: int, what: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise argparse.ArgumentTypeError(f"must be {what} from {low} to {high}")
    return int(raw)


def port(raw: str) -> int:
    return bounded(raw, 1, 65535, "a port")


def workers(raw: str) -> int:
    return bounded(raw, 1, 64, "a number of workers")


def uuid(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a record id (a UUID)") from None


def instant(raw: str) -> datetime:
    try:
        instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError("must be an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError("must carry a time zone (e.g. Z)")
    return instant
