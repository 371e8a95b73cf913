"""Mail over TLS (issue 15): the worker sends through a real TLS mail server on 127.0.0.1,
by STARTTLS (`MAIL_USE_TLS`) and by SMTPS (`MAIL_USE_SSL`), and verifies its certificate.

The server's certificate is issued by a throw-away authority made by the test
(`tests/documents_pki.py`) for the address 127.0.0.1. Trusted through `MAIL_SSL_CAFILE`, the
mail goes out encrypted; issued by another authority (or not in the system's store), the
mail is refused before any word of it is sent and stays in the outbox for a later try."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select

from marketplace import mail
from marketplace.extensions import db
from marketplace.notifications import outbox, services
from marketplace.notifications.models import OutboxEmail
from tests.documents_pki import Authority


class Received:
    def __init__(self) -> None:
        self.envelopes: list = []
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        self.encrypted.append(session.ssl is not None
                              or server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"


def _server_certificate(authority: Authority, folder):
    """A TLS server certificate for 127.0.0.1 issued by `authority`, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(authority.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                authority.key.public_key()), critical=False)
            .sign(authority.key, hashes.SHA256()))
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def tls_server(kind: str, context: ssl.SSLContext, port: int):
    """A mail server on 127.0.0.1:`port`: SMTPS (TLS from the first byte), or plain SMTP that
    refuses any mail before STARTTLS."""
    handler = Received()
    if kind == "smtps":
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port,
                                tls_context=context, require_starttls=True)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def authorities(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mail-tls")
    trusted, stranger = Authority.create("Mail CA"), Authority.create("Another CA")
    (folder / "trusted.pem").write_bytes(trusted.pem())
    (folder / "stranger.pem").write_bytes(stranger.pem())
    return {"folder": folder, "context": _server_certificate(trusted, folder),
            "trusted": str(folder / "trusted.pem"), "stranger": str(folder / "stranger.pem")}


@pytest.fixture
def send_over(app, monkeypatch):
    """Points the app's SMTP transport at 127.0.0.1:`port` with the given TLS settings and
    sends what is due in the outbox; gives back the outbox report."""
    previous = app.extensions["mail_backend"], app.extensions.get("mailman")

    def send(port: int, *, kind: str, cafile: str):
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
        monkeypatch.setitem(app.config, "MAIL_USE_TLS", kind == "starttls")
        monkeypatch.setitem(app.config, "MAIL_USE_SSL", kind == "smtps")
        monkeypatch.setitem(app.config, "MAIL_SSL_CAFILE", cafile)
        app.extensions["mail_backend"] = mail.SMTPBackend(app)
        with app.app_context():
            return outbox.send_due(db.session)

    yield send
    app.extensions["mail_backend"] = previous[0]
    if previous[1] is not None:
        app.extensions["mailman"] = previous[1]


@pytest.mark.parametrize("kind", ["starttls", "smtps"])
def test_mail_goes_out_encrypted_to_a_server_the_authority_vouches_for(
        app, session, make_user, authorities, send_over, kind):
    user = make_user()
    services.notify(session, [user], "order.signed", lambda: "Đơn hàng đã được ký")
    session.commit()
    port = _free_port()
    with tls_server(kind, authorities["context"], port) as received:
        report = send_over(port, kind=kind, cafile=authorities["trusted"])
    assert (report.sent, report.failed) == (1, 0)
    [envelope] = received.envelopes
    assert envelope.rcpt_tos == [user.email]
    assert received.encrypted == [True]
    email = session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email)).one()
    session.refresh(email)
    assert email.sent_at is not None


@pytest.mark.parametrize("kind", ["starttls", "smtps"])
@pytest.mark.parametrize("trust", ["stranger", "system"])
def test_a_certificate_nobody_vouches_for_is_refused_and_the_mail_kept(
        app, session, make_user, authorities, send_over, kind, trust):
    """Flask-Mailman's own STARTTLS would send to any certificate; ours refuses it before
    the first word of the message, and the outbox keeps the mail for a later try."""
    user = make_user()
    services.notify(session, [user], "order.signed", lambda: "x")
    session.commit()
    port = _free_port()
    cafile = authorities["stranger"] if trust == "stranger" else ""
    with tls_server(kind, authorities["context"], port) as received:
        report = send_over(port, kind=kind, cafile=cafile)
    assert (report.sent, report.failed) == (0, 1)
    assert received.envelopes == []
    email = session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email)).one()
    session.refresh(email)
    assert email.sent_at is None and email.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in email.last_error


def test_the_tls_settings_are_refused_with_their_names(tmp_path):
    from config import ConfigError, read_settings

    with pytest.raises(ConfigError, match="MAIL_USE_SSL"):
        read_settings({"MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"})
    with pytest.raises(ConfigError, match="MAIL_SSL_CAFILE"):
        read_settings({"MAIL_SSL_CAFILE": str(tmp_path / "missing.pem")})
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ConfigError, match="MAIL_SSL_CAFILE"):
        read_settings({"MAIL_SSL_CAFILE": str(garbage)})
