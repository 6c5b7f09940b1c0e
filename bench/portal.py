"""Portal benchmark: server time and page weight of the home, search and dataset pages.

    python bench/portal.py [--requests N] [--no-write]

Builds the demo territory (territoire.demo.services.demo_build: Montpellier Méditerranée
Métropole, its 31 communes with boundaries, and its real datasets ingested into the lake) into a
temporary TERRITOIRE_HOME with an SQLite database, then sends N requests (default 200) per page
through Django's test Client — the whole middleware stack, templates and DuckDB queries, without
a network or a WSGI server — and reports the median and 95th percentile server time, the HTML
size and the size of the CSS and JavaScript each page loads. The target is a median under
100 ms. With ``--no-write`` the figures are printed only; otherwise the "## Portal" section of
bench/RESULTS.md is replaced (other sections are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "RESULTS.md"
TARGET_MS = 100.0


def _setup(home: Path) -> None:
    os.environ["TERRITOIRE_HOME"] = str(home)
    os.environ["TERRITOIRE_DEMO"] = "1"
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoire.settings.base")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # The portal's throttle (core.ratelimit) would stop one client asking hundreds of pages.
    os.environ.setdefault("TERRITOIRE_PORTAL_RATE", "1000000000/1")
    sys.path.insert(0, str(ROOT.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from territoire.demo.services import demo_build

    started = time.perf_counter()
    demo_build(password="bench-password-not-secret")  # noqa: S106 - a throwaway database
    print(f"demo built in {time.perf_counter() - started:.1f} s", file=sys.stderr)


PAGES = [
    ("home", "/"),
    ("catalogue, no query", "/jeux-de-donnees/"),
    ("search: query", "/jeux-de-donnees/?q=deliberations"),
    (
        "search: query + facets + sort",
        "/jeux-de-donnees/?q=montpellier&theme=GOVE&licence=etalab-2.0&tri=titre",
    ),
    ("dataset: budget (1,448 rows), table + chart", "/jeux-de-donnees/budget-primitif-2014/"),
    (
        "dataset: budget, filtered + sorted",
        "/jeux-de-donnees/budget-primitif-2014/?f-libelle_fonction=ecoles&min-bp=10000&tri=-bp",
    ),
    ("dataset: defibrillators, table + map (167 points)", "/jeux-de-donnees/defibrillateurs/"),
    ("dataset: deliberations, page 5", "/jeux-de-donnees/deliberations-conseil-municipal/?page=5"),
]


def _assets(client, html: str) -> int:
    total = 0
    for path in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html))):
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        total += len(body)
    return total


def measure(requests: int) -> list[dict]:
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0 (bench) Firefox/140.0")
    rows = []
    for name, path in PAGES:
        response = client.get(path)  # warm: templates, DuckDB connection, memo
        assert response.status_code == 200, (path, response.status_code)
        html = response.content.decode()
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        rows.append(
            {
                "page": name,
                "path": path,
                "median_ms": statistics.median(times),
                "p95_ms": times[int(len(times) * 0.95) - 1],
                "html_bytes": len(response.content),
                "assets_bytes": _assets(client, html),
                "queries": len(queries),
            }
        )
        print(
            f"{name:55s} median {rows[-1]['median_ms']:6.1f} ms  p95 {rows[-1]['p95_ms']:6.1f} ms"
            f"  html {rows[-1]['html_bytes'] / 1024:6.1f} KiB  {rows[-1]['queries']} SQL queries",
            file=sys.stderr,
        )
    return rows


def report(rows: list[dict], requests: int) -> str:
    import duckdb

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "## Portal (bench/portal.py)",
        "",
        f"Run {dt.datetime.now().isoformat(timespec='minutes')} on {platform.machine()}, "
        f"{os.cpu_count()} CPU (load average {load:.1f} at the start: the machine was shared), "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, SQLite. Demo territory "
        "(Montpellier Méditerranée Métropole, 31 communes, its real datasets in the lake). "
        f"{requests} requests per page through Django's test Client (middleware, templates, "
        "app-database and DuckDB queries; no network, no WSGI server), one process, warm. "
        "Page weight: HTML as served (uncompressed) + the CSS and JS it loads.",
        "",
        "| page | median ms | p95 ms | HTML KiB | CSS+JS KiB | SQL queries |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} (`{r['path']}`) | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['html_bytes'] / 1024:.1f} | {r['assets_bytes'] / 1024:.1f} | {r['queries']} |"
        )
    worst = max(r["median_ms"] for r in rows)
    verdict = "met" if worst < TARGET_MS else "NOT met"
    lines += [
        "",
        f"Target: median under {TARGET_MS:.0f} ms on every page — **{verdict}** "
        f"(slowest median {worst:.1f} ms).",
        "",
    ]
    return "\n".join(lines)


def write(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Portal.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="territoire-bench-portal-"))
    try:
        _setup(home)
        rows = measure(args.requests)
        section = report(rows, args.requests)
        print(section)
        if not args.no_write:
            write(section)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
