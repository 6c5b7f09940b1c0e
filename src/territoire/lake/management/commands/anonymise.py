"""`territoire anonymise SLUG PLAN.json --quasi-identifiers a,b,c [--k 11] [--sensitive col]
[--l 2] [--preview] [--as USERNAME]`

An anonymised derived version of a personal dataset from the command line, through the same
service as the workspace and the API (docs/anonymisation.md): the plan (a JSON list of steps, in a
file), the check, then the write to ``<slug>-anonymise`` with its lineage. ``--preview`` prints
the check and writes nothing. The acting account is --as USERNAME, else the first active data
officer. Exit code 1 with the reason (French / English) when the plan or the check is refused.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from territoire.accounts.selectors import operator_account
from territoire.catalog import selectors
from territoire.core.errors import TerritoireError

from ...services import AnonymisationSpec, anonymisation_preview, dataset_anonymise


def _names(text: str) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


class Command(BaseCommand):
    help = "Write an anonymised derived version of a personal dataset (or preview its check)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The personal dataset's identifier.")
        parser.add_argument("plan", type=Path, help="A JSON file: the list of transform steps.")
        parser.add_argument("--quasi-identifiers", required=True, help="Comma-separated columns.")
        parser.add_argument("--k", type=int, default=11)
        parser.add_argument(
            "--sensitive", default="", help="Comma-separated columns (l-diversity)."
        )
        parser.add_argument("--l", type=int, default=2)
        parser.add_argument("--preview", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--as", dest="username", help="Acting account (default: data officer).")

    def handle(self, *args, slug, plan, quasi_identifiers, k, sensitive, l, preview, username, **o):  # noqa: E741
        try:
            text = plan.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Plan illisible / unreadable plan: {exc}") from None
        try:
            actor = operator_account(username)
            dataset = selectors.dataset_get_editable(actor, slug)
            spec = AnonymisationSpec.build(
                plan=text,
                quasi_identifiers=_names(quasi_identifiers),
                k=k,
                l=l,
                sensitive=_names(sensitive),
            )
            if preview:
                result = anonymisation_preview(actor=actor, dataset=dataset, spec=spec)
                self.stdout.write("\n".join(result.check.sentences("fr")))
                return
            written = dataset_anonymise(actor=actor, dataset=dataset, spec=spec)
        except TerritoireError as exc:
            raise CommandError(f"{exc.message_fr} / {exc.message_en}") from None
        state = "inchangée" if written.unchanged else "écrite"
        self.stdout.write(
            f"{written.dataset.slug}: version {written.version.number} {state} "
            f"(k = {written.version.lineage['check']['k']})"
        )
