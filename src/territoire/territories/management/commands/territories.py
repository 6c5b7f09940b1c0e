"""`territoire territories load --epci SIREN` or `--all`: load territories from the shipped COG files."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from territoire.core.errors import TerritoireError
from territoire.territories.services import territories_load


class Command(BaseCommand):
    help = "Manage territories (régions, départements, EPCI, communes, quartiers)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "load",
            help="Load territories from the official COG 2026 files shipped with Territoire.",
        )
        scope = load.add_mutually_exclusive_group(required=True)
        scope.add_argument(
            "--epci", metavar="SIREN", help="One EPCI and its communes (e.g. 243400017)."
        )
        scope.add_argument("--all", action="store_true", help="All of France (37,590 communes).")
        load.add_argument("--json", action="store_true", help="Print the load report as JSON.")

    def handle(
        self,
        *args,
        action: str,
        epci: str | None = None,
        all: bool = False,
        json: bool = False,
        **options,
    ):
        try:
            report = territories_load(epci_siren=epci)
        except TerritoireError as exc:
            raise CommandError(exc.message_fr) from None
        if json:
            self.stdout.write(_dumps(report.as_dict()))
            return
        self.stdout.write(
            f"{report.regions} région(s), {report.departements} département(s), {report.epcis} EPCI, "
            f"{report.communes} commune(s) et {report.other_communes} commune(s) déléguée(s)/associée(s)/arrondissement(s) "
            f"chargés en {report.seconds} s ; {report.memberships} appartenance(s) à un EPCI."
        )
        self.stdout.write(
            f"Contours : {report.boundaries_direct} rattachés par code, {report.boundaries_merged} reconstitués "
            f"à partir des anciennes communes (communes nouvelles)."
        )
        if report.communes_without_boundary:
            self.stdout.write(
                f"Sans contour : {len(report.communes_without_boundary)} commune(s) ({', '.join(report.communes_without_boundary[:10])}…)"
            )
        if report.unmatched_boundary_codes:
            self.stdout.write(
                f"Codes 2018 sans commune 2026 correspondante : {', '.join(report.unmatched_boundary_codes[:20])}"
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
