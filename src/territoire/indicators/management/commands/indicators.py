"""``territoire indicators compute [SLUG]``: compute one indicator, or every one, now."""

from django.core.management.base import BaseCommand, CommandError

from territoire.indicators import services
from territoire.indicators.models import Indicator


class Command(BaseCommand):
    help = "Calcule les indicateurs (tous, ou celui nommé) / Compute the indicators (all, or the one named)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser("compute", help="calculer maintenant / compute now")
        compute.add_argument("slug", nargs="?", help="identifiant de l'indicateur")

    def handle(self, *args, action: str, slug: str | None = None, **options):
        if slug and not Indicator.objects.filter(slug=slug).exists():
            raise CommandError(
                f"Indicateur « {slug} » introuvable. / Indicator '{slug}' not found."
            )
        failed = 0
        for run in services.indicators_compute_all(actor=None, slug=slug):
            if run.status == "error":
                failed += 1
                self.stderr.write(f"{run.indicator.slug} : en erreur — {run.error.get('fr', '')}")
            else:
                self.stdout.write(
                    f"{run.indicator.slug} : {run.status} (série v{run.series_version})"
                )
        if failed:
            raise CommandError(f"{failed} indicateur(s) en erreur / {failed} indicator(s) failed.")
