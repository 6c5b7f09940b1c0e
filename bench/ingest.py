"""Ingestion benchmark: Territoire's stage() against its peers, on the same files, in one run.

    python bench/ingest.py [--rows N] [--big] [--keep]

Generates (into bench/out/, gitignored) a CSV of N rows (default 1,000,000) with eight columns
— INSEE codes with leading zeros, names with accents, amounts, dates, latitude, longitude, a
category, a quantity — in two flavours:

- plain: UTF-8, ``,``, ``1047.29``, ``2000-01-02``;
- French: CP1252, ``;``, ``1 047,29`` (U+00A0 thousands), ``02/01/2000``, ``43,6071``.

Then measures, each in its own child process (peak RSS from ``getrusage(RUSAGE_CHILDREN)``):

- ours: ``territoire.lake.engine.stage()`` end to end (checksum, transcoding, reading, type
  inference over whole columns, typed Parquet, statistics), in its isolated reading process
  (``lake/engine/isolation.py``), then one query on the staged table through that process;
- the same read in the measuring process (``Limits(isolated=False)``): the difference is what
  the isolation costs;
- the floor: DuckDB's own ``COPY (FROM read_csv(…)) TO '….parquet'``, no inference of ours;
- ``sqlite-utils insert --csv`` (type detection on, its default), and whether it kept the
  leading zeros and turned decimal commas into numbers;
- CKAN xloader's published figure: 1,033,882 rows in 206 s, end to end.

``--big`` also generates a ~5 GB plain CSV and checks that stage() ingests it with a peak RSS
under 1.5 GB (needs ~20 GB free disk).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
PYTHON = sys.executable
CKAN_ROWS, CKAN_SECONDS = 1_033_882, 206.0
TARGET_PLAIN, TARGET_FRENCH, TARGET_RSS_MB = 500_000, 250_000, 1536


# --- data -------------------------------------------------------------------------------------

_COLUMNS_PLAIN = """
    lpad(((i * 7919) % 99999)::VARCHAR, 5, '0') AS code_insee,
    'Commune ' || (i % 5000)::VARCHAR || ' Saint-Étienne' AS nom,
    round(((i * 104729) % 10000000) / 100.0, 2)::DECIMAL(12,2) AS montant,
    (DATE '2000-01-01' + (i % 9000)::INT) AS date_acte,
    round(41.5 + ((i * 31) % 95000) / 10000.0, 6) AS latitude,
    round(-4.5 + ((i * 17) % 120000) / 10000.0, 6) AS longitude,
    (['voirie', 'eau', 'mobilités', 'finances', 'social'])[(i % 5) + 1] AS service,
    (i % 1000)::INT AS quantite
"""
_COLUMNS_FRENCH = """
    lpad(((i * 7919) % 99999)::VARCHAR, 5, '0') AS code_insee,
    'Commune ' || (i % 5000)::VARCHAR || ' Saint-Étienne' AS nom,
    replace(replace(format('{:,.2f}', ((i * 104729) % 10000000) / 100.0), ',', chr(160)), '.', ',')
        AS montant,
    strftime(DATE '2000-01-01' + (i % 9000)::INT, '%d/%m/%Y') AS date_acte,
    replace(round(41.5 + ((i * 31) % 95000) / 10000.0, 6)::VARCHAR, '.', ',') AS latitude,
    replace(round(-4.5 + ((i * 17) % 120000) / 10000.0, 6)::VARCHAR, '.', ',') AS longitude,
    (['voirie', 'eau', 'mobilités', 'finances', 'social'])[(i % 5) + 1] AS service,
    (i % 1000)::INT AS quantite
