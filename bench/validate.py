"""Schema validation benchmark: territoire's SQL validator against `frictionless validate`.

Generates a seeded 1,000,000-row CSV (8 columns: identifiers and INSEE codes with leading zeros,
text, decimals, dates, coordinates) with a few deliberate errors, and a Table Schema using types,
required, unique, enum, pattern and minimum. Times, on the same file in the same run:
- territoire: load into DuckDB as all-VARCHAR (read_csv) + validate_table;
- frictionless: `frictionless validate` (the Python API, same thing the CLI runs).
Asserts the same verdict and the same error counts per (kind, column), prints rows/s and the
ratio, and appends the figures to bench/RESULTS.md under "## Schema validation (bench/validate.py)".

Usage: .venv/bin/python bench/validate.py [--rows N] [--keep] [--skip-frictionless]
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from territoire.schemas.validation import validate_table  # noqa: E402

CATEGORIES = ["voirie", "eau", "mobilites", "finances", "social", "culture"]
SCHEMA = {
    "name": "bench-territoire",
    "title": "Banc d'essai de validation",
    "fields": [
        {
            "name": "identifiant",
            "type": "string",
            "constraints": {"required": True, "unique": True, "pattern": "ID-[0-9]{7}"},
        },
        {
            "name": "code_insee",
            "type": "string",
            "constraints": {"required": True, "pattern": "([013-9][0-9]|2[AB1-9])[0-9]{3}"},
        },
        {"name": "libelle", "type": "string", "constraints": {"required": True}},
        {"name": "categorie", "type": "string", "constraints": {"enum": CATEGORIES}},
        {"name": "montant", "type": "number", "constraints": {"minimum": 0}},
        {"name": "date_operation", "type": "date"},
        {"name": "latitude", "type": "number", "constraints": {"minimum": -90, "maximum": 90}},
        {"name": "longitude", "type": "number", "constraints": {"minimum": -180, "maximum": 180}},
    ],
    "missingValues": [""],
}
# row index (0-based data row) -> (column, bad value): the deliberate errors
ERRORS = {
    1_234: ("date_operation", "31/02/2021"),
    55_555: ("montant", "-12.50"),
    99_999: ("categorie", "Voirie"),
    123_456: ("code_insee", "3417"),
    250_000: ("identifiant", "ID-0000042"),  # duplicate of row 42
    400_001: ("libelle", ""),
    600_006: ("latitude", "91.5"),
    777_777: ("montant", "12,5"),
    888_888: ("date_operation", "2021-13-01"),
    999_998: ("categorie", ""),  # allowed: not required
}


def generate(path: Path, rows: int, seed: int = 20240601) -> None:
    rng = random.Random(seed)
    start = datetime.date(2015, 1, 1).toordinal()
    words = [
        "rue",
        "place",
        "avenue",
        "parc",
        "école",
        "mairie",
        "stade",
        "médiathèque",
        "piscine",
        "marché",
    ]
    names = [field["name"] for field in SCHEMA["fields"]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        for i in range(rows):
            department = rng.choice(["01", "05", "13", "2A", "34", "75", "09", "971"])
            code = (department + f"{rng.randint(1, 999):03d}")[:5]
            row = {
                "identifiant": f"ID-{i:07d}",
                "code_insee": code,
                "libelle": f"{rng.choice(words)} {rng.randint(1, 500)}",
                "categorie": rng.choice(CATEGORIES),
                "montant": f"{rng.uniform(0, 100000):.2f}",
                "date_operation": datetime.date.fromordinal(
                    start + rng.randint(0, 3600)
                ).isoformat(),
                "latitude": f"{rng.uniform(41.3, 51.1):.6f}",
                "longitude": f"{rng.uniform(-5.2, 9.6):.6f}",
            }
            if i in ERRORS:
                column, value = ERRORS[i]
                row[column] = value
            writer.writerow([row[name] for name in names])


def run_territoire(path: Path) -> tuple[float, float, object]:
    started, cpu_started = time.perf_counter(), time.process_time()
    con = duckdb.connect()
    # Insertion order is kept, so a row's rowid + 2 is its line (header = 1), the number
    # frictionless reports; row_number() OVER () would cost a single-threaded window.
    con.execute(
        """CREATE TABLE raw_data AS SELECT * FROM read_csv(?, all_varchar=true, header=true, delim=',', quote='"', escape='"')""",
        [str(path)],
    )
    con.execute("CREATE VIEW raw AS SELECT rowid + 2 AS __line__, * FROM raw_data")
    labels = [row[0] for row in con.execute("DESCRIBE raw_data").fetchall()]
    columns = [{"id": label, "label": label, "type": "string"} for label in labels]
    report = validate_table(con, "raw", SCHEMA, columns)
    return time.perf_counter() - started, time.process_time() - cpu_started, report


def run_frictionless(path: Path, schema_path: Path) -> tuple[float, float, object]:
    from frictionless import validate

    started, cpu_started = time.perf_counter(), time.process_time()
    report = validate(
        path.name, basepath=str(path.parent), schema=schema_path.name, limit_errors=10_000_000
    )
    return time.perf_counter() - started, time.process_time() - cpu_started, report


def frictionless_counts(report) -> dict:
    counts = collections.Counter()
    for task in report.tasks:
        for error in task.errors:
            counts[(error.type, getattr(error, "field_name", None))] += 1
    return dict(counts)


def append_results(text: str) -> None:
    results = ROOT / "bench" / "RESULTS.md"
    heading = "## Schema validation (bench/validate.py)"
    current = results.read_text(encoding="utf-8") if results.exists() else "# Benchmarks\n"
    if heading in current:
        before, _, after = current.partition(heading)
        rest = after.split("\n## ", 1)
        tail = ("\n## " + rest[1]) if len(rest) > 1 else ""
        current = before.rstrip() + "\n\n" + text.rstrip() + "\n" + tail
    else:
        current = current.rstrip() + "\n\n" + text.rstrip() + "\n"
    results.write_text(current, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="territoire-bench-validate-"))
    data, schema_path = workdir / "bench.csv", workdir / "schema.json"
    schema_path.write_text(json.dumps(SCHEMA), encoding="utf-8")
    print(f"Generating {args.rows:,} rows in {data} …", flush=True)
    generate(data, args.rows)
    size_mb = data.stat().st_size / 1e6

    # ours is cheap: three runs, the median is reported (the machine may be shared); frictionless
    # runs once. Wall time and CPU time (all threads of the process) are both reported: CPU time
    # is what a busy machine distorts least.
    runs = sorted((run_territoire(data) for _ in range(3)), key=lambda run: run[0])
    ours_seconds, ours_cpu, ours = runs[1]
    ours_rate = args.rows / ours_seconds
    ours_counts = ours.counts()
    print(
        f"territoire : {ours_seconds:7.2f} s wall ({', '.join(f'{r[0]:.2f}' for r in runs)}), {ours_cpu:6.2f} s CPU, "
        f"{ours_rate:12,.0f} rows/s  valid={ours.valid}  errors={ours.error_count}"
    )
    for group in ours.errors_by_kind:
        print("   ", group.message_fr)

    lines = [
        "## Schema validation (bench/validate.py)",
        "",
        f"Run {datetime.datetime.now().isoformat(timespec='minutes')} on {platform.machine()}, "
        f"{os.cpu_count()} CPU (load average {os.getloadavg()[0]:.1f} at the start: the machine was shared), "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}. "
        f"File: {args.rows:,} rows × 8 columns, {size_mb:.0f} MB, {len(ERRORS) - 1} deliberate errors; "
        "schema with types, required, unique, enum, pattern, minimum/maximum.",
        "",
        "| tool | wall s | CPU s | rows/s (wall) | verdict | errors |",
        "|---|---:|---:|---:|---|---:|",
        f"| territoire (DuckDB read_csv all-VARCHAR + validate_table; median of 3) | {ours_seconds:.2f} | {ours_cpu:.2f} | "
        f"{ours_rate:,.0f} | {'valid' if ours.valid else 'invalid'} | {ours.error_count} |",
    ]
    status = 0
    if not args.skip_frictionless:
        print(
            "frictionless validate … (about 20 s per million rows on an idle machine)", flush=True
        )
        theirs_seconds, theirs_cpu, theirs = run_frictionless(data, schema_path)
        theirs_rate = args.rows / theirs_seconds
        theirs_counts = frictionless_counts(theirs)
        print(
            f"frictionless: {theirs_seconds:7.2f} s wall, {theirs_cpu:6.2f} s CPU, {theirs_rate:12,.0f} rows/s  "
            f"valid={theirs.valid}  errors={sum(theirs_counts.values())}"
        )
        ratio, cpu_ratio = theirs_seconds / ours_seconds, theirs_cpu / ours_cpu
        same = ours.valid == theirs.valid and ours_counts == theirs_counts
        print(
            f"ratio: {ratio:.1f}× (wall), {cpu_ratio:.1f}× (CPU); same verdict and counts: {same}"
        )
        if not same:
            for key in sorted(set(ours_counts) | set(theirs_counts), key=str):
                if ours_counts.get(key) != theirs_counts.get(key):
                    print(
                        "   differs:",
                        key,
                        "territoire",
                        ours_counts.get(key),
                        "frictionless",
                        theirs_counts.get(key),
                    )
            status = 1
        lines.append(
            f"| frictionless {__import__('frictionless').__version__} (`validate`, limit_errors off) | {theirs_seconds:.2f} | "
            f"{theirs_cpu:.2f} | {theirs_rate:,.0f} | {'valid' if theirs.valid else 'invalid'} | {sum(theirs_counts.values())} |"
        )
        lines += [
            "",
            f"Ratio: **{ratio:.1f}×** faster than frictionless in wall time, **{cpu_ratio:.1f}×** less CPU. "
            f"Same verdict and same error counts per (kind, column): **{'yes' if same else 'NO'}** "
            f"({', '.join(f'{k[0]} {k[1]}: {v}' for k, v in sorted(ours_counts.items(), key=str))}).",
        ]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak RSS of the benchmark process: {peak_mb:,.0f} MB."]
    print(f"peak RSS {peak_mb:,.0f} MB")
    if not args.no_write:
        append_results("\n".join(lines))
        print("Figures written to bench/RESULTS.md")
    if not args.keep:
        for item in workdir.iterdir():
            item.unlink()
        workdir.rmdir()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
