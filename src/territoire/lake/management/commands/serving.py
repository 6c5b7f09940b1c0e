"""`territoire serving build [--dataset SLUG] [--rebuild]` / `territoire serving status`

Build the serving files (docs/architecture.md, « Serving files ») of versions that have none:
versions written before they existed, or whose build failed at ingestion, and rebuild the served
versions' files that lack structures the settings ask for. The worker does the same at start and
every hour; this command does it now. ``--rebuild`` replaces existing files
(after a change of TERRITOIRE_SERVING_* settings). ``status`` lists versions without one.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from territoire.lake.models import DatasetVersion
from territoire.lake.services.serving import (
    version_serving_build,
    version_serving_path,
    versions_outdated,
    versions_without_serving,
)


class Command(BaseCommand):
    help = "Build the serving files of versions that have none (or rebuild them)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["build", "status"])
        parser.add_argument("--dataset", help="Only this dataset's versions (slug).")
        parser.add_argument(
            "--rebuild", action="store_true", help="Replace the serving files that exist."
        )

    def handle(self, *args, action: str, dataset: str | None, rebuild: bool, **options):
        if action == "status":
            missing = list(versions_without_serving())
            for version in missing:
                self.stdout.write(
                    f"{version.dataset.slug} v{version.number}: pas de fichier de lecture"
                )
            self.stdout.write(f"{len(missing)} version(s) sans fichier de lecture.")
            outdated = list(versions_outdated())
            for version in outdated:
                self.stdout.write(
                    f"{version.dataset.slug} v{version.number}: fichier de lecture à compléter"
                )
            self.stdout.write(f"{len(outdated)} fichier(s) de lecture à compléter.")
            return
        if rebuild or dataset:
            versions = DatasetVersion.objects.select_related("dataset").order_by("-pk")
            if dataset:
                versions = versions.filter(dataset__slug=dataset)
                if not versions.exists():
                    raise CommandError(
                        f"Aucune version pour « {dataset} » / No version for '{dataset}'."
                    )
            chosen = [v for v in versions if rebuild or not version_serving_path(v).is_file()]
        else:
            chosen = list(versions_without_serving())
        outdated = [] if rebuild or dataset else list(versions_outdated())
        built = 0
        for version in chosen + outdated:
            manifest = version_serving_build(version, rebuild=rebuild or version in outdated)
            if manifest is None:
                self.stderr.write(f"{version.dataset.slug} v{version.number}: non construit")
                continue
            built += 1
            self.stdout.write(
                f"{version.dataset.slug} v{version.number}: {manifest['rows']} lignes, "
                f"{manifest['bytes'] / 1e6:.1f} Mo en {manifest['seconds']['total']:.1f} s"
            )
        self.stdout.write(f"{built} fichier(s) de lecture construit(s).")
        if built < len(chosen) + len(outdated):
            raise CommandError(
                f"{len(chosen) + len(outdated) - built} version(s) non construite(s) / not built."
            )
