"""Settings for the test suite: fast hashing, isolated data directory, tasks run immediately."""

import os
import tempfile

os.environ.setdefault("TERRITOIRE_HOME", tempfile.mkdtemp(prefix="territoire-test-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-checks-0123456789")
os.environ.setdefault("TERRITOIRE_PSEUDONYM_KEY", "test-pseudonym-key-long-enough-0123456789abcdef")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test"}
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Installed by the trigger test itself, so that transactional tests can flush the tables.
TERRITOIRE_AUDIT_TRIGGERS = False

# Serving files with every structure, whatever the size: the suite's files are small.
TERRITOIRE_SERVING_MIN_ROWS = 0
TERRITOIRE_SERVING_MEMORY_MB = 256

# The second factor is required only in the tests that ask for it (accounts' security tests), so
# that every other test signs in as a data officer with a password, as before.
TERRITOIRE_2FA_REQUIRED_ROLES: list[str] = []
