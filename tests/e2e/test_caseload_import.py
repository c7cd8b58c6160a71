"""``hub import`` end to end: a 500-row CP plans file with 5 bad rows is refused whole, each
bad row reported by its line and column (never its value); with --skip-bad-rows the 495 good
rows are stored, and the indicators count them; imported again, nothing is stored twice."""

import re
from pathlib import Path

from tests.caseload_support import as_csv, authority_home, bad_nhs_number, cp_row
from tests.caseload_support import hub_cli as hub

# Row n of the file is on line n + 2 (the header is line 1).
BAD = {
    37: ("nhs_number", {"nhs_number": bad_nhs_number(37)}),
    102: ("plan_start_date", {"plan_start_date": "2999-01-01"}),
    250: ("category", {"category": "bullying"}),
    333: ("given_name", {"given_name": ""}),
    498: ("date_of_birth", {"date_of_birth": "31/12/2015"}),
}


def test_a_500_row_file_with_5_bad_rows(tmp_path: Path) -> None:
    env = authority_home(tmp_path)
    rows = [cp_row(n) for n in range(500)]
    for n, (_, change) in BAD.items():
        rows[n] = {**rows[n], **change}
    path = tmp_path / "cp-plans.csv"
    path.write_text(as_csv(rows), encoding="utf-8")
    command = ("import", "--kind", "cp-plans", "--file", str(path), "--agency", "city-mash")

    refused = hub(env, *command)
    assert refused.returncode == 2, refused.stderr
    reported = re.findall(r"^hub import: line (\d+): (\w+): ", refused.stderr, re.MULTILINE)
    assert reported == [(str(n + 2), column) for n, (column, _) in sorted(BAD.items())]
    assert "5 of 500 rows are bad; nothing stored" in refused.stderr
    for _, change in BAD.values():  # never the value, nor a child's name
        assert all(v not in refused.stderr for v in change.values() if v)
    assert "Caseload" not in refused.stderr
    report = hub(env, "report").stdout
    assert not re.search(r"plans started\s+[1-9]", report)  # nothing stored

    stored = hub(env, *command, "--skip-bad-rows")
    assert stored.returncode == 1, stored.stderr
    assert re.findall(r"^hub import: line (\d+): ", stored.stderr, re.MULTILINE) == [
        str(n + 2) for n in sorted(BAD)]
    assert "imported 495 cp-plans rows for city-mash (495 children); 0 imported before; " \
           "5 bad rows skipped" in stored.stdout
    assert re.search(r"plans started\s+495\b", hub(env, "report").stdout)

    again = hub(env, *command, "--skip-bad-rows")
    assert again.returncode == 1
    assert "imported 0 cp-plans rows" in again.stdout
    assert "495 imported before" in again.stdout
    assert re.search(r"plans started\s+495\b", hub(env, "report").stdout)

    good = tmp_path / "good.csv"
    good.write_text(as_csv([r for n, r in enumerate(rows) if n not in BAD]), encoding="utf-8")
    done = hub(env, "import", "--kind", "cp-plans", "--file", str(good), "--agency", "city-mash")
    assert done.returncode == 0, done.stderr
    assert "495 imported before; 0 bad rows skipped" in done.stdout


def test_a_file_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    env = authority_home(tmp_path)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("case_ref,nhs_number\nX,1\n", encoding="utf-8")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("case_ref,given_name\nX,Zo\xeb\n".encode("latin-1"))
    for path, message in ((wrong, "a cp-plans file needs given_name"),
                          (tmp_path / "absent.csv", "cannot read"),
                          (latin, "is not UTF-8 text")):
        done = hub(env, "import", "--kind", "cp-plans", "--file", str(path),
                   "--agency", "city-mash")
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert message in done.stderr
