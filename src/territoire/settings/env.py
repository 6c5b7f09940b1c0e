"""Read configuration from the environment and fail fast with one clear line.

Every value the platform reads from the environment goes through these helpers so that a bad
value stops start-up with the variable's name and what was expected, never a traceback deep in
Django.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on", "oui", "vrai"}
FALSE_WORDS = {"0", "false", "no", "off", "non", "faux", ""}


class ConfigurationError(ImproperlyConfigured):
    """A bad environment value; its message is one line a person can act on."""


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ConfigurationError(
                f"{name} is required but not set: set it in the environment "
                f"(variable {name} obligatoire mais absente)."
            )
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(
        f"{name}={raw!r} is not a boolean: expected one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigurationError(
            f"{name}={raw!r} is not an integer: expected a whole number."
        ) from None
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name}={value} is too small: expected at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ConfigurationError(
            f"{name} is empty: expected a comma-separated list (e.g. a.fr,b.fr)."
        )
    return items


def env_subset(name: str, default: list[str], allowed: tuple[str, ...]) -> list[str]:
    """A comma-separated subset of ``allowed``; ``none`` for the empty list."""
    values = env_list(name, default)
    if [v.lower() for v in values] == ["none"]:
        return []
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ConfigurationError(
            f"{name} has unknown values {', '.join(unknown)}: expected some of "
            f"{', '.join(allowed)}, or none."
        )
    return values


def env_rate(name: str, default: str) -> str:
    """A rate 'requests/seconds' ('120/60'), both whole numbers of at least 1."""
    raw = (os.environ.get(name) or "").strip() or default
    count, sep, seconds = raw.partition("/")
    if not (sep and count.strip().isdigit() and seconds.strip().isdigit()) or not (
        int(count) >= 1 and int(seconds) >= 1
    ):
        raise ConfigurationError(
            f"{name}={raw!r} is not a rate: expected requests/seconds, e.g. 120/60."
        )
    return f"{int(count)}/{int(seconds)}"


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or CIDR networks (10.0.0.0/8, ::1), normalised."""
    raw = os.environ.get(name) or ""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigurationError(
                f"{name} holds {item!r}, which is not an IP address or network: expected e.g. "
                "127.0.0.1,10.0.0.0/8,fd00::/8."
            ) from None
    return networks


# Written by `territoire demo` into the data directory it builds (territoire.demo.services): a
# data directory holding it may use the secret key generated beside it, so that any command run
# on a demo data directory works as the demo does, without SECRET_KEY.
DEMO_MARKER_NAME = "demo-data-directory.txt"


def is_demo_home(home: Path) -> bool:
    return (home / DEMO_MARKER_NAME).is_file()


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    path = Path(raw).expanduser() if raw else default
    path = path.resolve()
    if path.exists() and not path.is_dir():
        raise ConfigurationError(
            f"{name}={str(path)!r} exists but is not a directory: expected a directory."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"{name}={str(path)!r} cannot be created ({exc.strerror}): choose a writable directory."
        ) from None
    return path


def env_database(name: str, default_sqlite: Path) -> dict:
    import dj_database_url

    # SQLite (the embedded default, or a sqlite:// URL): write-ahead log, immediate transactions
    # and connections kept by each thread — reopening the file and committing in rollback-journal
    # mode cost about 16 ms a request here (the rate-limit counter writes on every API request).
    sqlite_options = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    raw = os.environ.get(name)
    if not raw:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite),
            "OPTIONS": sqlite_options,
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ConfigurationError(
            f"{name}={raw.split('@')[-1]!r} is not supported: expected postgres://user:password@host:5432/name "
            "or sqlite:////absolute/path.db."
        )
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several kinds
        raise ConfigurationError(
            f"{name} cannot be parsed ({exc}): expected postgres://user:password@host:5432/name."
        ) from None
    if config["ENGINE"].endswith("sqlite3"):
        config["OPTIONS"] = {**sqlite_options, **config.get("OPTIONS", {})}
        config["CONN_MAX_AGE"] = 600
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        raise ConfigurationError(
            f"{name} names no database: expected postgres://user:password@host:5432/name."
        )
    return config
