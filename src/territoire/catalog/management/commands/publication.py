"""`territoire publication SLUG STEP [--comment TEXT] [--as USERNAME]`

One step of a dataset's publication workflow from the command line, through the same service as
the workspace, the admin and the API: ``submit`` (to the data officer), ``publish``,
``unpublish``, ``send-back`` (with ``--comment``: what to fix), ``request-decision`` (on personal
data). The acting account is --as USERNAME, else the first active data officer. Prints the
resulting state; exit code 1 with the reason (French / English) when a rule refuses the step.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from territoire.accounts.selectors import operator_account
from territoire.catalog import selectors, services
from territoire.core.errors import TerritoireError

STEPS = {
    "submit": lambda actor, d, c: services.dataset_submit(actor=actor, dataset=d, comment=c),
    "publish": lambda actor, d, c: services.dataset_publish(actor=actor, dataset=d, reason=c),
    "unpublish": lambda actor, d, c: services.dataset_unpublish(actor=actor, dataset=d, reason=c),
    "send-back": lambda actor, d, c: services.dataset_send_back(actor=actor, dataset=d, comment=c),
    "request-decision": lambda actor, d, c: services.personal_data_review_request(
        actor=actor, dataset=d, comment=c
    ),
}


class Command(BaseCommand):
    help = "One step of a dataset's publication workflow (submit, publish, send back…)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The dataset's identifier.")
        parser.add_argument("step", choices=sorted(STEPS))
        parser.add_argument("--comment", default="", help="Comment or reason, kept in the audit.")
        parser.add_argument("--as", dest="username", help="Acting account (default: data officer).")

    def handle(self, *args, slug, step, comment, username, **options):
        try:
            actor = operator_account(username)
            dataset = selectors.dataset_get_editable(actor, slug)
            STEPS[step](actor, dataset, comment)
        except TerritoireError as exc:
            raise CommandError(f"{exc.message_fr} / {exc.message_en}") from None
        self.stdout.write(f"{dataset.slug}: {dataset.get_publication_state_display()}")