"""


def generate(rows: int, flavour: str) -> Path:
    import duckdb

    path = OUT / f"{flavour}-{rows}.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    tmp = path.with_suffix(".tmp")
    if flavour == "plain":
        con.execute(
            f"COPY (SELECT {_COLUMNS_PLAIN} FROM range({rows}) t(i)) TO '{tmp}' "
            "(HEADER, DELIMITER ',')"
        )
    else:
        utf8 = path.with_suffix(".utf8")
        con.execute(
            f"COPY (SELECT {_COLUMNS_FRENCH} FROM range({rows}) t(i)) TO '{utf8}' "
            "(HEADER, DELIMITER ';')"
        )
        with open(utf8, encoding="utf-8") as src, open(tmp, "w", encoding="cp1252") as dst:
            while chunk := src.read(8 << 20):
                dst.write(chunk)
        utf8.unlink()
    con.close()
    tmp.rename(path)
    return path


# --- children ---------------------------------------------------------------------------------


def _cpu() -> float:
    """CPU seconds of this process and of the reading processes it waited for."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def child_stage(path: str, in_process: bool = False) -> None:
    sys.path.insert(0, str(ROOT.parent / "src"))
    from territoire.lake.engine import IngestOptions, Limits, stage

    work = Path(tempfile.mkdtemp(prefix="work-", dir=OUT))
    options = IngestOptions(limits=Limits(isolated=not in_process))
    try:
        started, cpu = time.perf_counter(), _cpu()
        staged = stage(Path(path), workdir=work, options=options)
        # what the platform then does on the staged table (personal-data scan, validation)
        # goes through the reading process: one query stands for them
        staged.con.execute("SELECT count(*) FROM raw").fetchone()
        seconds = time.perf_counter() - started
        result = {
            "rows": staged.row_count,
            "seconds": seconds,
            "types": {c.id: c.type for c in staged.columns},
            "parquet_bytes": staged.parquet_path.stat().st_size,
            "timings": staged.timings,
        }
        staged.close()  # the reading process ends here: its CPU time is counted from now on
        result["cpu"] = _cpu() - cpu
        result["seconds_with_close"] = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))


def child_floor(path: str, french: bool) -> None:
    import duckdb

    out = Path(tempfile.mkdtemp(prefix="floor-", dir=OUT))
    try:
        con = duckdb.connect()
        options = ", delim = ';', encoding = 'latin-1'" if french else ""
        started, cpu = time.perf_counter(), _cpu()
        con.execute(
            f"COPY (FROM read_csv('{path}'{options})) TO '{out / 'x.parquet'}' (FORMAT parquet)"
        )
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        (rows,) = con.execute(f"SELECT count(*) FROM '{out / 'x.parquet'}'").fetchone()
        con.close()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu}))


def measure(command: list[str]) -> dict:
    """Run ``command`` in a fresh wrapper process; wall time, peak RSS of the child, its JSON."""
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'wall': wall, 'rss_kb': rss, 'code': p.returncode, "
        "'stdout': p.stdout, 'stderr': p.stderr[-2000:]}))\n"
    )
    done = subprocess.run([PYTHON, "-c", wrapper, *command], capture_output=True, text=True)
    data = json.loads(done.stdout)
    if data["code"] != 0:
        raise RuntimeError(f"{command} failed: {data['stderr']}")
    lines = [line for line in data["stdout"].splitlines() if line.startswith("{")]
    data["result"] = json.loads(lines[-1]) if lines else {}
    return data


def sqlite_utils(path: Path, french: bool) -> dict | None:
    exe = shutil.which("sqlite-utils") or str(Path(PYTHON).parent / "sqlite-utils")
    if not Path(exe).exists():
        return None
    db = OUT / f"sqlite-{path.stem}.db"
    db.unlink(missing_ok=True)
    command = [exe, "insert", str(db), "t", str(path), "--csv"]
    if french:
        command += ["--delimiter", ";", "--encoding", "cp1252"]
    data = measure(command)
    con = sqlite3.connect(db)
    code_type, code = con.execute(
        "SELECT typeof(code_insee), code_insee FROM t LIMIT 1 OFFSET 1"
    ).fetchone()
    amount_type = con.execute("SELECT typeof(montant) FROM t LIMIT 1 OFFSET 1").fetchone()[0]
    (rows,) = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    db.unlink(missing_ok=True)
    data["result"] = {
        "rows": rows,
        "seconds": data["wall"],
        "code_insee": f"{code!r} ({code_type})",
        "montant_type": amount_type,
    }
    return data


# --- report -----------------------------------------------------------------------------------


