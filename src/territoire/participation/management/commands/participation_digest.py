"""Send the daily digests of followed news (run once a day, e.g. from cron or a timer)."""

from django.core.management.base import BaseCommand

from territoire.participation.services import digests_send


class Command(BaseCommand):
    help = "Envoie les résumés quotidiens aux participants qui les ont choisis."

    def handle(self, *args, **options):
        sent = digests_send()
        self.stdout.write(f"{sent} résumé(s) envoyé(s).")
