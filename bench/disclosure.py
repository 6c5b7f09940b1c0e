"""Disclosure-control benchmark (issue 14: 1,000,000 rows aggregated and protected in ≤ 2 s).

Generates seeded microdata of 1,000,000 people in DuckDB — commune (an EPCI's 40 communes,
sizes from a power law, so small communes exist) × category (12, skewed) — then times:

1. protect: aggregation of the rows by commune × category (with all totals), primary rule
   (threshold 11), hypercube complements, LP verification of every hidden cell (HiGHS), report;
   also a harder table (100 communes × 20 categories, hundreds of small cells);
2. pseudonymise: the HMAC-SHA-256 UDF over 1,000,000 rows (all distinct; 50,000 distinct);
3. k-anonymity / l-diversity with DuckDB over 1,000,000 rows and about 40,000 groups, and,
   with ``--pycanon-python PATH`` (a Python where pycanon is installed: it needs pandas, which
   the platform does not), the same with pycanon on the same Parquet file.

Prints wall and CPU time with the load average (the machine may be shared: say so beside any
figure). Writes nothing but a temporary Parquet file.

Usage: .venv/bin/python bench/disclosure.py [--rows N] [--pycanon-python /path/to/python]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from territoire.trust.disclosure import (  # noqa: E402
    AnonymityConfig,
    DisclosureConfig,
    check_anonymity,
    protect_microdata,
)
from territoire.trust.disclosure.transforms import (  # noqa: E402
    PseudonymKey,
    TransformPlan,
    apply_plan,
)

PYCANON = """
import json, sys, time
import pandas as pd
from pycanon import anonymity
df = pd.read_parquet(sys.argv[1])
qi, sa = ["age", "commune", "sexe"], ["diagnostic"]
t = time.perf_counter(); k = anonymity.k_anonymity(df, qi); tk = time.perf_counter() - t
t = time.perf_counter(); l = anonymity.l_diversity(df, qi, sa); tl = time.perf_counter() - t
print(json.dumps({"k": int(k), "l": int(l), "k_seconds": tk, "l_seconds": tl}))
"""


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(label: str, function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label}: {wall:.3f} s wall, {cpu:.3f} s CPU (load {load()})")
    return result


def people(con, rows: int, communes: int, categories: int, a: float, b: float) -> None:
    """Rows drawn with weights 1/rank**a over communes and 1/rank**b over categories."""
    con.execute(
        "CREATE OR REPLACE TABLE weights_c AS SELECT i AS rank, 1 / pow(i + 1, ?) AS w "
        "FROM range(?) t(i)",
        [a, communes],
    )
    con.execute(
        "CREATE OR REPLACE TABLE weights_k AS SELECT i AS rank, 1 / pow(i + 1, ?) AS w "
        "FROM range(?) t(i)",
        [b, categories],
    )
    con.execute("SELECT setseed(0.14)")
    con.execute(
        """
        CREATE OR REPLACE TABLE people AS
        WITH c AS (SELECT rank, sum(w) OVER (ORDER BY rank) / sum(w) OVER () AS upto
                   FROM weights_c),
             k AS (SELECT rank, sum(w) OVER (ORDER BY rank) / sum(w) OVER () AS upto
                   FROM weights_k),
             draws AS (SELECT i, random() AS u, random() AS v FROM range(?) t(i))
        SELECT printf('34%03d', (SELECT min(rank) FROM c WHERE upto >= u)) AS commune,
               printf('categorie_%02d', (SELECT min(rank) FROM k WHERE upto >= v)) AS categorie
        FROM draws
        """,
        [rows],
    )


def bench_protect(con, rows: int, communes: int, categories: int, a: float, b: float) -> dict:
    people(con, rows, communes, categories, a, b)
    config = DisclosureConfig(dimensions=("commune", "categorie"))
    protected = timed(
        f"protect {rows:,} rows, {communes} communes × {categories} categories",
        lambda: protect_microdata(con, "people", config),
    )
    report = protected.report
    figures = {
        "cells": report.cells,
        "primary": len(report.primary),
        "secondary": len(report.secondary),
        "narrowest_interval": report.narrowest,
    }
    print("  ", json.dumps(figures))
    return figures


def bench_pseudonyms(con, rows: int) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE ids AS SELECT printf('%015d', i * 7919) AS nir, "
        "printf('F%06d', i % 50000) AS foyer FROM range(?) t(i)",
        [rows],
    )
    key = PseudonymKey(os.urandom(32))
    for column, what in (("nir", "all distinct"), ("foyer", "50,000 distinct")):
        compiled = apply_plan(
            con, TransformPlan.from_json([{"op": "pseudonymise", "column": column}]), "ids", key=key
        )
        timed(
            f"pseudonymise {rows:,} rows ({what})",
            lambda compiled=compiled: con.execute(
                f"CREATE OR REPLACE TABLE pseudonymised AS {compiled.sql}", compiled.params
            ),
        )


def bench_anonymity(con, rows: int, pycanon_python: str | None) -> None:
    con.execute("SELECT setseed(0.5)")
    con.execute(
        """
        CREATE OR REPLACE TABLE patients AS
        SELECT CAST(floor(random() * 100) AS INTEGER) AS age,
               printf('34%03d', CAST(floor(random() * 200) AS INTEGER)) AS commune,
               CASE WHEN random() < 0.5 THEN 'F' ELSE 'H' END AS sexe,
               printf('diag_%02d', CAST(floor(random() * 30) AS INTEGER)) AS diagnostic
        FROM range(?)
        """,
        [rows],
    )
    config = AnonymityConfig(("age", "commune", "sexe"), ("diagnostic",), k=5, l=2)
    result = timed(
        f"k-anonymity and l-diversity (DuckDB), {rows:,} rows",
        lambda: check_anonymity(con, "patients", config),
    )
    print(f"   k = {result.k}, l = {result.l}, {result.classes:,} groups")
    if not pycanon_python:
        print("   pycanon: not run (give --pycanon-python)")
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "patients.parquet"
        con.execute(f"COPY patients TO '{path}' (FORMAT parquet)")
        started = time.perf_counter()
        answer = subprocess.run(
            [pycanon_python, "-c", PYCANON, str(path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=3600,
        )
        total = time.perf_counter() - started
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    print(
        f"   pycanon: k = {figures['k']} in {figures['k_seconds']:.1f} s, "
        f"l = {figures['l']} in {figures['l_seconds']:.1f} s ({total:.1f} s with loading; "
        f"load {load()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pycanon-python", default=None)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["hard", "pseudonyms", "anonymity"]
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU, DuckDB {duckdb.__version__}, load {load()} at the start")
    con = duckdb.connect()
    bench_protect(con, args.rows, 40, 12, 1.5, 2.0)
    if "hard" not in args.skip:
        bench_protect(con, args.rows, 100, 20, 1.3, 1.6)
    if "pseudonyms" not in args.skip:
        bench_pseudonyms(con, args.rows)
    if "anonymity" not in args.skip:
        bench_anonymity(con, args.rows, args.pycanon_python)


if __name__ == "__main__":
    main()
