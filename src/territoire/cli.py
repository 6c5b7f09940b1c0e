"""The `territoire` command: Django's management commands plus a clean one-line error on bad config.
Run on a data directory that `territoire demo` built, it needs no setting (settings.base).

territoire serve [--host H] [--port P]
territoire demo
territoire territories load --epci SIREN | --all
territoire worker
territoire digest [--collect-only]   (staff notifications and their daily e-mail digest)
territoire tokens create USERNAME --scope read|write|admin [--expires DAYS] | list | revoke ID
territoire <any Django management command> (migrate, createsuperuser, …)
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoire.settings.base")
    if len(argv) > 1 and argv[1] == "demo":
        os.environ.setdefault("TERRITOIRE_DEMO", "1")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        print(f"territoire: configuration error — {exc}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
