"""`territoire demo`: migrate, build the demo territory from real data, and serve it."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from territoire.demo.services import demo_build


class Command(BaseCommand):
    help = "Build the demo territory (Montpellier Méditerranée Métropole) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-serve", action="store_true", help="Build the demo and exit.")

    def handle(self, *args, host: str, port: int, no_serve: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Base de données à jour. Construction du territoire de démonstration…")
        report = demo_build(password=os.environ.get("TERRITOIRE_DEMO_PASSWORD"))
        self.stdout.write(
            f"{report.epci} : {report.communes} communes ; jeux de données : {', '.join(report.datasets)} ; indicateurs : {', '.join(report.indicators)}."
        )
        self.stdout.write("")
        self.stdout.write("Comptes de démonstration (mot de passe identique pour tous) :")
        for username, role in [
            ("admin", "administrateur des données"),
            ("relais-finances", "relais données Finances"),
            ("agent", "agent"),
            ("citoyen", "citoyen"),
            ("reutilisateur", "réutilisateur"),
        ]:
            self.stdout.write(f"  {username:<16} {role}")
        for username in sorted(
            set(report.accounts) - {"admin", "relais-finances", "agent", "citoyen", "reutilisateur"}
        ):
            self.stdout.write(f"  {username:<16} relais données")
        self.stdout.write(f"  mot de passe : {report.accounts['admin']}")
        self.stdout.write(f"Portail : http://{host}:{port}/")
        self.stdout.write(
            f"Espace des relais (dépôt de fichiers, rapports) : http://{host}:{port}/espace/"
        )
        self.stdout.write(f"Back-office : http://{host}:{port}/admin/  (identifiant « admin »)")
        required = ", ".join(settings.TERRITOIRE_2FA_REQUIRED_ROLES) or "aucun rôle"
        self.stdout.write(
            f"Double authentification exigée pour : {required} (TERRITOIRE_2FA_REQUIRED_ROLES) ; "
            f"chaque agent peut l'activer : http://{host}:{port}/espace/securite/"
        )
        if not no_serve:
            call_command("serve", host=host, port=port)