def isolation_cost(rows: int, repeat: int) -> str:
    """Isolated and in-process staging of the same files, interleaved, ``repeat`` times each:
    on a shared machine only such a paired comparison says what the isolation costs."""
    lines = [
        f"isolation cost, {rows:,} rows, {repeat} interleaved runs each, load {os.getloadavg()}"
    ]
    for flavour in ("plain", "french"):
        path = generate(rows, flavour)
        runs: dict[str, list[dict]] = {"isolated": [], "in_process": []}
        for _ in range(repeat):
            for mode in runs:
                extra = ["--in-process"] if mode == "in_process" else []
                runs[mode].append(measure([PYTHON, __file__, "--child-stage", str(path), *extra]))
        for mode, results in runs.items():
            seconds = sorted(r["result"]["seconds"] for r in results)
            cpu = sorted(r["result"]["cpu"] for r in results)
            lines.append(
                f"{flavour:7} {mode:11} wall min {seconds[0]:.2f} s median "
                f"{seconds[len(seconds) // 2]:.2f} s; CPU min {cpu[0]:.2f} s median "
                f"{cpu[len(cpu) // 2]:.2f} s; peak RSS {max(r['rss_kb'] for r in results) / 1024:.0f} MB"
            )
    lines.append(f"load average at the end: {os.getloadavg()}")
    return "\n".join(lines)


def best_of(command: list[str], repeat: int) -> dict:
    """The fastest of ``repeat`` runs (the usual way to read a benchmark on a shared machine:
    other processes can only make a run slower), with the highest peak RSS seen."""
    runs = [measure(command) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["result"]["seconds"])
    return {
        **best["result"],
        "cpu": min(r["result"]["cpu"] for r in runs),
        "rss_mb": max(r["rss_kb"] for r in runs) / 1024,
        "all_seconds": [round(r["result"]["seconds"], 3) for r in runs],
    }


def run(rows: int, repeat: int) -> dict:
    results: dict = {"rows": rows, "repeat": repeat}
    for flavour in ("plain", "french"):
        path = generate(rows, flavour)
        french = flavour == "french"
        entry = {"file": path.name, "bytes": path.stat().st_size}
        entry["ours"] = best_of([PYTHON, __file__, "--child-stage", str(path)], repeat)
        entry["in_process"] = best_of(
            [PYTHON, __file__, "--child-stage", str(path), "--in-process"], repeat
        )
        entry["floor"] = best_of(
            [PYTHON, __file__, "--child-floor", str(path)] + (["--french"] if french else []),
            repeat,
        )
        peer = sqlite_utils(path, french)
        if peer:
            entry["sqlite_utils"] = {**peer["result"], "rss_mb": peer["rss_kb"] / 1024}
        results[flavour] = entry
    return results


def rate(entry: dict) -> float:
    return entry["rows"] / entry["seconds"]


