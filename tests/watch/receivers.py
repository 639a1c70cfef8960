"""Real receivers on 127.0.0.1 for delivery tests: a webhook (http.server) and SMTP (aiosmtpd).

The webhook receiver records every request and answers the first ``fail`` of them with
``fail_status``; the SMTP server can require STARTTLS (with a self-signed certificate made
here) and a login.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast


@dataclass
class Request:
    """One request the webhook receiver got, and the status it answered."""

    path: str
    headers: dict[str, str]
    body: Any
    status: int


class WebhookReceiver(ThreadingHTTPServer):
    """An HTTP server that records POSTs and fails the first ``fail`` of them."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[Request] = []
        self.fail = 0
        self.fail_status = 503
        self.delay = 0.0
        self.fail_body = b"try again later"
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (the timeout test) leaves a broken pipe: expected, not news.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        """The receiver's root URL."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def delivered(self) -> list[Request]:
        """The requests it accepted (answered 2xx)."""
        return [r for r in self.requests if r.status < 300]


class _Handler(BaseHTTPRequestHandler):
    server: WebhookReceiver

    def do_POST(self) -> None:
        srv = self.server
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if srv.delay:
            time.sleep(srv.delay)
        with srv.lock:
            status = 200
            if srv.fail > 0:
                srv.fail -= 1
                status = srv.fail_status
            srv.requests.append(Request(self.path, dict(self.headers), json.loads(raw), status))
        body = b"ok" if status < 300 else srv.fail_body
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # the client read enough and hung up
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """Run a :class:`WebhookReceiver` in a thread for the block."""
    srv = WebhookReceiver()
    t = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (just released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 and localhost; return (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "brinkwatch test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "relay.pem", folder / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Mailbox:
    """What the SMTP server received: messages, whether each came over TLS, and logins."""

    messages: list[EmailMessage] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            cast(EmailMessage, message_from_bytes(envelope.content, policy=policy.default))
        )
        self.tls.append(session.ssl is not None)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    *,
    cert: tuple[Path, Path] | None = None,
    require_starttls: bool = False,
    password: str | None = None,
) -> Iterator[tuple[int, Mailbox]]:
    """Run aiosmtpd on 127.0.0.1; yield (port, mailbox).

    ``cert`` offers STARTTLS with that certificate; ``password`` requires a login with it
    (any user name).
    """
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    box = Mailbox()
    kwargs: dict[str, Any] = {"require_starttls": require_starttls}
    if cert is not None:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*cert)
        kwargs["tls_context"] = ctx
    if password is not None:

        def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            user, pw = data.login.decode(), data.password.decode()
            box.logins.append((user, pw))
            return AuthResult(success=pw == password, handled=False)

        kwargs |= {"authenticator": check, "auth_required": True, "auth_require_tls": True}
    port = free_port()
    ctl = Controller(box, hostname="127.0.0.1", port=port, **kwargs)
    ctl.start()
    try:
        yield port, box
    finally:
        ctl.stop()
