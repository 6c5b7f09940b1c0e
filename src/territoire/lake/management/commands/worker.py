"""Run the background worker that executes jobs (ingestion, refresh from URL).

It lives in the lake because the lake's ingestion jobs are the only background jobs today and the
worker recovers them at start; an app that adds jobs registers its own start step here.
"""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from territoire.lake.services.cleanup import lake_cleanup
from territoire.lake.tasks import ingest_jobs_recover, serving_catch_up, worker_presence


class Command(BaseCommand):
    help = "Run the background job worker (django-tasks database backend)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--batch", action="store_true", help="Run the jobs waiting now, then exit."
        )

    def handle(self, *args, interval: float, batch: bool, **options):
        recovered = ingest_jobs_recover()  # jobs a dead worker left running: again, or failed
        if recovered:
            self.stdout.write(
                f"{recovered} tâche(s) d'ingestion interrompue(s) reprise(s) ou close(s)."
            )
        removed = lake_cleanup()  # what killed ingestions left in the lake and the uploads
        if removed:
            self.stdout.write(f"{len(removed)} fichier(s) ou dossier(s) abandonné(s) supprimé(s).")
        if batch:  # what is waiting now, serving files included
            serving_catch_up()
        else:  # versions written before serving files existed: built while jobs run
            threading.Thread(target=serving_catch_up, name="serving-catch-up", daemon=True).start()
        extra = ["--batch"] if batch else []
        with worker_presence():  # signs of life, and the same maintenance every hour
            call_command("db_worker", f"--interval={interval}", *extra)
