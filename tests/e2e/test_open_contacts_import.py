"""``hub import --kind open-contacts`` end to end: a 500-row file of contacts open at the front
door with 5 bad rows (a received time in the future, one over a year old, one not a time) is
refused whole, each bad row reported by its line and column (never its value); with
--skip-bad-rows the 495 good rows are stored as contacts received at their own times, and the
indicators count them; imported again, nothing is stored twice."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.caseload_support import (
    CONTACT_COLUMNS,
    as_csv,
    authority_home,
    bad_nhs_number,
    contact_row,
    local_time,
)
from tests.caseload_support import hub_cli as hub

NOW = datetime.now(UTC)
# Row n of the file is on line n + 2 (the header is line 1).
BAD = {
    12: ("received_at", {"received_at": local_time(NOW + timedelta(days=2))}),
    140: ("received_at", {"received_at": local_time(NOW - timedelta(days=400))}),
    277: ("received_at", {"received_at": "yesterday 09:00"}),
    391: ("nhs_number", {"nhs_number": bad_nhs_number(391)}),
    460: ("contact_type", {"contact_type": "phone-call"}),
}


def test_a_500_row_file_with_5_bad_rows(tmp_path: Path) -> None:
    env = authority_home(tmp_path)
    rows = [contact_row(n, NOW) for n in range(500)]
    for n, (_, change) in BAD.items():
        rows[n] = {**rows[n], **change}
    path = tmp_path / "open-contacts.csv"
    path.write_text(as_csv(rows, CONTACT_COLUMNS), encoding="utf-8")
    command = ("import", "--kind", "open-contacts", "--file", str(path),
               "--agency", "city-mash")

    refused = hub(env, *command)
    assert refused.returncode == 2, refused.stderr
    reported = re.findall(r"^hub import: line (\d+): (\w+): ", refused.stderr, re.MULTILINE)
    assert reported == [(str(n + 2), column) for n, (column, _) in sorted(BAD.items())]
    assert "5 of 500 rows are bad; nothing stored" in refused.stderr
    for _, change in BAD.values():  # never the value, nor a child's name
        assert all(v not in refused.stderr for v in change.values() if v)
    assert "Caseload" not in refused.stderr
    assert re.search(r"contacts and referrals\s+0\b", hub(env, "report").stdout)

    stored = hub(env, *command, "--skip-bad-rows")
    assert stored.returncode == 1, stored.stderr
    assert re.findall(r"^hub import: line (\d+): ", stored.stderr, re.MULTILINE) == [
        str(n + 2) for n in sorted(BAD)]
    assert "imported 495 open-contacts rows for city-mash (495 children); 0 imported " \
           "before; 5 bad rows skipped" in stored.stdout
    assert re.search(r"contacts and referrals\s+495\b", hub(env, "report").stdout)

    again = hub(env, *command, "--skip-bad-rows")
    assert again.returncode == 1
    assert "imported 0 open-contacts rows" in again.stdout
    assert "495 imported before" in again.stdout
    assert re.search(r"contacts and referrals\s+495\b", hub(env, "report").stdout)


def test_a_file_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    env = authority_home(tmp_path)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(as_csv([contact_row(0, NOW)], (*CONTACT_COLUMNS, "category")),
                     encoding="utf-8")
    plans = tmp_path / "plans.csv"
    plans.write_text("case_ref,nhs_number,given_name,family_name,date_of_birth,received_at\n",
                     encoding="utf-8")
    for path, message in ((wrong, "not an open-contacts column: category"),
                          (plans, "an open-contacts file needs contact_type")):
        done = hub(env, "import", "--kind", "open-contacts", "--file", str(path),
                   "--agency", "city-mash")
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert message in done.stderr
