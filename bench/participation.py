"""Supports counted exactly under concurrent clicks (participation.services.proposal_support).

    python bench/participation.py [--supports N] [--threads T] [--postgres URL] [--no-write]

N distinct confirmed participants (default 200) support one proposal at once from T threads
(default 50; each thread has its own database connection, as web workers would: PostgreSQL's
default max_connections is 100), all released together by a barrier. Each support is one
INSERT under a unique constraint and one ``UPDATE … SET support_count = support_count + 1`` in
the same transaction. The final count must equal N, and equal the number of Support rows, with
no error. Then every participant clicks again: all N must be refused (one support per account)
and the count must not move. SQLite (a temporary TERRITOIRE_HOME, WAL, immediate transactions)
and PostgreSQL (a scratch database created beside the one ``--postgres`` names, then dropped).
With ``--no-write`` the figures are printed only; otherwise the "## Participation" section of
bench/RESULTS.md is replaced.
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
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from processes import drop_database, in_process, scratch_database

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "RESULTS.md"


def _setup(home: str, database_url: str | None) -> None:
    os.environ["TERRITOIRE_HOME"] = home
    os.environ["SECRET_KEY"] = "bench-" + "x" * 40
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["TERRITOIRE_PARTICIPATION_USER_RATE"] = "1000/60"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoire.settings.base")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT.parent / "src"))
    import django

    django.setup()


def measure(name: str, home: str, database_url: str | None, supports: int, threads: int) -> dict:
    _setup(home, database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from territoire.accounts.models import Role, User
    from territoire.core.errors import ValidationFailed
    from territoire.organizations.models import Organization, Service
    from territoire.participation import services
    from territoire.participation.models import Participant, Proposal, Support

    tag = uuid.uuid4().hex[:6]
    organization = Organization.objects.create(name="Ville", slug=f"ville-{tag}")
    service = Service.objects.create(organization=organization, name="Santé", slug="sante")
    users = []
    for n in range(supports + 1):
        user = User.objects.create(username=f"bench-{tag}-{n}", role=Role.CITIZEN)
        Participant.objects.create(user=user, pseudonym=f"bench-{tag}-{n}",
                                   email_confirmed_at=timezone.now())  # fmt: skip
        users.append(user)
    proposal = services.proposal_create(actor=users[0], title="Un DAE au stade", text="Ici.",
                                        category="sante", service=service)  # fmt: skip
    supporters = users[1:]
    barrier = threading.Barrier(min(threads, supports))
    errors: list[str] = []
    times: list[float] = []

    def click(user, wait: bool) -> bool:
        try:
            if wait:
                barrier.wait(timeout=60)
            started = time.perf_counter()
            try:
                services.proposal_support(actor=user, proposal=proposal)
                return True
            except ValidationFailed:
                return False
            finally:
                times.append((time.perf_counter() - started) * 1000)
        except Exception as exc:  # noqa: BLE001 - any other error is what the bench counts
            errors.append(f"{type(exc).__name__}: {exc}")
            return False
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        accepted = sum(pool.map(lambda iu: click(iu[1], iu[0] < threads), enumerate(supporters)))
    elapsed = time.perf_counter() - started
    first_times = sorted(times)
    times.clear()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        again = sum(pool.map(lambda u: click(u, False), supporters))
    proposal.refresh_from_db()
    return {
        "store": name, "supports": supports, "threads": threads, "accepted": accepted,
        "again": again, "count": proposal.support_count,
        "rows": Support.objects.filter(proposal=proposal).count(), "errors": errors[:3],
        "error_count": len(errors), "seconds": elapsed,
        "median": statistics.median(first_times),
        "p95": first_times[int(len(first_times) * 0.95) - 1],
        "exact": proposal.support_count == supports == Support.objects.filter(proposal=proposal).count()
        and Proposal.objects.get(pk=proposal.pk).support_count == supports,
    }  # fmt: skip


def report(rows: list[dict]) -> str:
    now = dt.datetime.now()
    lines = [
        "## Participation (bench/participation.py)",
        "",
        f"Run {now:%Y-%m-%dT%H:%M} local time on {platform.machine()}, {os.cpu_count()} CPU "
        f"(load average {os.getloadavg()[0]:.1f} at the start), Python "
        f"{platform.python_version()}. Distinct confirmed participants support one proposal at "
        "once (threads released together, one connection each); then each clicks again. Target "
        "(issue 15): exact final count, no error, on SQLite and PostgreSQL.",
        "",
        "| store | supports | threads | accepted | final count | Support rows | second clicks "
        "accepted | errors | exact | total s | median ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['store']} | {r['supports']} | {r['threads']} | {r['accepted']} | {r['count']} "
            f"| {r['rows']} | {r['again']} | {r['error_count']} | {'yes' if r['exact'] else 'NO'} "
            f"| {r['seconds']:.2f} | {r['median']:.1f} | {r['p95']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def write(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Participation.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supports", type=int, default=200)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--postgres", help="postgres://… of a server where a scratch DB may go")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="territoire-bench-participation-")
    rows = []
    try:
        rows.append(in_process(measure, "SQLite (WAL)", home, None, args.supports, args.threads))
        if args.postgres:
            url, name = scratch_database(args.postgres)
            try:
                rows.append(
                    in_process(measure, "PostgreSQL", home, url, args.supports, args.threads)
                )
            finally:
                drop_database(args.postgres, name)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    for r in rows:
        if r["errors"]:
            print(r["store"], "errors:", r["errors"], file=sys.stderr)
    section = report(rows)
    print(section)
    if not args.no_write:
        write(section)


if __name__ == "__main__":
    main()
