"""Staff account security from the command line:

territoire security prune          delete login history past TERRITOIRE_LOGIN_HISTORY_DAYS and
                                   forget closed sessions (also done as logins come)
territoire security status         who must enrol a second factor and who has
territoire security revoke-sessions USERNAME [--reason TEXT] [--as USERNAME]
                                   close every session of an account (a departure)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from territoire.accounts import permissions, selectors
from territoire.accounts.models import STAFF_ROLES, User
from territoire.accounts.security import history, sessions, two_factor
from territoire.core.errors import TerritoireError


class Command(BaseCommand):
    help = "Prune the login history, show second-factor enrolment, close an account's sessions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("prune", help="delete login history past its retention")
        sub.add_parser("status", help="second factor of every staff account")
        revoke = sub.add_parser("revoke-sessions", help="close every session of an account")
        revoke.add_argument("username")
        revoke.add_argument("--reason", default="")
        revoke.add_argument("--as", dest="as_user", default=None)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action.replace('-', '_')}")(**options)
        except TerritoireError as exc:
            raise CommandError(f"{exc.message_fr}\n{exc.message_en}") from None

    def _prune(self, **options):
        events = history.login_history_prune()
        closed = sessions.session_prune()
        self.stdout.write(
            f"{events} entrée(s) d'historique de connexion supprimée(s), "
            f"{closed} session(s) fermée(s) oubliée(s)."
        )

    def _status(self, **options):
        staff = User.objects.filter(role__in=STAFF_ROLES) | User.objects.filter(is_superuser=True)
        for user in staff.distinct().order_by("username"):
            enrolled = two_factor.user_has_two_factor(user)
            required = permissions.two_factor_required(user)
            state = (
                "activée" if enrolled else ("EXIGÉE, non activée" if required else "non activée")
            )
            self.stdout.write(f"{user.username:<24} {user.role:<14} {state}")

    def _revoke_sessions(self, *, username, reason, as_user, **options):
        actor = selectors.operator_account(as_user)
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                f"Compte « {username} » introuvable.\nAccount '{username}' not found."
            )
        n = sessions.session_revoke_all(actor=actor, user=user, keep_current=False, reason=reason)
        self.stdout.write(f"{n} session(s) de {username} fermée(s).")
