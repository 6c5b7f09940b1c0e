"""Helpers of the account-security tests: a code from an enrolled authenticator, computed with
django-otp's own TOTP (as the person's phone would), and an account enrolled through the service."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from territoire.accounts.security import two_factor

PASSWORD = "un mot de passe solide 42"


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or ``steps_ahead`` periods later: a device refuses a code of a
    period it already accepted, and the tolerance of one period accepts the next)."""
    device.refresh_from_db()
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time() + steps_ahead * device.step
    return f"{clock.token():0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = two_factor.totp_enrolment_start(actor=user)
    codes = two_factor.totp_enrolment_confirm(actor=user, token=totp_code(device))
    device.refresh_from_db()
    return device, codes


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


@pytest.fixture
def two_factor_required(settings):
    settings.TERRITOIRE_2FA_REQUIRED_ROLES = ["data_officer", "superuser"]
