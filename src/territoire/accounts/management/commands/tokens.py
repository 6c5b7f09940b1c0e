"""API tokens from the command line, through the same services as the back-office and the API
(audited, same rules):

    territoire tokens create USERNAME --scope read|write|admin [--expires DAYS] [--name NAME]
    territoire tokens list [USERNAME]
    territoire tokens revoke ID [--reason TEXT]

`create` prints the new token alone on stdout — once: only its hash is kept — and what it is on
stderr, so that `TOKEN=$(territoire tokens create …)` captures just the token. A scope includes
the ones below it (write: read and write; admin: all three). Every action accepts
`--as USERNAME`, the account acting (default: the first data officer, as `territoire ingest`).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from territoire.accounts import selectors, services
from territoire.accounts.models import ApiToken, TokenScope, User
from territoire.core.errors import TerritoireError

SCOPE_LADDER = {
    TokenScope.READ: [TokenScope.READ],
    TokenScope.WRITE: [TokenScope.READ, TokenScope.WRITE],
    TokenScope.ADMIN: [TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN],
}


def _fail(fr: str, en: str) -> CommandError:
    return CommandError(f"{fr}\n{en}")


def _failed(exc: TerritoireError) -> CommandError:
    return _fail(exc.message_fr, exc.message_en)


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; print it once on stdout.")
        create.add_argument("username", help="Account the token acts for.")
        create.add_argument(
            "--scope",
            default="read",
            help="read (default), write (read and write) or admin (everything; data officers).",
        )
        create.add_argument(
            "--expires", metavar="DAYS", help="Days of validity (1–3650, default 365)."
        )
        create.add_argument("--name", default="ligne de commande", help="A name to recognise it.")
        listing = sub.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("username", nargs="?", help="Only this account's tokens.")
        revoke = sub.add_parser("revoke", help="Revoke a token by its number (see list).")
        revoke.add_argument(
            "token_id", metavar="ID", help="The token's number, as `tokens list` shows it."
        )
        revoke.add_argument("--reason", default="", help="Why (kept in the audit log).")
        for action in (create, listing, revoke):
            action.add_argument(
                "--as",
                dest="operator",
                metavar="USERNAME",
                help="Account acting (default: the first data officer).",
            )

    def handle(self, *args, action: str, operator: str | None = None, **options):
        try:
            actor = selectors.operator_account(operator)
        except TerritoireError as exc:
            raise _failed(exc) from None
        if actor is None:
            raise _fail(
                "Aucun administrateur des données actif pour agir : créez-en un "
                "(territoire createsuperuser) ou nommez le compte qui agit avec --as.",
                "No active data officer to act: create one (territoire createsuperuser) or name "
                "the acting account with --as.",
            )
        try:
            getattr(self, f"_{action}")(actor, **options)
        except TerritoireError as exc:
            raise _failed(exc) from None

    def _account(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise _fail(
                f"Compte « {username} » introuvable : vérifiez l'identifiant (territoire tokens list).",
                f"Account '{username}' not found: check the username (territoire tokens list).",
            )
        return user

    def _create(self, actor, *, username: str, scope: str, expires: str | None, name: str, **_):
        user = self._account(username)
        if scope not in SCOPE_LADDER:
            raise _fail(
                f"Portée inconnue : « {scope} ». Portées possibles : read, write, admin.",
                f"Unknown scope: '{scope}'. Allowed: read, write, admin.",
            )
        days = None
        if expires is not None:
            try:
                days = int(expires)
            except ValueError:
                raise _fail(
                    f"--expires attend un nombre de jours entre 1 et 3650 (reçu « {expires} »).",
                    f"--expires expects a number of days between 1 and 3650 (got '{expires}').",
                ) from None
        token, plaintext = services.token_create(
            actor=actor, user=user, name=name, scopes=SCOPE_LADDER[scope], days=days
        )
        self.stdout.write(plaintext)
        self.stderr.write(
            f"Jeton n° {token.pk} pour « {user.username} » (portées : {', '.join(token.scopes)}), "
            f"valable jusqu'au {timezone.localtime(token.expires_at):%d/%m/%Y %H:%M}. Il ne sera "
            "plus affiché : conservez-le. / Shown once: keep it."
        )

    def _list(self, actor, *, username: str | None, **_):
        user = self._account(username) if username else None
        tokens = list(selectors.token_list_for_actor(actor, user=user))
        if not tokens:
            self.stdout.write("Aucun jeton. / No token.")
            return
        rows = [("n°", "compte", "nom", "identifiant", "portées", "expire", "utilisé", "état")]
        rows += [_row(t) for t in tokens]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )

    def _revoke(self, actor, *, token_id: str, reason: str, **_):
        visible = selectors.token_list_for_actor(actor)
        token = visible.filter(pk=int(token_id)).first() if token_id.isdigit() else None
        if token is None:
            raise _fail(
                f"Jeton n° {token_id} introuvable : voyez les numéros avec territoire tokens list.",
                f"Token {token_id} not found: see the numbers with territoire tokens list.",
            )
        if token.revoked_at is not None:
            self.stdout.write(
                f"Jeton n° {token.pk} déjà révoqué. / Token {token.pk} was revoked already."
            )
            return
        services.token_revoke(actor=actor, token=token, reason=reason or "territoire tokens revoke")
        self.stdout.write(f"Jeton n° {token.pk} révoqué. / Token {token.pk} revoked.")


def _when(value) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y}" if value else "—"


def _row(token: ApiToken) -> tuple[str, ...]:
    if token.revoked_at is not None:
        state = "révoqué"
    elif token.expires_at <= timezone.now():
        state = "expiré"
    else:
        state = "actif"
    return (
        str(token.pk),
        token.user.username,
        token.name,
        f"trt_{token.key_id}…",
        ",".join(token.scopes),
        _when(token.expires_at),
        _when(token.last_used_at),
        state,
    )
