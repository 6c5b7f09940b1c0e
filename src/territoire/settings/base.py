"""Settings for every environment; every value comes from the environment (see docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .env import (
    ConfigurationError,
    env_bool,
    env_database,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_rate,
    env_str,
    env_subset,
    is_demo_home,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
CHECKOUT_DIR = PACKAGE_DIR.parent.parent

DEBUG = env_bool("DEBUG", False)
TERRITOIRE_HOME = env_path("TERRITOIRE_HOME", Path.cwd() / "var")

_secret = env_str("SECRET_KEY")
if _secret is None:
    # The demo (and DEBUG) keep a generated key in the data directory; a data directory that
    # `territoire demo` built carries its marker, so every command run on it works unaided.
    if not (DEBUG or env_bool("TERRITOIRE_DEMO", False) or is_demo_home(TERRITOIRE_HOME)):
        raise ConfigurationError(
            "SECRET_KEY is required when DEBUG is off: set a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    _key_file = TERRITOIRE_HOME / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    _secret = _key_file.read_text().strip()
elif len(_secret) < 32:
    raise ConfigurationError("SECRET_KEY is too short: expected at least 32 random characters.")
SECRET_KEY = _secret

# The secret of pseudonymisation (keyed hash, trust.disclosure.transforms.pseudonym): from the
# environment, never stored with the data nor in the database. The demo keeps a generated one
# beside its secret key (outside the lake), as it does for SECRET_KEY.
_pseudonym_key = env_str("TERRITOIRE_PSEUDONYM_KEY")
if _pseudonym_key is None and (
    DEBUG or env_bool("TERRITOIRE_DEMO", False) or is_demo_home(TERRITOIRE_HOME)
):
    _pseudonym_file = TERRITOIRE_HOME / "pseudonym_key"
    if not _pseudonym_file.exists():
        import secrets

        _pseudonym_file.write_text(secrets.token_urlsafe(48))
        _pseudonym_file.chmod(0o600)
    _pseudonym_key = _pseudonym_file.read_text().strip()
if _pseudonym_key is not None and len(_pseudonym_key.encode()) < 32:
    raise ConfigurationError(
        "TERRITOIRE_PSEUDONYM_KEY is too short: expected at least 32 random characters."
    )
TERRITOIRE_PSEUDONYM_KEY = _pseudonym_key

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = (
    "territoire.web.views.errors.csrf_failure"  # a page of the site, JSON under /api/
)
TERRITOIRE_BASE_URL = env_str("TERRITOIRE_BASE_URL", "http://127.0.0.1:8000")
TERRITOIRE_DIGEST_HOUR = env_int(
    "TERRITOIRE_DIGEST_HOUR", 7
)  # the staff's daily digest, local time
TERRITOIRE_EPCI = env_str("TERRITOIRE_EPCI")  # SIREN of the EPCI this installation serves
# Base-map tiles under the SVG maps, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty:
# the maps show the territory's shapes and the data's points alone.
TERRITOIRE_TILE_URL = env_str("TERRITOIRE_TILE_URL", "")
TERRITOIRE_TILE_ATTRIBUTION = env_str("TERRITOIRE_TILE_ATTRIBUTION", "")  # shown under the maps
if TERRITOIRE_TILE_URL:  # its origin is added to the CSP's img-src (core.middleware)
    from urllib.parse import urlsplit

    _tile_parts = urlsplit(TERRITOIRE_TILE_URL)
    if _tile_parts.scheme not in ("http", "https") or not _tile_parts.netloc:
        raise ConfigurationError(
            f"TERRITOIRE_TILE_URL={TERRITOIRE_TILE_URL!r} is not an http(s) URL: expected "
            "https://tiles.example.fr/{z}/{x}/{y}.png."
        )
    if any(part not in TERRITOIRE_TILE_URL for part in ("{z}", "{x}", "{y}")):
        raise ConfigurationError(
            f"TERRITOIRE_TILE_URL={TERRITOIRE_TILE_URL!r} lacks {{z}}, {{x}} or {{y}}: expected "
            "https://tiles.example.fr/{z}/{x}/{y}.png."
        )

INSTALLED_APPS = [
    "territoire.web",  # first, so its templates override the admin's and auth's
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",  # staff two-factor authentication (accounts.security.two_factor)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # the single-use recovery codes
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its Swagger UI files are served from here, not a CDN the CSP would block
    "territoire.core",
    "territoire.territories",
    "territoire.organizations",
    "territoire.accounts",
    "territoire.catalog",
    "territoire.trust",
    "territoire.schemas",
    "territoire.registers",
    "territoire.lake",
    "territoire.records",
    "territoire.indicators",
    "territoire.participation",
    "territoire.reports",
    "territoire.access",
    "territoire.interop",
    "territoire.api",
    "territoire.workspace",
    "territoire.demo",  # the `demo` command
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "territoire.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): passed the second factor
    # Sessions listed and revocable; the second factor required where TERRITOIRE_2FA_REQUIRED_ROLES says.
    "territoire.accounts.middleware.AccountSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Costly portal pages per user or address (after authentication: signed-in users count apart).
    "territoire.core.middleware.PortalThrottleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Refuses oversized uploads before anything reads their body (CSRF's process_view would).
    "territoire.lake.uploads.UploadSizeLimitMiddleware",
]

ROOT_URLCONF = "territoire.urls"
WSGI_APPLICATION = "territoire.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "territoire.web.context_processors.site",
            ]
        },
    }
]

DATABASES = {"default": env_database("DATABASE_URL", TERRITOIRE_HOME / "territoire.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Keyboard walks, repeated characters, the territory's name with a year (accounts/security).
    {"NAME": "territoire.accounts.security.passwords.BreachedLookingPasswordValidator"},
]
# Words a password may not be made of with a year or a few digits, beside the names of the
# installation's publishers (docs/security.md): e.g. the territory's name, its quartiers.
TERRITOIRE_PASSWORD_FORBIDDEN_WORDS = env_list("TERRITOIRE_PASSWORD_FORBIDDEN_WORDS", [])
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = TERRITOIRE_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
FORMS_URLFIELD_ASSUME_HTTPS = True
MEDIA_ROOT = TERRITOIRE_HOME / "uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REDIS_URL = env_str("REDIS_URL")  # shared cache; also holds the rate-limit counters
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "territoire"}
    )
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "territoire@localhost")

# Security: strict by default; HTTPS-only settings switch on with TERRITOIRE_HTTPS.
_https = env_bool("TERRITOIRE_HTTPS", False)
SECURE_SSL_REDIRECT = _https
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _https else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a commitment a territory makes for its whole domain; it is opt-in, so the deploy
# check's reminder about it is silenced unless asked for.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TERRITOIRE_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Rate limits and locks (core.ratelimit; docs/configuration.md). Counters live in the database,
# or in Redis when REDIS_URL is set, so that they hold across every web process.
# Client address: X-Forwarded-For is believed only from these proxies (CIDRs).
TERRITOIRE_TRUSTED_PROXIES = env_networks("TERRITOIRE_TRUSTED_PROXIES")
# Wrong passwords allowed per account and address before a lock of the window, doubled at each
# further failure.
TERRITOIRE_LOGIN_ATTEMPTS = env_int("TERRITOIRE_LOGIN_ATTEMPTS", 5, minimum=1)
TERRITOIRE_LOGIN_WINDOW_SECONDS = env_int("TERRITOIRE_LOGIN_WINDOW_SECONDS", 900, minimum=1)
# Password-reset requests per address, and per e-mail address asked for.
TERRITOIRE_PASSWORD_RESET_IP_RATE = env_rate("TERRITOIRE_PASSWORD_RESET_IP_RATE", "20/3600")
TERRITOIRE_PASSWORD_RESET_EMAIL_RATE = env_rate("TERRITOIRE_PASSWORD_RESET_EMAIL_RATE", "3/3600")
TERRITOIRE_API_RATE = env_rate("TERRITOIRE_API_RATE", "120/60")  # per user, else per address
TERRITOIRE_PORTAL_RATE = env_rate("TERRITOIRE_PORTAL_RATE", "300/60")  # costly portal pages
# Reports (signalements): new reports and abuse flags per account and per address; flags from
# this many people hide a report until a moderator looks at it.
TERRITOIRE_REPORT_RATE = env_rate("TERRITOIRE_REPORT_RATE", "10/3600")
TERRITOIRE_REPORT_IP_RATE = env_rate("TERRITOIRE_REPORT_IP_RATE", "30/3600")
TERRITOIRE_REPORT_FLAGS_TO_HIDE = env_int("TERRITOIRE_REPORT_FLAGS_TO_HIDE", 3, minimum=1)
# Installation default of « la publication demande la relecture de l'administrateur des données »
# (the data officer can change it in the workspace, and per service).
TERRITOIRE_PUBLICATION_REVIEW = env_bool("TERRITOIRE_PUBLICATION_REVIEW", False)
TERRITOIRE_TOKEN_DEFAULT_DAYS = env_int("TERRITOIRE_TOKEN_DEFAULT_DAYS", 365, minimum=1)

# Staff account security (docs/security.md). Roles that must enrol a second factor before they
# use /espace/ or /admin/ (any of data_officer, superuser, steward, agent; "none": nobody). A data
# directory built by `territoire demo` defaults to none, so that the demo's accounts sign in with
# their password alone; set the variable to try the requirement there.
TERRITOIRE_2FA_REQUIRED_ROLES = env_subset(
    "TERRITOIRE_2FA_REQUIRED_ROLES",
    []
    if env_bool("TERRITOIRE_DEMO", False) or is_demo_home(TERRITOIRE_HOME)
    else ["data_officer", "superuser"],
    ("data_officer", "superuser", "steward", "agent"),
)
# Wrong codes allowed per account at the second step before a lock of the window (doubled at
# each further failure), on top of django-otp's own per-device back-off.
TERRITOIRE_2FA_ATTEMPTS = env_int("TERRITOIRE_2FA_ATTEMPTS", 5, minimum=1)
TERRITOIRE_2FA_WINDOW_SECONDS = env_int("TERRITOIRE_2FA_WINDOW_SECONDS", 900, minimum=1)
# Seconds between the password and the code before the login starts again.
TERRITOIRE_2FA_PENDING_SECONDS = env_int("TERRITOIRE_2FA_PENDING_SECONDS", 300, minimum=30)
# Days a login history entry is kept (`territoire security prune`, and pruned as logins come).
TERRITOIRE_LOGIN_HISTORY_DAYS = env_int("TERRITOIRE_LOGIN_HISTORY_DAYS", 365, minimum=1)
# Reads of non-public data in the audit log: deleted by the worker after this many days (other
# events are kept for ever; the database refuses to delete a read younger than 30 days).
TERRITOIRE_AUDIT_READ_RETENTION_DAYS = env_int(
    "TERRITOIRE_AUDIT_READ_RETENTION_DAYS", 365, minimum=30
)
OTP_TOTP_ISSUER = env_str("TERRITOIRE_2FA_ISSUER", "Territoire")  # shown in the authenticator app

# Ingestion limits (docs/ingestion.md): files uploaded through the web or the API, files fetched
# from a URL (bytes, seconds between two packets, seconds for the whole download), how long a
# queued job may wait, and how long a running job may show no sign of life, before it is lost.
TERRITOIRE_UPLOAD_MAX_BYTES = env_int("TERRITOIRE_UPLOAD_MAX_BYTES", 2 * 1024**3, minimum=1)
TERRITOIRE_FETCH_MAX_BYTES = env_int("TERRITOIRE_FETCH_MAX_BYTES", 2 * 1024**3, minimum=1)
TERRITOIRE_FETCH_TIMEOUT = env_int("TERRITOIRE_FETCH_TIMEOUT", 60, minimum=1)
TERRITOIRE_FETCH_DEADLINE = env_int("TERRITOIRE_FETCH_DEADLINE", 3600, minimum=1)
# Hosts a URL source may reach although they resolve to a non-public address (docs/configuration.md).
TERRITOIRE_FETCH_ALLOWED_HOSTS = env_list("TERRITOIRE_FETCH_ALLOWED_HOSTS", [])
TERRITOIRE_INGEST_JOB_TIMEOUT = env_int("TERRITOIRE_INGEST_JOB_TIMEOUT", 6 * 3600, minimum=60)
TERRITOIRE_INGEST_JOB_LOST_SECONDS = env_int("TERRITOIRE_INGEST_JOB_LOST_SECONDS", 180, minimum=60)
# The process that reads an uploaded file: address space it may add (MB), wall-clock seconds, and
# the widest file accepted (lake/engine/isolation.py).
TERRITOIRE_INGEST_MEMORY_MB = env_int("TERRITOIRE_INGEST_MEMORY_MB", 4096, minimum=256)
TERRITOIRE_INGEST_SECONDS = env_int("TERRITOIRE_INGEST_SECONDS", 3600, minimum=10)
TERRITOIRE_INGEST_MAX_COLUMNS = env_int("TERRITOIRE_INGEST_MAX_COLUMNS", 1000, minimum=1)

# Serving files (docs/configuration.md, lake/engine/serving.py): the structures built beside each
# version at ingestion (any of sorted, geo, words, values, clustered, rows; "none" for the rows only), from which row
# count, on how many sortable columns, with how much memory; then what a web process keeps:
# whether it reads them at all, its DuckDB memory and how many files it keeps attached.
TERRITOIRE_SERVING_STRUCTURES = env_subset(
    "TERRITOIRE_SERVING_STRUCTURES",
    ["sorted", "geo", "words", "values", "clustered", "rows"],
    ("sorted", "geo", "words", "values", "clustered", "rows"),
)
TERRITOIRE_SERVING_MIN_ROWS = env_int("TERRITOIRE_SERVING_MIN_ROWS", 20_000, minimum=0)
TERRITOIRE_SERVING_SORTED_MAX = env_int("TERRITOIRE_SERVING_SORTED_MAX", 2, minimum=0)
TERRITOIRE_SERVING_MEMORY_MB = env_int("TERRITOIRE_SERVING_MEMORY_MB", 1024, minimum=128)
TERRITOIRE_RECORDS_SERVING = env_bool("TERRITOIRE_RECORDS_SERVING", True)
TERRITOIRE_RECORDS_MEMORY_MB = env_int("TERRITOIRE_RECORDS_MEMORY_MB", 64, minimum=64)
TERRITOIRE_RECORDS_ATTACHED = env_int("TERRITOIRE_RECORDS_ATTACHED", 64, minimum=1)
TERRITOIRE_RECORDS_PAGES_MB = env_int("TERRITOIRE_RECORDS_PAGES_MB", 16, minimum=0)

# Reading records (docs/api.md): seconds a page, a count or facets may take; seconds a whole
# export may take, and how many exports may run at once on this machine (every process counts).
TERRITOIRE_QUERY_SECONDS = env_int("TERRITOIRE_QUERY_SECONDS", 10, minimum=1)
# The most groups (period × territory) an indicator may have: more is refused before it is saved.
TERRITOIRE_INDICATOR_MAX_GROUPS = env_int("TERRITOIRE_INDICATOR_MAX_GROUPS", 5000, minimum=1)
TERRITOIRE_EXPORT_SECONDS = env_int("TERRITOIRE_EXPORT_SECONDS", 600, minimum=1)
TERRITOIRE_EXPORT_SLOTS = env_int("TERRITOIRE_EXPORT_SLOTS", 4, minimum=1)
# Each export runs in a DuckDB database of its own, with this memory (it spills past it) and
# these threads: exports never take the memory of the process's pages (records.serving).
TERRITOIRE_EXPORT_MEMORY_MB = env_int("TERRITOIRE_EXPORT_MEMORY_MB", 128, minimum=32)
TERRITOIRE_EXPORT_THREADS = env_int("TERRITOIRE_EXPORT_THREADS", 2, minimum=1)

# Participation (participation/): the smallest group shown in results by quartier; how many
# participants' reports hide a contribution pending review; the residency checks offered
# (postal_code, invitation, both, or none); write limits per account and per address; the
# longest text a participant may send.
TERRITOIRE_PARTICIPATION_MIN_GROUP = env_int("TERRITOIRE_PARTICIPATION_MIN_GROUP", 11, minimum=1)
TERRITOIRE_MODERATION_REPORTS = env_int("TERRITOIRE_MODERATION_REPORTS", 3, minimum=1)
TERRITOIRE_RESIDENCY_CHECKS = env_subset(
    "TERRITOIRE_RESIDENCY_CHECKS", ["postal_code", "invitation"], ("postal_code", "invitation")
)
TERRITOIRE_PARTICIPATION_USER_RATE = env_rate("TERRITOIRE_PARTICIPATION_USER_RATE", "30/600")
TERRITOIRE_PARTICIPATION_IP_RATE = env_rate("TERRITOIRE_PARTICIPATION_IP_RATE", "120/600")
TERRITOIRE_SIGNUP_IP_RATE = env_rate("TERRITOIRE_SIGNUP_IP_RATE", "10/3600")
TERRITOIRE_PARTICIPATION_MAX_TEXT = env_int("TERRITOIRE_PARTICIPATION_MAX_TEXT", 5000, minimum=100)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
