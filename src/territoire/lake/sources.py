"""Fetch a source file over http(s), streamed to disk with a size cap and time limits, only from
public addresses.

Settings: ``TERRITOIRE_FETCH_MAX_BYTES`` (default 2 GB), ``TERRITOIRE_FETCH_TIMEOUT`` (seconds to
connect and between two received packets, default 60), ``TERRITOIRE_FETCH_DEADLINE`` (seconds for
the whole download, default 3600) and ``TERRITOIRE_FETCH_ALLOWED_HOSTS`` (host names an operator
allows although they resolve to a non-public address, default none).

- **Deadline, whatever the server does.** The per-packet timeout alone lets a server trickle a
  few bytes every few seconds for ever (measured before this: 54 s against a 12 s deadline); so
  every socket a download opens is registered with a timer that shuts it down when the deadline
  passes — while connecting, in the TLS handshake, in the headers or in the body — and a file
  cut that way is never taken for a complete one.
- **Public destinations only.** The URL comes from a user: it must not make the server reach
  itself, its network or a cloud metadata service. Every host — of the URL and of each redirect —
  is resolved, refused unless its address is public (loopback, private, link-local, CG-NAT,
  multicast, reserved… are not), and the connection goes to the very address that was checked, so
  a second DNS answer cannot point elsewhere (DNS rebinding): requests-hardened's IP filter, which
  keeps the host name for the ``Host`` header, TLS SNI and certificate checks. Hosts named in
  ``TERRITOIRE_FETCH_ALLOWED_HOSTS`` (an intranet server, 127.0.0.1 in tests) are not filtered.
"""

from __future__ import annotations

import contextvars
import os
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
import urllib3
from django.conf import settings
from django.utils.text import get_valid_filename
from requests.adapters import HTTPAdapter
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from territoire.core.errors import SourceFileError, ValidationFailed

DEFAULT_MAX_BYTES = 2 * 1024**3
CHUNK = 1 << 20


@dataclass
class FetchedFile:
    path: Path
    name: str
    content_type: str
    byte_size: int


def is_url(source: str) -> bool:
    return str(source).lower().startswith(("http://", "https://"))


class _Deadline:
    """Shuts down every socket of one download when its time is up (a timer thread)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes up a read blocked in another thread
    except OSError:
        pass


_deadline: contextvars.ContextVar[_Deadline | None] = contextvars.ContextVar(
    "territoire_fetch_deadline", default=None
)


class _DeadlineConnection:
    """A urllib3 connection whose socket the current download's deadline can shut down."""

    def _new_conn(self) -> socket.socket:
        deadline = _deadline.get()
        if deadline is not None and self.timeout is not None:  # connecting counts too
            self.timeout = max(0.001, min(self.timeout, deadline.remaining()))
        sock = super()._new_conn()
        if deadline is not None:
            deadline.watch(sock)
        return sock


