"""Reports (issue 15): the public map page and the Open311 requests list with 10,000 reports,
served by ``territoire serve`` as a user runs it.

Protocol (``python bench/reports.py [--reports 10000] [--workers 2]``):

- a data directory with the Montpellier territory (its 31 communes' shapes), five categories
  and N reports at random points inside the city of Montpellier, in every status, spread over
  two years, with one service message on each handled report (bulk-inserted: filing 10,000
  through the form is not what is measured);
- **cold**: for each page, the server is restarted and the first request is timed;
- **warm**: median (and p95) of 15 requests after 2 warm-up requests, a new connection each;
- pages: the map and list ``/signalements/`` (all reports on the map, clustered), the same
  filtered by status, Open311 ``requests.json`` as a client first asks it (the last 90 days,
  up to 1,000 requests), filtered (open, one service code; within 500 m and 2 km of the
  Comédie), one request, and the native API's list (50 reports; in a box, by status).

Targets (issue 15): map page median ≤ 150 ms; Open311 requests list ≤ 50 ms (the native API's
list is held to the same 50 ms, our choice). Figures go to
``bench/RESULTS.md``; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import records as rb  # noqa: E402 - the servers' helpers

OUT = rb.ROOT / "out" / "reports"

SETUP = """
import datetime, random
from django.utils import timezone
from territoire.territories.services import territories_load
from territoire.territories.models import Territory
from territoire.organizations.models import Organization, Service
from territoire.accounts.models import User
from territoire.reports.models import Report, ReportCategory, ReportEvent
from territoire.reports.vocabularies import DEFAULT_CATEGORIES
from territoire.territories import geometry

territories_load(epci_siren="243400017")
city = Territory.objects.get(kind="commune", code="34172")
org = Organization.objects.create(name="Ville", slug="ville", siren="213401722")
service = Service.objects.create(organization=org, name="Espace public", slug="espace-public")
author = User.objects.create(username="citoyen", role="citizen", email="c@example.fr")
categories = [ReportCategory.objects.create(code=c, name=n, description=d, service=service)
              for c, n, d in DEFAULT_CATEGORIES]
rng = random.Random(15)
outer = [p for polygon in geometry._polygons(city.geometry) for p in polygon[0]]
xs, ys = [p[0] for p in outer], [p[1] for p in outer]
Report._meta.get_field("created_at").auto_now_add = False  # spread over two years
now = timezone.now()
statuses = ["nouveau", "pris_en_charge", "resolu", "rejete"]
reports = []
while len(reports) < COUNT:
    lon, lat = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
    if not geometry.contains_point(city.geometry, lon, lat):
        continue
    created = now - datetime.timedelta(minutes=rng.randint(0, 730 * 24 * 60))
    reports.append(Report(category=rng.choice(categories), latitude=lat, longitude=lon,
        description="Signalement de test n° %d : lampadaire éteint depuis plusieurs jours." % len(reports),
        address="%d rue de la Loge" % rng.randint(1, 80), commune=city, author=author,
        status=rng.choice(statuses), status_changed_at=created, created_at=created))
Report.objects.bulk_create(reports, batch_size=2000)
events = [ReportEvent(report_id=pk, status=s, message="Intervention programmée.")
          for pk, s in Report.objects.exclude(status="nouveau").values_list("id", "status")]
ReportEvent.objects.bulk_create(events, batch_size=2000)
print(Report.objects.count(), ReportEvent.objects.count())
"""

PAGES = [
    ("map + list, all reports", "/signalements/", 150),
    ("map + list, status filter", "/signalements/?statut=resolu", 150),
    ("Open311 requests.json (90 days, ≤ 1,000)", "/open311/v2/requests.json", 50),
    ("Open311 requests.json open + service_code", "/open311/v2/requests.json?status=open&service_code=voirie", 50),
    ("Open311 requests/<id>.json", "/open311/v2/requests/5000.json", 50),
    ("Open311 requests.json within 500 m", "/open311/v2/requests.json?lat=43.6085&long=3.8795&radius=500", 50),
    ("Open311 requests.json within 2 km, two years", "/open311/v2/requests.json?lat=43.6085&long=3.8795&radius=2000&start_date=2020-01-01T00:00:00Z", 50),
    ("native API /api/v1/reports (50)", "/api/v1/reports", 50),
    ("native API /api/v1/reports bbox + status", "/api/v1/reports?bbox=3.87,43.60,3.89,43.62&status=resolu", 50),
]  # fmt: skip


def setup(count: int) -> Path:
    home = OUT / f"reports-{count}" / "home"
    marker = home / "ready"
    if marker.exists():
        return home
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    env = rb._territoire_env(home)
    subprocess.run([rb.TERRITOIRE, "migrate", "--verbosity", "0"], env=env, check=True)
    script = f"COUNT = {count}\n" + SETUP
    subprocess.run([rb.TERRITOIRE, "shell", "-c", script], env=env, check=True)
    marker.write_text("ok")
    return home


def fetch(port: int, path: str) -> tuple[int, int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, len(body), elapsed


def run(home: Path, workers: int) -> list[dict]:
    results = []
    for label, path, target in PAGES:
        port = rb._free_port()
        server = rb.start_territoire(home, port, workers, 1)
        try:
            rb._wait(port, "/open311/v2/services.json")  # the server is up; the page is cold
            status, size, cold = fetch(port, path)
            assert status == 200, (path, status)
            for _ in range(2):
                fetch(port, path)
            warm = sorted(fetch(port, path)[2] for _ in range(15))
        finally:
            rb.stop(server)
        results.append({
            "label": label, "path": path, "target": target, "bytes": size,
            "cold": cold * 1000, "median": statistics.median(warm) * 1000,
            "p95": warm[int(len(warm) * 0.95) - 1] * 1000,
        })  # fmt: skip
        print(f"{label}: cold {cold * 1000:.0f} ms, warm median {results[-1]['median']:.1f} ms")
    return results


def report(results: list[dict], count: int, workers: int) -> str:
    lines = [
        f"Run {time.strftime('%Y-%m-%dT%H:%M')} local time on {platform.machine()}, "
        f"{os.cpu_count()} CPU (load average {os.getloadavg()[0]:.1f} at the end), Python "
        f"{platform.python_version()}; {count:,} reports in SQLite, `territoire serve` with "
        f"{workers} workers. Cold: first request after a restart; warm: median and p95 of 15.",
        "",
        "| page | bytes | cold ms | warm median ms | warm p95 ms | target ms | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        met = "met" if r["median"] <= r["target"] and r["cold"] <= r["target"] else (
            "warm met, cold missed" if r["median"] <= r["target"] else "missed")  # fmt: skip
        lines.append(
            f"| {r['label']} (`{r['path']}`) | {r['bytes']:,} | {r['cold']:.0f} | "
            f"{r['median']:.1f} | {r['p95']:.1f} | {r['target']} | {met} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    home = setup(args.reports)
    results = run(home, args.workers)
    print()
    print(report(results, args.reports, args.workers))


if __name__ == "__main__":
    main()
