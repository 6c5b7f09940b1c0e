"""What the security pages say about a client: its network, truncated, and its browser in words.

Addresses are truncated before they are stored (IPv4 to its /24, IPv6 to its /48): enough for a
person to recognise « chez moi », « au bureau », not enough to single out a household."""

from __future__ import annotations

import ipaddress
import re

from django.utils.translation import gettext as _

from territoire.core import ratelimit

USER_AGENT_MAX = 300

_BROWSERS = [  # order matters: Edge and Opera say « Chrome » too, Chrome says « Safari »
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
]
_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def truncate_ip(raw: str | None) -> str:
    """'192.0.2.57' -> '192.0.2.0/24', '2001:db8:1:2::5' -> '2001:db8:1::/48'; '' if unknown."""
    try:
        address = ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def request_ip_prefix(request) -> str:
    return truncate_ip(ratelimit.client_ip(request)) if request is not None else ""


def request_user_agent(request) -> str:
    if request is None:
        return ""
    return (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX]


def describe_user_agent(user_agent: str) -> str:
    """« Firefox sur Linux », from the User-Agent header (what a person recognises)."""
    if not user_agent:
        return _("navigateur inconnu")
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return _("%(browser)s sur %(system)s") % {"browser": browser, "system": system}
    if browser or system:
        return browser or system or ""
    return re.split(r"[\s/;(]", user_agent, maxsplit=1)[0][:40] or _("navigateur inconnu")
