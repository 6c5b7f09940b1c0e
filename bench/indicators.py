"""Indicators (issue 12): computing a series over a large source, a spatial join, a
difference-in-differences evaluation, and a dashboard page.

Protocol (``python bench/indicators.py [--rows 1000000] [--points 100000] [--runs 5]``), in a
temporary TERRITOIRE_HOME with SQLite, the 31 communes of Montpellier Méditerranée Métropole
loaded from the shipped COG and IGN files:

- **series, commune × month**: a CSV of ``--rows`` rows (a date over 24 months, one of the 31
  INSEE codes, an amount) ingested once; then the series « sum of the amount by commune and by
  month, per 1,000 inhabitants » computed through the records engine (``series_compute``:
  validated ODSQL trees, bound parameters, time limit), median of ``--runs`` after one warm-up;
  and the whole recomputation (``indicator_compute``: the series, then its new lake version).
- **spatial join**: ``--points`` random points over the EPCI's bounding box put into the
  communes' boundaries, counted per commune (Shapely STRtree), median of ``--runs``.
- **difference in differences**: the estimate with cluster-robust errors on a panel of the 31
  communes × 24 months (statsmodels OLS with two-way fixed effects), median of 20.
- **dashboard page**: a dashboard of 12 blocks (``--blocks``: their kinds, cycled; KPI tiles by
  default), the portal page served by Django's test client, first request and median of 20.

Nothing here is a pass/fail test; figures go to ``bench/RESULTS.md`` (``--write``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "RESULTS.md"
EPCI = "243400017"
COLD_REQUEST = """
import os, sys, time
sys.path.insert(0, os.path.join(os.getcwd(), "src"))
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
started = time.perf_counter()
assert client.get("/tableaux-de-bord/douze/", HTTP_HOST="127.0.0.1").status_code == 200
print((time.perf_counter() - started) * 1000)
"""


def _setup(home: Path) -> None:
    os.environ["TERRITOIRE_HOME"] = str(home)
    os.environ["TERRITOIRE_DEMO"] = "1"
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoire.settings.base")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("TERRITOIRE_PORTAL_RATE", "1000000000/1")
    sys.path.insert(0, str(ROOT.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(work, runs: int) -> tuple[float, object]:
    result = work()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--blocks", default="kpi",
        help="the 12 blocks' kinds, cycled (e.g. kpi,chart,bar,stacked): the page's cost per form",
    )  # fmt: skip
    parser.add_argument("--write", action="store_true", help="append the figures to RESULTS.md")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-indicators-"))
    _setup(home)

    from django.test import Client
    from django.test.utils import setup_test_environment

    from territoire.accounts.models import User
    from territoire.catalog import services as catalog_services
    from territoire.indicators import selectors, services
    from territoire.indicators.definition import definition_parse
    from territoire.lake import services as lake_services
    from territoire.organizations.models import Organization, Service
    from territoire.records.selectors import served_get
    from territoire.territories.models import Territory
    from territoire.territories.services import territories_load

    territories_load(epci_siren=EPCI)
    communes = list(Territory.objects.filter(kind="commune", epci_memberships__epci__code=EPCI))
    codes = [c.code for c in communes]
    officer = User.objects.create(username="officer", role="data_officer")
    organization = Organization.objects.create(name="Métropole", slug="metropole")
    service = Service.objects.create(organization=organization, name="Finances", slug="finances")
    rng = random.Random(12)
    start = dt.date(2023, 1, 1)

    source = home / "montants.csv"
    with source.open("w", encoding="utf-8") as out:
        out.write("date;code_insee;montant\n")
        for _ in range(args.rows):
            day = start + dt.timedelta(days=rng.randrange(730))
            out.write(f"{day.isoformat()};{rng.choice(codes)};{rng.randrange(1, 5000)}\n")
    lons = [p[0] for c in communes for ring in c.geometry["coordinates"] for p in (ring[0] if c.geometry["type"] == "MultiPolygon" else ring)]  # fmt: skip
    lats = [p[1] for c in communes for ring in c.geometry["coordinates"] for p in (ring[0] if c.geometry["type"] == "MultiPolygon" else ring)]  # fmt: skip
    points = home / "points.csv"
    with points.open("w", encoding="utf-8") as out:
        out.write("nom;lon;lat\n")
        for i in range(args.points):
            lon = rng.uniform(min(lons), max(lons))
            lat = rng.uniform(min(lats), max(lats))
            out.write(f"p{i};{lon:.6f};{lat:.6f}\n")

    def dataset(slug: str, path: Path):
        made = catalog_services.dataset_create(
            actor=officer, title=slug, slug=slug, publisher=organization,
            publisher_service=service, access_level="public",
        )  # fmt: skip
        started = time.perf_counter()
        report = lake_services.dataset_ingest(actor=officer, dataset=made, source=path)
        assert report.status == "created", report.as_dict()
        print(f"{slug}: ingested in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        catalog_services.dataset_publish(actor=officer, dataset=made)
        return made

    dataset("montants", source)
    dataset("points", points)

    by_month = {
        "dataset": "montants", "measure": {"kind": "sum", "column": "montant"},
        "period": {"column": "date", "truncate": "month"}, "territory": {"column": "code_insee"},
        "normalisation": {"kind": "per_1000"},
    }  # fmt: skip
    definition = definition_parse(by_month)
    served = served_get(officer, "montants")
    series_s, found = _timed(lambda: selectors.series_compute(served, definition), args.runs)
    assert len(found) == 31 * 24, len(found)
    indicator = services.indicator_create(actor=officer, title="Montants par commune et par mois",
                                          publisher_service=service, definition=by_month,
                                          access_level="public")  # fmt: skip
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        run = services.indicator_compute(actor=officer, indicator=indicator)
        times.append(time.perf_counter() - started)
        assert run.status in ("created", "unchanged"), run.error
    compute_s = statistics.median(times)

    spatial = definition_parse({
        "dataset": "points", "measure": {"kind": "count"}, "reference_period": "2024",
        "territory": {"longitude": "lon", "latitude": "lat", "boundaries": "commune"},
    })  # fmt: skip
    served_points = served_get(officer, "points")
    spatial_s, placed = _timed(lambda: selectors.series_compute(served_points, spatial), args.runs)
    inside = sum(int(p.raw_value or 0) for p in placed)

    panel = []
    for code in codes:
        level = rng.gauss(50, 10)
        for month in range(24):
            value = (
                level
                + 0.5 * month
                + rng.gauss(0, 1)
                + (4 if code in codes[:10] and month >= 12 else 0)
            )
            panel.append({"periode": f"{2023 + month // 12}-{month % 12 + 1:02d}", "code_territoire": code,
                          "valeur": value})  # fmt: skip
    did_s, effect = _timed(
        lambda: selectors.effect_estimate(
            panel, intervention=dt.date(2024, 1, 1), treated=codes[:10], comparison=codes[10:]
        ),  # fmt: skip
        20,
    )

    tiles = []
    for n in range(12):
        tiles.append(services.indicator_create(
            actor=officer, title=f"Tuile {n}", publisher_service=service,
            definition={**by_month, "period": {"column": "date", "truncate": "year"}}, access_level="public",
        ))  # fmt: skip
        services.indicator_compute(actor=officer, indicator=tiles[-1])
        services.indicator_publish(actor=officer, indicator=tiles[-1], reason="bench")
    kinds = args.blocks.split(",")
    services.dashboard_create(actor=officer, title="Douze tuiles", slug="douze", publisher_service=service,
                              blocks=[{"kind": kinds[n % len(kinds)], "indicator": t.slug}
                                      for n, t in enumerate(tiles)],
                              access_level="public")  # fmt: skip
    setup_test_environment()
    client = Client()
    started = time.perf_counter()
    assert client.get("/tableaux-de-bord/douze/", HTTP_HOST="127.0.0.1").status_code == 200
    first_ms = (time.perf_counter() - started) * 1000
    page_times = []
    for _ in range(20):
        started = time.perf_counter()
        client.get("/tableaux-de-bord/douze/", HTTP_HOST="127.0.0.1")
        page_times.append((time.perf_counter() - started) * 1000)
    page_ms = statistics.median(page_times)
    # After a restart: a new process (Django set up, as a server is before its first request),
    # then its first request of the page.
    cold = subprocess.run(
        [sys.executable, "-c", COLD_REQUEST], env={**os.environ}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    cold_ms = float(cold.stdout.strip().splitlines()[-1])

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "",
        "## Indicators (bench/indicators.py)",
        "",
        f"Run {dt.datetime.now():%Y-%m-%dT%H:%M} local time on {platform.machine()}, "
        f"{os.cpu_count()} CPU (load average {load:.1f} at the end), Python {platform.python_version()}, "
        "SQLite, in one process; medians after a warm-up.",
        "",
        "| what | figure | target |",
        "|---|---:|---|",
        f"| series over {args.rows:,} rows, sum by commune × month (744 groups), per 1,000 inhabitants | "
        f"{series_s * 1000:.0f} ms | ≤ 1 s |",
        f"| the same, whole recomputation (series + its lake version, « unchanged ») | {compute_s * 1000:.0f} ms | — |",
        f"| spatial join of {args.points:,} points into the 31 communes ({inside:,} inside) | "
        f"{spatial_s * 1000:.0f} ms | ≤ 2 s |",
        f"| difference in differences, 31 communes × 24 months, cluster-robust errors | {did_s * 1000:.1f} ms "
        f"(estimate {effect.estimate:.2f} for a true 4, CI {effect.low:.2f} – {effect.high:.2f}) | — |",
        f"| dashboard page, 12 tiles ({args.blocks}): first request after a restart (new process) / first in this "
        f"process / median of 20 | {cold_ms:.0f} ms / {first_ms:.0f} ms / {page_ms:.0f} ms | "
        "cold ≤ 1 s, median ≤ 150 ms |",
    ]
    print("\n".join(lines))
    if args.write:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
