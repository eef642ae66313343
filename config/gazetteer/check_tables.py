#!/usr/bin/env python3
"""Check former_districts.csv and abbreviations.csv against units_legacy.csv.

Python 3.11, standard library only. Run from anywhere:

    python3 config/gazetteer/check_tables.py

Prints a summary and exits 1 if any row is wrong (unknown province code, a
successor district that units_legacy.csv does not have for that province, a
district type that differs from units_legacy.csv, malformed dates or resolution
numbers, duplicate rows, ...), 0 otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LEGACY = HERE / "units_legacy.csv"
FORMER = HERE / "former_districts.csv"
ABBREV = HERE / "abbreviations.csv"

FORMER_COLUMNS = [
    "province_code", "old_name", "old_type", "new_name", "new_type",
    "kind", "effective", "resolution", "note",
]
ABBREV_COLUMNS = ["abbreviation", "level", "province_code", "name", "note"]

DISTRICT_TYPES = ("Huyện", "Quận", "Thị xã", "Thành phố")
KINDS = ("renamed", "merged_into", "split")
LEVELS = ("province", "district")
# 2015 onwards, up to the end of the three-level system (2025-07-01).
FIRST_DATE = dt.date(2015, 1, 1)
LAST_DATE = dt.date(2025, 7, 1)
RESOLUTION_RE = re.compile(r"^Nghị quyết (\d+)/NQ-UBTVQH(13|14|15)$")
NOT_VERIFIED_RES = "resolution number not verified"
NOT_VERIFIED_EFF = "effective date not verified"


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, msg: str) -> None:
        self.items.append(f"{where}: {msg}")


def read_csv(path: Path, columns: list[str], problems: Problems) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.add(path.name, "starts with a UTF-8 byte-order mark")
    text = raw.decode("utf-8")
    if unicodedata.normalize("NFC", text) != text:
        problems.add(path.name, "text is not in Unicode NFC form")
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames != columns:
        problems.add(path.name, f"columns are {reader.fieldnames}, expected {columns}")
        return []
    rows = []
    for i, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            problems.add(f"{path.name}:{i}", "wrong number of fields")
            continue
        for k, v in row.items():
            if v != v.strip():
                problems.add(f"{path.name}:{i}", f"{k} has leading/trailing spaces")
        row["_line"] = str(i)
        rows.append(row)
    return rows


def load_legacy() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """province_code -> province_name; province_code -> {district_name: district_type}."""
    provinces: dict[str, str] = {}
    districts: dict[str, dict[str, str]] = defaultdict(dict)
    with LEGACY.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            provinces[r["province_code"]] = r["province_name"]
            districts[r["province_code"]][r["district_name"]] = r["district_type"]
    return provinces, districts


def parse_date(s: str) -> dt.date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        return None


def check_former(rows, provinces, districts, problems: Problems) -> dict:
    stats = {"rows": len(rows), "kinds": Counter(), "provinces": Counter(),
             "no_resolution": 0, "no_effective": 0}
    seen: set[tuple[str, str, str]] = set()
    by_old: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        where = f"{FORMER.name}:{r['_line']}"
        code = r["province_code"]
        if code not in provinces:
            problems.add(where, f"unknown legacy province_code {code!r}")
            continue
        stats["provinces"][code] += 1
        old, old_type = r["old_name"], r["old_type"]
        new, new_type = r["new_name"], r["new_type"]
        if old_type not in DISTRICT_TYPES:
            problems.add(where, f"old_type {old_type!r} not one of {DISTRICT_TYPES}")
        elif not old.startswith(old_type + " "):
            problems.add(where, f"old_name {old!r} does not start with its type word {old_type!r}")
        if old in districts[code]:
            problems.add(where, f"old_name {old!r} still exists in units_legacy.csv for "
                                f"{provinces[code]}: not a former name")
        if new not in districts[code]:
            problems.add(where, f"new_name {new!r} is not a district of {provinces[code]} "
                                "in units_legacy.csv")
        elif districts[code][new] != new_type:
            problems.add(where, f"new_type {new_type!r} differs from units_legacy.csv "
                                f"({districts[code][new]!r}) for {new!r}")
        if r["kind"] not in KINDS:
            problems.add(where, f"kind {r['kind']!r} not one of {KINDS}")
        stats["kinds"][r["kind"]] += 1
        if r["effective"]:
            d = parse_date(r["effective"])
            if d is None:
                problems.add(where, f"effective {r['effective']!r} is not a YYYY-MM-DD date")
            elif not (FIRST_DATE <= d <= LAST_DATE):
                problems.add(where, f"effective {d} outside {FIRST_DATE}..{LAST_DATE}")
        else:
            stats["no_effective"] += 1
            if NOT_VERIFIED_EFF not in r["note"]:
                problems.add(where, f"empty effective but note lacks {NOT_VERIFIED_EFF!r}")
        if r["resolution"]:
            if not RESOLUTION_RE.fullmatch(r["resolution"]):
                problems.add(where, f"resolution {r['resolution']!r} is not of the form "
                                    "'Nghị quyết N/NQ-UBTVQH13|14|15'")
        else:
            stats["no_resolution"] += 1
            if NOT_VERIFIED_RES not in r["note"]:
                problems.add(where, f"empty resolution but note lacks {NOT_VERIFIED_RES!r}")
        if not r["note"]:
            problems.add(where, "note is empty")
        key = (code, old, new)
        if key in seen:
            problems.add(where, f"duplicate row for {old!r} -> {new!r}")
        seen.add(key)
        by_old[(code, old)].append(r)
    for (code, old), group in by_old.items():
        kinds = {g["kind"] for g in group}
        lines = ",".join(g["_line"] for g in group)
        if "split" in kinds:
            if kinds != {"split"}:
                problems.add(f"{FORMER.name}:{lines}", f"{old!r} mixes split with other kinds")
            elif len(group) < 2:
                problems.add(f"{FORMER.name}:{lines}", f"{old!r} is split but has one successor")
        elif len(group) > 1:
            problems.add(f"{FORMER.name}:{lines}", f"{old!r} has several successors "
                                                    "but kind is not split")
        for fld in ("effective", "resolution"):
            if len({g[fld] for g in group}) > 1:
                problems.add(f"{FORMER.name}:{lines}", f"{old!r}: rows disagree on {fld}")
    return stats


def check_abbrev(rows, provinces, districts, problems: Problems) -> dict:
    stats = {"rows": len(rows), "levels": Counter(), "ambiguous": 0, "abbreviations": 0}
    seen: set[tuple[str, str, str, str]] = set()
    targets: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        where = f"{ABBREV.name}:{r['_line']}"
        code, level, name = r["province_code"], r["level"], r["name"]
        if not r["abbreviation"]:
            problems.add(where, "empty abbreviation")
        if level not in LEVELS:
            problems.add(where, f"level {level!r} not one of {LEVELS}")
        stats["levels"][level] += 1
        if code not in provinces:
            problems.add(where, f"unknown legacy province_code {code!r}")
            continue
        if level == "province" and name != provinces[code]:
            problems.add(where, f"name {name!r} is not the province_name of {code} "
                                f"({provinces[code]!r})")
        if level == "district" and name not in districts[code]:
            problems.add(where, f"name {name!r} is not a district of {provinces[code]}")
        key = (r["abbreviation"].casefold(), level, code, name)
        if key in seen:
            problems.add(where, f"duplicate row {r['abbreviation']!r} -> {name!r}")
        seen.add(key)
        targets[r["abbreviation"].casefold()].append(r)
    stats["abbreviations"] = len(targets)
    for ab, group in targets.items():
        if len({(g["level"], g["province_code"], g["name"]) for g in group}) > 1:
            stats["ambiguous"] += 1
            for g in group:
                if "ambiguous" not in g["note"]:
                    problems.add(f"{ABBREV.name}:{g['_line']}",
                                 f"{g['abbreviation']!r} has several targets; note must say 'ambiguous'")
    return stats


def main() -> int:
    problems = Problems()
    provinces, districts = load_legacy()
    former = read_csv(FORMER, FORMER_COLUMNS, problems)
    abbrev = read_csv(ABBREV, ABBREV_COLUMNS, problems)
    fs = check_former(former, provinces, districts, problems)
    ab = check_abbrev(abbrev, provinces, districts, problems)

    print(f"units_legacy.csv: {len(provinces)} provinces, "
          f"{sum(len(v) for v in districts.values())} districts")
    print(f"{FORMER.name}: {fs['rows']} rows, {len({(r['province_code'], r['old_name']) for r in former})} "
          f"former names in {len(fs['provinces'])} provinces; kinds: "
          + ", ".join(f"{k}={v}" for k, v in sorted(fs["kinds"].items())))
    print(f"  without verified resolution number: {fs['no_resolution']}; "
          f"without verified effective date: {fs['no_effective']}")
    print(f"{ABBREV.name}: {ab['rows']} rows, {ab['abbreviations']} distinct abbreviations "
          f"({ab['ambiguous']} ambiguous); levels: "
          + ", ".join(f"{k}={v}" for k, v in sorted(ab["levels"].items())))
    if problems.items:
        print(f"\n{len(problems.items)} problem(s):")
        for p in problems.items:
            print(f"  {p}")
        return 1
    print("OK: every name exists in units_legacy.csv for its province")
    return 0


if __name__ == "__main__":
    sys.exit(main())
