"""bench.scale at a tiny size on SQLite: its table has every row, each with a positive rate and
latencies, and no row failed, differs or was skipped."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMMAND = [
    sys.executable,
    "-m",
    "bench.scale",
    "--database",
    "sqlite",
    "--children",
    "30",
    "--duration",
    "1",
]
# Rows measured under load: a rate, a p50 and a p95.
LOADED = (
    "page, casetrail",
    "page, SQL floor",
    "child, casetrail",
    "child, SQL floor",
    "children: failed to appear, location UNKNOWN",
    "children: name search, ",
    "oversightReport, 2",
    "oversightReport, all time",
    "audited mutations, 8 clients, ",
)
RATIOS = ("page, casetrail vs SQL floor", "child, casetrail vs SQL floor")
NOT_ON_SQLITE = (
    "page, PostGraphile 5",
    "child, PostGraphile 5",
    "page, casetrail vs PostGraphile 5",
    "child, casetrail vs PostGraphile 5",
)
VERIFY = "verify_database: chain and replay of every record"
TROUBLE = ("FAILED", "failed", "differs", "INVALID", "MISMATCH", "skipped")


def table_rows(output: str) -> dict[str, list[str]]:
    """The table's rows by their first cell, each cell's wrapped lines joined."""
    rows: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if not cells:
            current = None
        elif cells[0] or current is None:
            current = rows.setdefault(cells[0], cells)
        else:
            current[:] = [f"{a} {b}".strip() for a, b in zip(current, cells, strict=True)]
    return rows


def row(rows: dict[str, list[str]], label: str) -> list[str]:
    """The row named `label`, or else the one row whose name begins with it."""
    if label in rows:
        return rows[label]
    found = [cells for first, cells in rows.items() if first.startswith(label)]
    assert len(found) == 1, f"expected one row {label!r}, found {len(found)}"
    return found[0]


def number(cell: str) -> float:
    match = re.match(r"([\d,]+(?:\.\d+)?)", cell)
    assert match, f"not a number: {cell!r}"
    return float(match.group(1).replace(",", ""))


def test_every_row_has_positive_numbers() -> None:
    # given a scratch SQLite database of 30 children, 1-second measurements

    # when
    finished = subprocess.run(
        COMMAND, cwd=REPO, capture_output=True, text=True, timeout=900, check=False
    )

    # then
    assert finished.returncode == 0, finished.stderr[-3000:]
    rows = table_rows(finished.stdout)
    for label in LOADED:
        rate, p50, p95, detail = row(rows, label)[1:]
        assert number(rate) > 0, label
        assert number(p50) > 0, label
        assert number(p95) > 0, label
        assert not any(word in detail for word in TROUBLE), (label, detail)
    for label in RATIOS:
        assert all(number(cell) > 0 for cell in row(rows, label)[1:4]), label
    for label in NOT_ON_SQLITE:
        assert row(rows, label)[1] == "n/a", label
    rate, _p50, _p95, detail = row(rows, VERIFY)[1:]
    assert number(rate) > 0
    assert "valid" in detail
    assert "INVALID" not in detail
    assert "same answers as casetrail" in " ".join(row(rows, "page, SQL floor"))
