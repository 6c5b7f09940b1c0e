"""`territoire reports publish [--as USERNAME]`: write the reports' open dataset to the lake
(a new version only if something changed). Run it from cron or the worker's schedule."""

from django.core.management.base import BaseCommand, CommandError

from territoire.accounts.models import User
from territoire.core.errors import TerritoireError
from territoire.reports.services import reports_dataset_refresh


class Command(BaseCommand):
    help = "Signalements : publier le jeu de données ouvert (sans auteur, positions arrondies)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        publish = sub.add_parser("publish", help="écrire une nouvelle version du jeu de données")
        publish.add_argument("--as", dest="username", help="compte qui crée le jeu la 1re fois")

    def handle(self, *args, action, username=None, **options):
        actor = None
        if username:
            actor = User.objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"Compte inconnu : {username}")
        try:
            report = reports_dataset_refresh(actor=actor)
        except TerritoireError as exc:
            raise CommandError(exc.message_fr) from exc
        self.stdout.write(f"signalements : {report.status} (version {report.version})")
