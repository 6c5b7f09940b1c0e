"""`territoire digest`: collect the staff notifications, then e-mail each subscribed person the
digest of what they have not read yet. Run it once a day (cron, systemd timer)."""

from django.core.management.base import BaseCommand

from territoire.workspace import services


class Command(BaseCommand):
    help = "Collect staff notifications and send the daily e-mail digest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--collect-only",
            action="store_true",
            help="Write the in-app notifications without sending e-mails.",
        )

    def handle(self, *args, collect_only: bool, **options):
        if collect_only:
            added = services.notifications_collect()
            self.stdout.write(f"{added} notification(s) ajoutée(s).")
            return
        sent = services.digest_send()
        self.stdout.write(f"{sent} résumé(s) envoyé(s).")
