"""Ingestion end to end as a user runs it: ``territoire ingest FILE --dataset … --publish --json``
in a fresh process on a migrated data directory, the serving file included (issue 10).

    python bench/ingest_cli.py [--rows N] [--repeat 3] [--skip-frictionless]

On the files of ``bench/ingest.py`` (plain and French CSV, 1,000,000 rows by default) and on the
file of ``bench/validate.py`` with its Table Schema, each ingested ``--repeat`` times into new
datasets (best run kept):

- with the default serving structures, and with ``TERRITOIRE_SERVING_STRUCTURES=none`` (the rows
  only): the difference is what the structures cost;
- the report's ``timings`` (seconds per step: staging — itself split into reading, typing,
  writing Parquet, statistics —, validation, personal-data scan, hashing, serving file,
  placement, commit) and the process's start-up (wall time minus the report's own seconds);
- ``frictionless validate`` alone on the schema file, for the ratio the issue asks.

Prints a Markdown table for bench/RESULTS.md; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import ingest as ib  # noqa: E402 - the ingestion benchmark's generated files
import validate as vb  # noqa: E402 - the validation benchmark's file and schema

OUT = ROOT / "out" / "ingest-cli"
TERRITOIRE = Path(sys.executable).parent / "territoire"


def _env(home: Path, structures: str | None) -> dict:
    env = dict(os.environ)
    env.update(
        TERRITOIRE_HOME=str(home),
        DATABASE_URL=f"sqlite:///{home / 'territoire.sqlite3'}",
        SECRET_KEY="bench-ingest-only-" + "x" * 40,
        LOG_LEVEL="WARNING",
    )
    if structures is not None:
        env["TERRITOIRE_SERVING_STRUCTURES"] = structures
    return env


def fresh_home() -> Path:
    home = OUT / "home"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    env = _env(home, None)
    subprocess.run([TERRITOIRE, "migrate", "--verbosity", "0"], env=env, check=True)
    script = (
        "from territoire.accounts.models import User\n"
        "from territoire.organizations.models import Organization\n"
        "Organization.objects.create(name='Métropole', slug='metropole', siren='243400017')\n"
        "User.objects.create(username='officer', role='data_officer', email='o@example.fr')\n"
    )
    subprocess.run([TERRITOIRE, "shell", "-c", script], env=env, check=True)
    return home


def ingest(home: Path, path: Path, slug: str, structures: str | None, schema: Path | None):
    command = [TERRITOIRE, "ingest", str(path), "--dataset", slug, "--title", slug, "--json"]
    if schema is not None:
        command += ["--schema", str(schema)]
    else:
        command += ["--publish"]
    started = time.perf_counter()
    done = subprocess.run(command, env=_env(home, structures), capture_output=True, text=True)
    wall = time.perf_counter() - started
    report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    if report.get("status") != "created":
        raise RuntimeError(f"{slug}: {done.stdout[-1500:]} {done.stderr[-1500:]}")
    return {"wall": wall, "report": report}


def best(home, path, label, structures, schema, repeat, counter) -> dict:
    runs = []
    for _ in range(repeat):
        counter[0] += 1
        runs.append(ingest(home, path, f"{label}-{counter[0]}", structures, schema))
    return min(runs, key=lambda r: r["wall"])


def _steps(run: dict) -> str:
    timings = run["report"].get("timings", {})
    startup = run["wall"] - float(run["report"].get("seconds") or 0)
    parts = [f"start-up {startup:.2f}"]
    for step, seconds in timings.items():
        if isinstance(seconds, int | float):
            parts.append(f"{step} {seconds:.2f}")
    inner = []
    for name in ("staging", "serving"):
        steps = timings.get(f"{name}_steps") or {}
        found = ", ".join(
            f"{k} {v:.2f}"
            for k, v in steps.items()
            if isinstance(v, int | float) and "_cpu" not in k and k != "total"
        )
        if found:
            inner.append(f"{name}: {found}")
    return "; ".join(parts) + (f" ({'; '.join(inner)})" if inner else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-frictionless", action="store_true")
    args = parser.parse_args()
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    plain, french = ib.generate(args.rows, "plain"), ib.generate(args.rows, "french")
    OUT.mkdir(parents=True, exist_ok=True)
    schema_file = OUT / f"validate-{args.rows}.csv"
    if not schema_file.exists():
        vb.generate(schema_file, args.rows)
    schema_path = OUT / "schema.json"
    schema_path.write_text(json.dumps(vb.SCHEMA, ensure_ascii=False))
    home = fresh_home()
    counter = [0]
    results = {}
    for name, path, schema in (("plain", plain, None), ("French", french, None),
                               ("Table Schema", schema_file, schema_path)):  # fmt: skip
        for structures in (None, "none"):
            label = f"{name}, {'rows only' if structures else 'default structures'}"
            run = best(home, path, name.lower().replace(" ", "-"), structures, schema,
                       args.repeat, counter)  # fmt: skip
            results[label] = run
            print(f"  {label:40} {run['wall']:6.2f} s  {args.rows / run['wall']:10,.0f} rows/s",
                  flush=True)  # fmt: skip
    frictionless = None
    if not args.skip_frictionless:
        seconds, _cpu, _report = vb.run_frictionless(schema_file, schema_path)
        frictionless = seconds
        print(f"  frictionless validate alone              {seconds:6.2f} s", flush=True)
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPU, load before/after "
        f"{load_before} / {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.rows:,} rows; "
        f"best of {args.repeat}; wall time of the whole `territoire ingest` process.",
        "",
        "| file | seconds | rows/s | where the time went (s) |",
        "|---|---:|---:|---|",
    ]
    for label, run in results.items():
        lines.append(
            f"| {label} | {run['wall']:.2f} | {args.rows / run['wall']:,.0f} | {_steps(run)} |"
        )
    if frictionless:
        ours = results["Table Schema, default structures"]["wall"]
        lines += [
            "",
            f"`frictionless validate` alone on the schema file: {frictionless:.2f} s; "
            f"`territoire ingest --schema` end to end: {ours:.2f} s ({frictionless / ours:.1f}× "
            "faster, serving file included).",
        ]
    text = "\n".join(lines)
    (OUT / "report.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