class _HTTPConnection(_DeadlineConnection, HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Refused(requests.RequestException):
    def __init__(self, url: str, host: str, address: str):
        super().__init__(url)
        self.url, self.host, self.address = url, host, address


class _Adapter(IPFilterAdapter):
    """requests-hardened's IP filter (public addresses only, connection to the checked address),
    except for the hosts an operator allows; sockets watched by the download's deadline."""

    def __init__(self, *, https: bool, allowed_hosts: frozenset[str]):
        super().__init__(is_https_proto=https, allow_loopback=False)
        self.allowed_hosts = allowed_hosts

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host = (urlsplit(request.url).hostname or "").lower()
        if host in self.allowed_hosts:
            request.headers.pop("Host", None)  # a previous hop's, set by the filter
            return HTTPAdapter.build_connection_pool_key_attributes(self, request, verify, cert)
        try:
            return super().build_connection_pool_key_attributes(request, verify, cert)
        except InvalidIPAddress as exc:
            raise _Refused(request.url, host, str(exc.args[0]) if exc.args else "?") from None


def _session(allowed_hosts: Iterable[str]) -> requests.Session:
    allowed = frozenset(host.strip().strip("[]").lower() for host in allowed_hosts if host.strip())
    session = requests.Session()
    session.mount("http://", _Adapter(https=False, allowed_hosts=allowed))
    session.mount("https://", _Adapter(https=True, allowed_hosts=allowed))
    session.headers["User-Agent"] = "Territoire"
    return session


def _file_name(url: str, response: requests.Response) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    match = re.search(r"filename\*=(?:UTF-8'')?([^;]+)", disposition, re.IGNORECASE) or re.search(
        r'filename="?([^";]+)"?', disposition, re.IGNORECASE
    )
    raw = unquote(match.group(1).strip()) if match else unquote(Path(urlsplit(url).path).name)
    try:
        return get_valid_filename(Path(raw).name)[:200]
    except Exception:  # noqa: BLE001 — a name made only of dots or symbols
        return "telechargement"


def fetch_url(
    url: str,
    *,
    dest_dir: Path,
    max_bytes: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    allowed_hosts: Iterable[str] | None = None,
) -> FetchedFile:
    """Download `url` into `dest_dir`; on any failure no partial file is left behind."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationFailed(
            f"Adresse refusée : {url}. Seules les URL http:// et https:// sont acceptées.",
            f"Refused address: {url}. Only http:// and https:// URLs are accepted.",
            where="source",
        )
    max_bytes = max_bytes or getattr(settings, "TERRITOIRE_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES)
    timeout = timeout or getattr(settings, "TERRITOIRE_FETCH_TIMEOUT", 60)
    deadline = deadline or getattr(settings, "TERRITOIRE_FETCH_DEADLINE", 3600)
    if allowed_hosts is None:
        allowed_hosts = getattr(settings, "TERRITOIRE_FETCH_ALLOWED_HOSTS", [])
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    partial = dest_dir / f".download-{os.getpid()}-{time.monotonic_ns()}.part"
    clock = _Deadline(deadline)
    token = _deadline.set(clock)
    try:
        with clock, _session(allowed_hosts) as session:
            try:
                return _download(session, url, partial, dest_dir, max_bytes, timeout, clock)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
                if clock.expired:
                    raise _late(url, deadline) from None
                raise
    except _Refused as exc:
        raise _refused(url, exc) from None
    except requests.Timeout:
        raise SourceFileError(
            f"Le serveur de {url} ne répond pas (délai de {timeout} s dépassé). Réessayez plus tard.",
            f"The server of {url} does not answer (timeout of {timeout} s). Try again later.",
            where="source",
        ) from None
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise SourceFileError(
            f"Téléchargement impossible depuis {url} : {exc.__class__.__name__}. Vérifiez l'adresse et le réseau.",
            f"Could not download {url}: {exc.__class__.__name__}. Check the address and the network.",
            where="source",
        ) from None
    finally:
        _deadline.reset(token)
        partial.unlink(missing_ok=True)


def _download(session, url, partial, dest_dir, max_bytes, timeout, clock) -> FetchedFile:
    with session.get(
        url, stream=True, timeout=(min(timeout, clock.remaining()), timeout), allow_redirects=True
    ) as response:
        if response.status_code >= 400:
            raise SourceFileError(
                f"Le serveur a répondu {response.status_code} ({response.reason}) pour {url}. "
                "Vérifiez l'adresse ou réessayez plus tard.",
                f"The server answered {response.status_code} ({response.reason}) for {url}. "
                "Check the address or try again later.",
                where="source",
            )
        announced = response.headers.get("Content-Length")
        if announced and announced.isdigit() and int(announced) > max_bytes:
            raise _too_big(url, max_bytes)
        size = 0
        with partial.open("wb") as handle:
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > max_bytes:  # whatever Content-Length said, or without one
                    raise _too_big(url, max_bytes)
                handle.write(chunk)
            if clock.expired:  # the deadline shut the connection: what arrived is not the file
                raise _late(url, clock.seconds)
            handle.flush()
            os.fsync(handle.fileno())
        name = _file_name(url, response) or "telechargement"
        final = dest_dir / name
        os.replace(partial, final)
        return FetchedFile(
            path=final,
            name=name,
            content_type=response.headers.get("Content-Type", ""),
            byte_size=size,
        )


def _late(url: str, seconds: float) -> SourceFileError:
    return SourceFileError(
        f"Téléchargement de {url} interrompu après {seconds} s (réglage TERRITOIRE_FETCH_DEADLINE). "
        "Réessayez ou déposez le fichier.",
        f"Download of {url} stopped after {seconds} s (setting TERRITOIRE_FETCH_DEADLINE). "
        "Try again or upload the file.",
        where="source",
    )


def _refused(url: str, refused: _Refused) -> ValidationFailed:
    via = "" if refused.url == url else f" (redirection vers {refused.url})"
    via_en = "" if refused.url == url else f" (redirected to {refused.url})"
    return ValidationFailed(
        f"Adresse refusée : {refused.host}{via} désigne une adresse qui n'est pas publique "
        f"({refused.address} : boucle locale, réseau privé ou réservé). Le serveur ne va chercher "
        "des fichiers que sur Internet ; pour un serveur interne, un administrateur peut l'autoriser "
        "avec le réglage TERRITOIRE_FETCH_ALLOWED_HOSTS.",
        f"Refused address: {refused.host}{via_en} is not a public address ({refused.address}: "
        "loopback, private or reserved network). The server only fetches files from the Internet; "
        "an administrator can allow an internal server with the setting "
        "TERRITOIRE_FETCH_ALLOWED_HOSTS.",
        where="source",
    )


def _too_big(url: str, max_bytes: int) -> SourceFileError:
    return SourceFileError(
        f"Le fichier de {url} dépasse la taille maximale ({max_bytes} octets, réglage TERRITOIRE_FETCH_MAX_BYTES).",
        f"The file at {url} exceeds the maximum size ({max_bytes} bytes, setting TERRITOIRE_FETCH_MAX_BYTES).",
        where="source",
    )
