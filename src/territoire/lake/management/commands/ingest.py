"""`territoire ingest SOURCE --dataset SLUG [--title T] [--schema S] [--publish] [--json] [--sheet NAME] [--as USERNAME]`

SOURCE is a path or an http(s) URL. The dataset is created when it does not exist. The acting
account is --as USERNAME, else the first active data officer (superusers included, by id); with no
such account the command acts as the platform itself ("système" in the audit log), which may load
existing datasets but not create or publish one. Exit code 0 when a version was created or the
content is unchanged (and published when --publish was asked), 1 otherwise; --json prints the
ingestion report on stdout in every case.
"""

from __future__ import annotations

import json
import logging

from django.core.management.base import BaseCommand, CommandError

from territoire.accounts.selectors import operator_account
from territoire.core.errors import NotFound, TerritoireError
from territoire.lake.report import IngestReport, error_issue, report_masked
from territoire.lake.services import dataset_ingest_by_slug

logger = logging.getLogger(__name__)


def _actor(username: str | None):
    try:
        return operator_account(username)
    except NotFound as exc:
        raise CommandError(f"{exc.message_fr} / {exc.message_en}") from None


class Command(BaseCommand):
    help = "Ingest a file or URL into a new version of a dataset (created if needed)."
    # The system checks import every view and admin (a second of start-up); `territoire check`
    # and `serve` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "source",
            help="Path or http(s) URL of the file (CSV, XLSX, ODS, JSON, GeoJSON, zipped Shapefile, GeoPackage, Parquet).",
        )
        parser.add_argument(
            "--dataset", required=True, help="Slug of the dataset (created if it does not exist)."
        )
        parser.add_argument("--title", help="Title of the dataset when it is created.")
        parser.add_argument(
            "--schema", help="Table Schema to validate against: a bundled name, a path or a URL."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the dataset after a successful ingestion.",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print the ingestion report as JSON on stdout.",
        )
        parser.add_argument(
            "--sheet", help="Sheet to read in a spreadsheet (default: the first one)."
        )
        parser.add_argument(
            "--as", dest="username", help="Account acting (default: the first data officer)."
        )

    def handle(
        self, *args, source, dataset, title, schema, publish, as_json, sheet, username, **options
    ):
        actor = _actor(username)
        verbosity = options.get("verbosity", 1)

        def progress(percent: int, stage: str) -> None:
            # Waiting for another ingestion of the dataset is always said: a silent wait looks hung.
            if (verbosity >= 2 and not as_json) or stage.startswith("En attente"):
                self.stderr.write(f"[{percent:3d} %] {stage}")

        try:
            report = dataset_ingest_by_slug(
                actor=actor,
                slug=dataset,
                source=source,
                title=title,
                schema_ref=schema,
                publish=publish,
                sheet=sheet,
                progress=progress,
            )
        except TerritoireError as exc:
            report = IngestReport(
                dataset=dataset, status="failed", errors=[error_issue(exc, file=source)]
            )
            report.message_fr, report.message_en = exc.message_fr, exc.message_en
        except Exception as exc:
            if options.get("traceback"):
                raise
            logger.exception("territoire ingest crashed")
            report = IngestReport(dataset=dataset, status="failed")
            report.message_fr = f"Erreur interne ({exc.__class__.__name__}) : rien n'a été modifié. Relancez avec --traceback et signalez-la."
            report.message_en = f"Internal error ({exc.__class__.__name__}): nothing was changed. Run again with --traceback and report it."
            report.errors = [
                {
                    "severity": "error",
                    "code": "internal_error",
                    "message_fr": report.message_fr,
                    "message_en": report.message_en,
                    "file": source,
                    "line": None,
                    "column": None,
                    "hint_fr": None,
                    "hint_en": None,
                }
            ]
        if as_json:
            self.stdout.write(
                json.dumps(
                    report_masked(report.as_dict()), ensure_ascii=False, indent=2, default=str
                )
            )
        else:
            self._print(report)
        if not report.succeeded:
            first = report.errors[0]["message_fr"] if report.errors else report.message_fr
            if report.errors and not as_json:  # already printed above: say it once
                raise CommandError(f"Échec de l'ingestion de « {dataset} » (erreurs ci-dessus).")
            raise CommandError(f"Échec de l'ingestion de « {dataset} » : {first}")

    def _print(self, report) -> None:
        write = self.stdout.write
        write(report.message_fr or report.status)
        if report.version is not None:
            write(
                f"Jeu de données « {report.dataset} », version {report.version} : {report.rows} lignes."
            )
        for column in report.columns:
            forced = " (forcé)" if column.get("overridden") else ""
            write(f"  {column['id']:<32} {column['type']}{forced}  ← « {column.get('label', '')} »")
        for issue in report.warnings:
            write(self.style.WARNING(f"Avertissement : {_where(issue)}{issue['message_fr']}"))
        for issue in report.errors:
            self.stderr.write(self.style.ERROR(f"Erreur : {_where(issue)}{issue['message_fr']}"))
        if report.validation:
            valid = report.validation.get("valid")
            count = report.validation.get("error_count", 0)
            write(
                f"Schéma {report.schema} : {'conforme' if valid else f'non conforme ({count} erreurs)'}."
            )
        for flag in report.personal_data:
            write(
                self.style.WARNING(
                    f"Données personnelles probables : colonne « {flag.get('column')} » ({flag.get('kind', '')})."
                )
            )
        if report.published is not None:
            write("Publié." if report.published else "Non publié.")


def _where(issue: dict) -> str:
    parts = [
        p
        for p in (
            issue.get("file"),
            f"ligne {issue['line']}" if issue.get("line") else None,
            f"colonne « {issue['column']} »" if issue.get("column") else None,
        )
        if p
    ]
    return f"{', '.join(parts)} : " if parts else ""
