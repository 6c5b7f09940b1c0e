"""Serving from the first request (issue 10): Territoire as a user runs it against Datasette in its
best configuration, in one run.

Protocol (``python bench/serving.py [--rows N] [--datasets 20] [--workers W]``):

- the benchmark table of ``bench/records.py`` (1,000,000 rows by default) ingested with
  ``territoire ingest … --publish`` (its report's timings say where the time went), Datasette on
  the same rows in SQLite with the indexes and FTS table ``bench/records.py`` builds;
- **after restart**: for each query, both servers are restarted (``territoire serve`` with its
  default workers) and the first request of that query is timed;
- **after a new version**: a new version of the table is ingested while the server runs, and the
  first request of each query on it is timed;
- **warm**: median of 15 requests after 2 warm-up requests, a new connection each (no keep-alive);
- **20 datasets**: the table ingested under 20 slugs, then 8 clients send a mix of the queries
  over all of them (so that nothing is warm by luck) for ``--seconds``: p50/p95/p99 and requests per
  second, then the resident memory of the web processes (gunicorn master and workers);
- throughput with 8 clients on one dataset: record lookups and filtered pages, as
  ``bench/records.py`` measures them.

Nothing here is a pass/fail test; figures go to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import records as rb  # noqa: E402 - the records benchmark's table, servers and queries

OUT = rb.ROOT / "out" / "serving"
FIRST = [
    "first page with total count",
    "equality filter",
    "sort",
    "record by id",
    "bounding box with count",
    "full-text search with count",
]


def _ingest(home: Path, csv_path: Path, slug: str, settings: dict | None = None) -> dict:
    """``territoire ingest … --publish --json`` of the file under ``slug`` (``settings``: more
    environment variables); its report."""
    env = rb._territoire_env(home)
    env.update(settings or {})
    done = subprocess.run(
        [
            rb.TERRITOIRE,
            "ingest",
            str(csv_path),
            "--dataset",
            slug,
            "--title",
            slug,
            "--publish",
            "--json",
        ],  # fmt: skip
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"ingestion of {slug} failed: {done.stdout[-1500:]} {done.stderr[-1500:]}"
        )
    return json.loads(done.stdout)


def setup(rows: int, datasets: int) -> tuple[Path, dict, list[dict]]:
    files = rb.generate(rows)
    home = OUT / f"rows-{rows}" / "home"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    env = rb._territoire_env(home)
    subprocess.run([rb.TERRITOIRE, "migrate", "--verbosity", "0"], env=env, check=True)
    script = (
        "from territoire.accounts.models import User\n"
        "from territoire.organizations.models import Organization\n"
        "Organization.objects.create(name='Métropole', slug='metropole', siren='243400017')\n"
        "u = User.objects.create(username='officer', role='data_officer', email='o@example.fr')\n"
        "u.set_password('bench-only-password-42'); u.save()\n"
    )
    subprocess.run([rb.TERRITOIRE, "shell", "-c", script], env=env, check=True)
    reports = []
    for n in range(datasets):
        slug = rb.SLUG if n == 0 else f"{rb.SLUG}-{n}"
        started = time.monotonic()
        report = _ingest(home, files["csv"], slug)
        reports.append({"slug": slug, "seconds": time.monotonic() - started, "report": report})
        print(f"  ingested {slug} in {reports[-1]['seconds']:.1f} s", flush=True)
    return home, files, reports


def _once(port: int, path: str) -> tuple[int, bytes, float]:
    client = rb.Client(port)  # a new connection: no keep-alive
    try:
        return client.get(path)
    finally:
        client.close()


def _start_t(home: Path, port: int, workers: int | None):
    command = [rb.TERRITOIRE, "serve", "--host", "127.0.0.1", "--port", str(port),
               "--no-collectstatic"]  # fmt: skip
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command,
        env=rb._territoire_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    rb._wait(port, "/api/v1/")
    return process


def _start_d(db: Path, port: int):
    process, version = rb.start_datasette(db, port)
    rb._wait(port, "/-/versions.json")
    return process, version


def after_restart(home, files, cases, workers) -> dict:
    out = {}
    for case in cases:
        port_t, port_d = rb._free_port(), rb._free_port()
        t = _start_t(home, port_t, workers)
        d, _ = _start_d(files["sqlite"], port_d)
        try:
            status_t, _, seconds_t = _once(port_t, case.territoire(0))
            status_d, _, seconds_d = _once(port_d, case.datasette(0))
            assert status_t == 200 and status_d == 200, (case.name, status_t, status_d)
            out[case.name] = {"territoire": seconds_t * 1000, "datasette": seconds_d * 1000}
        finally:
            rb.stop(t)
            rb.stop(d)
        print(f"  after restart {case.name:32} T {out[case.name]['territoire']:7.1f} ms"
              f"  D {out[case.name]['datasette']:7.1f} ms", flush=True)  # fmt: skip
    return out


def warm(port_t: int, port_d: int, cases, repeat: int = 15) -> dict:
    out = {}
    for case in cases:
        entry = {}
        for label, port, make in (("territoire", port_t, case.territoire),
                                  ("datasette", port_d, case.datasette)):  # fmt: skip
            for i in range(2):
                _once(port, make(9000 + i))
            times = []
            for i in range(repeat):
                status, _, seconds = _once(port, make(i))
                assert status == 200, (case.name, label, status)
                times.append(seconds * 1000)
            entry[label] = statistics.median(times)
        out[case.name] = entry
        print(f"  warm {case.name:40} T {entry['territoire']:7.2f} ms  D {entry['datasette']:7.2f} ms",
              flush=True)  # fmt: skip
    return out


def new_version(home: Path, files: dict, port_t: int, cases) -> dict:
    """A new version of the table (one more row) ingested while the server runs; the first
    request of each query on it."""
    changed = files["csv"].with_name("travaux-v2.csv")
    shutil.copyfile(files["csv"], changed)
    with changed.open("a", encoding="utf-8") as handle:
        handle.write("99999999,34172,Réfection de la chaussée rue Foch n° 1,voirie,prévu,"
                     "1.00,2020-01-01,\"43.600000,3.870000\"\n")  # fmt: skip
    report = _ingest(home, changed, rb.SLUG)
    out = {"ingest_seconds": report.get("seconds")}
    for case in cases:
        status, _, seconds = _once(port_t, case.territoire(1))
        assert status == 200, (case.name, status)
        out[case.name] = seconds * 1000
        print(f"  new version {case.name:34} T {out[case.name]:7.1f} ms", flush=True)
    return out


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process and its children (gunicorn's master and workers), summed:
    ``VmRSS`` (every page each process has resident, the pages they share counted once per
    process), ``RssFile`` (the part of it that is file pages: libraries, mapped files) or ``Pss``
    (each shared page divided between the processes that share it: what the processes together
    hold, the fair total)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for p in pids:
        source = "smaps_rollup" if field == "Pss" else "status"
        try:
            for line in Path(f"/proc/{p}/{source}").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def mix(port_t: int, slugs: list[str], rows: int, seconds: float, clients: int = 8) -> dict:
    """8 clients, each request a random query on a random dataset (keep-alive per client)."""
    rnd = random.Random(7)
    shapes = [
        lambda s, i: rb.q(f"/api/v1/datasets/{s}/records", limit=20),
        lambda s, i: rb.q(
            f"/api/v1/datasets/{s}/records", where=f'service = "{rb.SERVICES[i % 10]}"', limit=20
        ),  # fmt: skip
        lambda s, i: rb.q(f"/api/v1/datasets/{s}/records", order_by="montant desc", limit=20),
        lambda s, i: f"/api/v1/datasets/{s}/records/{1 + (i * 7919) % rows}",
        lambda s, i: rb.q(
            f"/api/v1/datasets/{s}/records",
            where="in_bbox(geo_point_2d, 44, 1, 44.5, 1.5)",
            limit=20,
        ),  # fmt: skip
        lambda s, i: rb.q(
            f"/api/v1/datasets/{s}/records",
            where=f'search(libelle, "{rb.SEARCH_WORDS[i % 22]}")',
            limit=20,
        ),  # fmt: skip
        lambda s, i: rb.q(
            f"/api/v1/datasets/{s}/facets",
            facet=["service", "statut"],
            where=f"montant > {1000 + i * 37}",
        ),  # fmt: skip
    ]
    plan = [(rnd.choice(slugs), rnd.choice(shapes), i) for i in range(200_000)]
    times, errors, lock = [], [], threading.Lock()
    position = iter(range(len(plan)))
    deadline = time.monotonic() + seconds

    def work():
        client = rb.Client(port_t)
        while time.monotonic() < deadline:
            with lock:
                k = next(position)
            slug, shape, i = plan[k]
            status, _, elapsed = client.get(shape(slug, i))
            with lock:
                (times if status == 200 else errors).append(
                    elapsed * 1000 if status == 200 else status
                )
        client.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    return {
        "requests": len(times),
        "errors": len(errors),
        "rps": len(times) / seconds,
        "p50": times[len(times) // 2],
        "p95": times[int(len(times) * 0.95)],
        "p99": times[int(len(times) * 0.99)],
        "max": times[-1],
    }


def report(meta, ingests, restart, version, warmed, mixed, rates) -> str:
    first = ingests[0]["report"]
    timings = first.get("timings", {})
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in timings.items() if isinstance(v, float))
    lines = [
        f"Run {meta['date']}, {meta['cpus']} CPU, load before/after {meta['load_before']} / "
        f"{meta['load_after']}; {meta['rows']:,} rows; `territoire serve` default workers "
        f"({meta['workers'] or 'default'}); {meta['datasette']}.",
        "",
        f"Ingestion end to end (`territoire ingest --publish`, process included): "
        f"{ingests[0]['seconds']:.1f} s = {meta['rows'] / ingests[0]['seconds']:,.0f} rows/s; "
        f"steps: {steps}.",
        "",
        "| query | T after restart | D after restart | T after new version | T warm | D warm | warm ratio D/T |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in warmed.items():
        r = restart.get(name, {})
        lines.append(
            f"| {name} | {r.get('territoire', float('nan')):.1f} ms | "
            f"{r.get('datasette', float('nan')):.1f} ms | {version.get(name, float('nan')):.1f} ms | "
            f"{entry['territoire']:.2f} ms | {entry['datasette']:.2f} ms | "
            f"{entry['datasette'] / entry['territoire']:.1f}× |"
        )
    lines += [
        "",
        f"Mix over {meta['datasets']} datasets of {meta['rows']:,} rows, 8 clients, "
        f"{meta['seconds']:.0f} s: {mixed['rps']:.0f} req/s, p50 {mixed['p50']:.1f} ms, "
        f"p95 {mixed['p95']:.1f} ms, p99 {mixed['p99']:.1f} ms, slowest {mixed['max']:.1f} ms, "
        f"{mixed['errors']} errors; resident memory of the web "
        f"processes after it: {meta['rss_mb']:.0f} MB summed over the processes (PSS, shared pages "
        f"counted once: {meta['pss_mb']:.0f} MB), of which {meta['rss_file_mb']:.0f} MB file "
        "pages (the page cache, shared between processes but counted in each).",
    ]
    for name, r in rates.items():
        lines.append(
            f"Throughput, 8 clients, {name}: Territoire {r['territoire']['rps']:.0f} req/s, "
            f"Datasette {r['datasette']['rps']:.0f} req/s."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="default: territoire's own")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    home, files, ingests = setup(args.rows, args.datasets)
    cases = [c for c in rb.cases(args.rows)]
    firsts = [c for c in cases if c.name in FIRST]
    restart = after_restart(home, files, firsts, args.workers)
    port_t, port_d = rb._free_port(), rb._free_port()
    t = _start_t(home, port_t, args.workers)
    d, datasette_version = _start_d(files["sqlite"], port_d)
    try:
        warmed = warm(port_t, port_d, cases)
        rates = rb.throughputs(port_t, port_d, args.rows, 10.0)
        slugs = [i["slug"] for i in ingests]
        mixed = mix(port_t, slugs, args.rows, args.seconds)
        rss, rss_file, pss = _rss_mb(t.pid), _rss_mb(t.pid, "RssFile"), _rss_mb(t.pid, "Pss")
        version = new_version(home, files, port_t, firsts)
    finally:
        rb.stop(t)
        rb.stop(d)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cpus": os.cpu_count(),
        "rows": args.rows,
        "datasets": args.datasets,
        "workers": args.workers,
        "seconds": args.seconds,
        "datasette": datasette_version,
        "load_before": load_before,
        "load_after": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "rss_mb": rss,
        "rss_file_mb": rss_file,
        "pss_mb": pss,
    }
    text = report(meta, ingests, restart, version, warmed, mixed, rates)
    (OUT / "report.md").write_text(text + "\n")
    (OUT / "raw.json").write_text(json.dumps(
        {"meta": meta, "ingests": ingests, "restart": restart, "version": version,
         "warm": warmed, "mix": mixed, "rates": rates}, default=str, indent=1))  # fmt: skip
    print(text)


if __name__ == "__main__":
    main()
