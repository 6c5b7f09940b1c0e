"""URL sources against hostile servers: a total deadline that holds whatever the server does, a
size cap whatever Content-Length says, and only public destinations — on the first request and
on every redirect, at the address that was checked (no DNS rebinding) — unless an operator
allows the host. The servers are real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from territoire.core.errors import SourceFileError, ValidationFailed
from territoire.lake.sources import fetch_url

SECRET = b"cle;valeur\nmot_de_passe;ne-doit-pas-sortir\n"


class RawServer:
    """A TCP server on 127.0.0.1 whose answers a test writes byte by byte; records the request
    lines it receives."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            line = head.split(b"\r\n", 1)[0].decode()
            self.requests.append(line)
            try:
                self.answer(self, conn, line.split(" ")[1])
            except OSError:  # the client went away: what the tests expect of it
                pass

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.fixture
def serve():
    servers = []

    def start(answer) -> RawServer:
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def trickle_body(server, conn, path):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\na;b\n")
    for _ in range(40):  # 4 bytes every 0.2 s: each packet well within the per-packet timeout
        time.sleep(0.2)
        conn.sendall(b"1;2\n")


def trickle_headers(server, conn, path):
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(40):
        time.sleep(0.2)
        conn.sendall(b"X-Lent: a\r\n")
    conn.sendall(b"Connection: close\r\n\r\na;b\n1;2\n")


@pytest.mark.parametrize("answer", [trickle_body, trickle_headers], ids=["body", "headers"])
def test_the_deadline_holds_against_a_server_that_trickles(serve, tmp_path, answer):
    server = serve(answer)
    started = time.monotonic()
    with pytest.raises(SourceFileError) as late:
        fetch_url(
            server.url("/lent.csv"),
            dest_dir=tmp_path,
            timeout=5,
            deadline=1,
            allowed_hosts=["127.0.0.1"],
        )
    # cut when the deadline falls, not once the server is done (it trickles for 8 s)
    assert time.monotonic() - started < 4
    assert "interrompu après 1 s" in late.value.message_fr
    assert "TERRITOIRE_FETCH_DEADLINE" in late.value.message_en
    assert list(tmp_path.iterdir()) == [], "nothing of the cut download is kept"


def endless(length_header: bytes, *, chunked: bool = False):
    def answer(server, conn, path):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n" + length_header
        conn.sendall(head + (b"Transfer-Encoding: chunked\r\n\r\n" if chunked else b"\r\n"))
        block = b"1;2\n" * 16384
        for _ in range(160):  # 10 MB, far past the cap
            conn.sendall(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
        if chunked:
            conn.sendall(b"0\r\n\r\n")

    return answer


@pytest.mark.parametrize(
    "answer",
    [
        endless(b""),
        endless(b"Content-Length: beaucoup\r\n"),
        endless(b"Content-Length: 10\r\n", chunked=True),
    ],
    ids=["no-length", "unreadable-length", "length-lies"],
)
def test_the_size_cap_holds_whatever_content_length_says(serve, tmp_path, answer):
    server = serve(answer)
    with pytest.raises(SourceFileError) as too_big:
        fetch_url(
            server.url("/gros.csv"),
            dest_dir=tmp_path,
            max_bytes=100_000,
            deadline=120,
            allowed_hosts=["127.0.0.1"],
        )
    assert "taille maximale (100000 octets" in too_big.value.message_fr
    assert list(tmp_path.iterdir()) == []


def secret_behind_redirect(server, conn, path):
    if path == "/secret.csv":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(SECRET), SECRET))
    else:
        target = server.url("/secret.csv").encode()
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % target)


def test_loopback_is_refused_unless_allowed(serve, tmp_path):
    server = serve(secret_behind_redirect)
    with pytest.raises(ValidationFailed) as refused:
        fetch_url(server.url("/secret.csv"), dest_dir=tmp_path, allowed_hosts=[])
    assert refused.value.where == "source"
    assert "127.0.0.1" in refused.value.message_fr
    assert "TERRITOIRE_FETCH_ALLOWED_HOSTS" in refused.value.message_fr
    assert server.requests == [], "refused before connecting"
    assert list(tmp_path.iterdir()) == []

    fetched = fetch_url(server.url("/secret.csv"), dest_dir=tmp_path, allowed_hosts=["127.0.0.1"])
    assert fetched.path.read_bytes() == SECRET, "an operator may allow a host"


def test_a_redirect_to_loopback_is_refused(serve, tmp_path):
    """`localhost` is allowed here and stands for a public server; it redirects to 127.0.0.1,
    which is not allowed: refused, and the secret is never asked for."""
    server = serve(secret_behind_redirect)
    with pytest.raises(ValidationFailed) as refused:
        fetch_url(
            server.url("/rapport.csv", host="localhost"),
            dest_dir=tmp_path,
            allowed_hosts=["localhost"],
        )
    assert f"redirection vers {server.url('/secret.csv')}" in refused.value.message_fr
    assert server.requests == ["GET /rapport.csv HTTP/1.1"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://10.0.0.1/donnees.csv",
        "http://192.168.1.1/donnees.csv",
        "http://100.64.0.1/donnees.csv",  # carrier-grade NAT
        "http://0.0.0.0/donnees.csv",
        "http://[::1]/donnees.csv",
        "http://[fe80::1]/donnees.csv",
        "http://[::ffff:127.0.0.1]/donnees.csv",
        "http://2130706433/donnees.csv",  # 127.0.0.1 written as one number
    ],
)
def test_non_public_destinations_are_refused(tmp_path, url):
    with pytest.raises(ValidationFailed) as refused:
        fetch_url(url, dest_dir=tmp_path, timeout=1, allowed_hosts=[])
    assert "n'est pas publique" in refused.value.message_fr
    assert list(tmp_path.iterdir()) == []


def test_the_connection_goes_to_the_address_that_was_checked(serve, tmp_path, monkeypatch):
    """DNS rebinding: the name first resolves to a public address, then to 127.0.0.1. The
    download connects to the public one (unreachable from here) and never to this machine."""
    server = serve(secret_behind_redirect)
    real = socket.getaddrinfo
    answers = iter(["2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
    asked = []

    def rebinding(host, port, *args, **kwargs):
        if host != "donnees.example.fr":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = next(answers, "127.0.0.1")
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(SourceFileError):
        fetch_url(
            server.url("/secret.csv", host="donnees.example.fr"),
            dest_dir=tmp_path,
            timeout=0.5,
            deadline=5,
            allowed_hosts=[],
        )
    assert asked == ["donnees.example.fr"], "resolved once, for the check"
    assert server.requests == []
    assert list(tmp_path.iterdir()) == []
