"""Rate-limit benchmark: what one counted request costs in each store (core.ratelimit).

    python bench/ratelimit.py [--hits N] [--postgres URL] [--redis URL] [--no-write]

Times ``ratelimit.hit`` (the API's and the portal's counter: one upsert, or one Redis MULTI) and
``ratelimit.attempt`` (the login lock: a locked read-modify-write) on SQLite (a temporary
TERRITOIRE_HOME, WAL, as the embedded default), on PostgreSQL (a scratch database created beside
the one ``--postgres`` names, then dropped) and on Redis (``--redis``, keys under a random prefix,
then deleted). One process, ``N`` hits (default 2000) spread over 100 keys, then 4 processes
hitting one key together (the contended row of a busy address). With ``--no-write`` the figures
are printed only; otherwise the "## Rate limits" section of bench/RESULTS.md is replaced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from processes import drop_database, in_process, scratch_database

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "RESULTS.md"


def _setup(home: str, database_url: str | None, redis_url: str | None) -> None:
    os.environ["TERRITOIRE_HOME"] = home
    os.environ["SECRET_KEY"] = "bench-" + "x" * 40
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoire.settings.base")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT.parent / "src"))
    import django

    django.setup()


def _time(function, n: int) -> list[float]:
    times = []
    for i in range(n):
        started = time.perf_counter()
        function(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _worker(args) -> list[float]:
    home, database_url, redis_url, prefix, n = args
    _setup(home, database_url, redis_url)
    from territoire.core import ratelimit

    return _time(lambda i: ratelimit.hit(f"{prefix}:shared", "1000000/3600"), n)


def measure(name: str, home: str, database_url, redis_url, hits: int) -> dict:
    _setup(home, database_url, redis_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from territoire.core import ratelimit

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    _time(lambda i: ratelimit.hit(f"{prefix}:warm:{i}", "10/60"), 50)
    hit = _time(lambda i: ratelimit.hit(f"{prefix}:api:{i % 100}", "1000000/3600"), hits)
    attempt = _time(
        lambda i: ratelimit.attempt(f"{prefix}:login:{i % 100}", limit=10**6, window=900),
        max(hits // 4, 100),
    )
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_worker, [(home, database_url, redis_url, prefix, hits // 4)] * 4)
    contended = [t for r in results for t in r]
    # the processes' start-up is left out: the slowest one's time spent counting
    elapsed = max(sum(r) for r in results) / 1000
    if redis_url:
        client = ratelimit.store().client
        for key in client.scan_iter(f"{ratelimit.REDIS_PREFIX}*{prefix}*"):
            client.delete(key)
    return {
        "store": name,
        "hit_median": statistics.median(hit),
        "hit_p95": statistics.quantiles(hit, n=20)[18],
        "attempt_median": statistics.median(attempt),
        "contended_median": statistics.median(contended),
        "contended_p95": statistics.quantiles(contended, n=20)[18],
        "contended_rate": len(contended) / elapsed,
    }


def report(rows: list[dict], hits: int) -> str:
    now = dt.datetime.now()
    load = os.getloadavg()[0]
    lines = [
        "## Rate limits (bench/ratelimit.py)",
        "",
        f"Run {now:%Y-%m-%dT%H:%M} local time on {platform.machine()}, {os.cpu_count()} CPU "
        f"(load average {load:.1f} at the start), Python {platform.python_version()}. "
        f"One process: {hits} counted requests over 100 keys (`hit`: the API's and portal's "
        "counter), then the login lock (`attempt`). Contended: 4 processes counting on one key "
        "together (one busy address); hits/s: all their hits over the time the slowest spent "
        "counting.",
        "",
        "| store | hit median ms | hit p95 ms | attempt median ms | contended median ms "
        "| contended p95 ms | contended hits/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['store']} | {r['hit_median']:.2f} | {r['hit_p95']:.2f} | "
            f"{r['attempt_median']:.2f} | {r['contended_median']:.2f} | {r['contended_p95']:.2f} | "
            f"{r['contended_rate']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def write(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Rate limits.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=2000)
    parser.add_argument("--postgres", help="postgres://… of a server where a scratch DB may go")
    parser.add_argument("--redis", help="redis://… (keys are removed afterwards)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="territoire-bench-ratelimit-")
    rows = []
    try:
        rows.append(in_process(measure, "database: SQLite (WAL)", home, None, None, args.hits))
        if args.postgres:
            url, name = scratch_database(args.postgres)
            try:
                rows.append(in_process(measure, "database: PostgreSQL", home, url, None, args.hits))
            finally:
                drop_database(args.postgres, name)
        if args.redis:
            rows.append(in_process(measure, "Redis", home, None, args.redis, args.hits))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    section = report(rows, args.hits)
    print(section)
    if not args.no_write:
        write(section)


if __name__ == "__main__":
    main()