def report(results: dict) -> str:
    ckan = CKAN_ROWS / CKAN_SECONDS
    lines = [
        f"Ingestion benchmark — {results['rows']:,} rows — {time.strftime('%Y-%m-%d %H:%M')} — "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"load average at the end: {os.getloadavg()[0]:.2f}; ours and the floor: best of "
        f"{results.get('repeat', 1)} runs; sqlite-utils: one run",
        "",
        f"{'file':8} {'tool':38} {'wall s':>7} {'CPU s':>6} {'rows/s':>10} {'peak RSS':>9} "
        f"{'ours÷it':>8}",
    ]
    verdicts = []
    for flavour in ("plain", "french"):
        entry = results[flavour]
        ours = rate(entry["ours"])
        rows = [
            ("Territoire stage()", entry["ours"]),
            ("  same, read in this process (no isolation)", entry["in_process"]),
            ("DuckDB COPY read_csv→parquet (floor)", entry["floor"]),
        ]
        if "sqlite_utils" in entry:
            rows.append(("sqlite-utils insert --csv", entry["sqlite_utils"]))
        for name, data in rows:
            cpu = f"{data['cpu']:6.2f}" if "cpu" in data else f"{'':>6}"
            lines.append(
                f"{flavour:8} {name:38} {data['seconds']:7.2f} {cpu} {rate(data):10,.0f} "
                f"{data['rss_mb']:7.0f}MB {ours / rate(data):8.2f}"
            )
        lines.append(
            f"{flavour:8} {'CKAN xloader (published)':38} {CKAN_SECONDS:7.0f} {'':>6} "
            f"{ckan:10,.0f} {'':>9} {ours / ckan:8.1f}"
        )
        floor_ratio = rate(entry["floor"]) / ours
        cpu_ratio = entry["ours"]["cpu"] / entry["floor"]["cpu"]
        target = TARGET_PLAIN if flavour == "plain" else TARGET_FRENCH
        verdicts.append(
            f"{flavour}: {ours:,.0f} rows/s (target ≥ {target:,}: {'met' if ours >= target else 'MISSED'}); "
            f"floor is {floor_ratio:.2f}× faster (target ≤ 5×: {'met' if floor_ratio <= 5 else 'MISSED'}); "
            f"we use {cpu_ratio:.2f}× its CPU"
        )
        if "sqlite_utils" in entry:
            su = entry["sqlite_utils"]
            ratio = ours / rate(su)
            verdicts.append(
                f"{flavour}: {ratio:.1f}× sqlite-utils"
                + (
                    f" (target ≥ 15×: {'met' if ratio >= 15 else 'MISSED'})"
                    if flavour == "plain"
                    else ""
                )
                + f"; sqlite-utils stored code_insee {su['code_insee']}, montant as {su['montant_type']}"
            )
        verdicts.append(f"{flavour}: our types {entry['ours']['types']}")
        verdicts.append(
            f"{flavour}: all runs (s): ours {entry['ours']['all_seconds']}, "
            f"floor {entry['floor']['all_seconds']}"
        )
    if "big" in results:
        big = results["big"]
        verdicts.append(
            f"big: {big['bytes'] / 1e9:.1f} GB, {big['rows']:,} rows in {big['seconds']:.0f} s "
            f"({big['rows'] / big['seconds']:,.0f} rows/s), peak RSS {big['rss_mb']:.0f} MB "
            f"(target < {TARGET_RSS_MB} MB: {'met' if big['rss_mb'] < TARGET_RSS_MB else 'MISSED'})"
        )
    return "\n".join(lines + [""] + verdicts)


def run_big() -> dict:
    free = shutil.disk_usage(OUT).free
    if free < 20e9:
        return {"skipped": f"only {free / 1e9:.0f} GB free, 20 GB needed"}
    rows = 62_000_000  # ~5 GB with these eight columns
    path = generate(rows, "plain")
    data = measure([PYTHON, __file__, "--child-stage", str(path)])
    result = {
        "bytes": path.stat().st_size,
        "rows": data["result"]["rows"],
        "seconds": data["result"]["seconds"],
        "rss_mb": data["rss_kb"] / 1024,
        "timings": data["result"].get("timings"),
        "load_average": os.getloadavg(),
    }
    path.unlink(missing_ok=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours and the floor")
    parser.add_argument("--big", action="store_true", help="also ingest a ~5 GB CSV")
    parser.add_argument("--big-only", action="store_true", help="only the ~5 GB run")
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV files")
    parser.add_argument("--child-stage")
    parser.add_argument("--child-floor")
    parser.add_argument("--french", action="store_true")
    parser.add_argument("--in-process", action="store_true", help="stage without isolation")
    parser.add_argument(
        "--isolation", action="store_true", help="only compare isolated and in-process staging"
    )
    args = parser.parse_args()
    if args.child_stage:
        return child_stage(args.child_stage, args.in_process)
    if args.child_floor:
        return child_floor(args.child_floor, args.french)
    if args.isolation:
        print(isolation_cost(args.rows, args.repeat))
        return None
    if args.big_only:
        big = run_big()
        print(json.dumps(big))
        (OUT / "ingest-big.json").write_text(json.dumps(big, indent=2))
        return None
    results = run(args.rows, args.repeat)
    if args.big:
        results["big"] = run_big()
        if "skipped" in results["big"]:
            print("big:", results["big"]["skipped"])
            del results["big"]
    text = report(results)
    print(text)
    (OUT / "ingest-results.json").write_text(json.dumps(results, indent=2, default=str))
    if not args.keep:
        for flavour in ("plain", "french"):
            (OUT / f"{flavour}-{args.rows}.csv").unlink(missing_ok=True)
    _ = resource  # imported for the wrapper's documentation


if __name__ == "__main__":
    main()
