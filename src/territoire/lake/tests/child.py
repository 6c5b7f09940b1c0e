"""A real ingestion in a separate process, for the tests that kill one or run two at once.

    python -m territoire.lake.tests.child SLUG FILE USERNAME [--kill-at placed|transaction]
                                                           [--hold-until GO_FILE --ready READY_FILE]

It runs ``dataset_ingest`` against the database and ``TERRITOIRE_HOME`` of its environment and
prints the report as JSON. ``--kill-at`` makes the process SIGKILL itself at that moment: after
both files are placed and before the version's transaction (``placed``), or inside that
transaction after the version row is written (``transaction``) — as the kernel, an out-of-memory
killer or a power cut would. ``--hold-until`` makes it wait, holding the dataset's ingestion
lock, until GO_FILE exists (it writes READY_FILE once it holds the lock).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path


def _die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("slug")
    parser.add_argument("file")
    parser.add_argument("username")
    parser.add_argument("--kill-at", choices=["placed", "transaction"])
    parser.add_argument("--hold-until")
    parser.add_argument("--ready")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoire.settings.test")
    import django

    django.setup()
    from territoire.accounts.models import User
    from territoire.catalog.models import Dataset
    from territoire.lake.services import ingest

    if args.kill_at == "placed":
        ingest._version_commit = _die
    elif args.kill_at == "transaction":
        ingest.audit_record = _die
    if args.hold_until:
        locked = ingest._ingest_locked

        def held(**kwargs):
            Path(args.ready).write_text("verrou pris")
            while not Path(args.hold_until).exists():
                time.sleep(0.05)
            return locked(**kwargs)

        ingest._ingest_locked = held

    report = ingest.dataset_ingest(
        actor=User.objects.get(username=args.username),
        dataset=Dataset.objects.get(slug=args.slug),
        source=Path(args.file),
        holder=f"le processus de test {os.getpid()}",
    )
    print(json.dumps(report.as_dict()))
    return 0 if report.status != "failed" else 1


if __name__ == "__main__":
    sys.exit(main())
