"""Sending mail behind one small interface: console (development), memory (tests), SMTP.

Nothing here is called inside a request: mail is written to the outbox
(`notifications.outbox.queue`) in the transaction of its event, and the worker sends it
(`notifications.outbox.send_due`, a job of `marketplace.jobs`).

The SMTP transport is Flask-Mailman's (Django's email backend): one connection per batch,
STARTTLS (`MAIL_USE_TLS`) or SMTPS (`MAIL_USE_SSL`), `MAIL_TIMEOUT` seconds per operation.
Both kinds of TLS verify the server's certificate chain and host name, against
`MAIL_SSL_CAFILE` when set and the system's store otherwise (Flask-Mailman's STARTTLS would
accept any certificate: a relay on the path could read every reset link)."""

from __future__ import annotations

import functools
import smtplib
import ssl
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask, current_app
from flask_mailman import EmailMessage
from flask_mailman import Mail as Mailman
from flask_mailman.backends.smtp import EmailBackend


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    # extra header lines, e.g. List-Unsubscribe / List-Unsubscribe-Post (RFC 8058)
    headers: dict[str, str] = field(default_factory=dict)


Sender = Callable[[Mail], None]


class ConsoleBackend:
    def send(self, mail: Mail, sender: str) -> None:
        extra = "".join(f"{name}: {value}\n" for name, value in mail.headers.items())
        print(f"--- mail to {mail.to} from {sender}\nSubject: {mail.subject}\n{extra}\n"
              f"{mail.body}\n---", file=sys.stderr, flush=True)

    @contextmanager
    def connection(self, sender: str) -> Iterator[Sender]:
        yield lambda mail: self.send(mail, sender)


class MemoryBackend(ConsoleBackend):
    def __init__(self) -> None:
        self.outbox: list[Mail] = []

    def send(self, mail: Mail, sender: str) -> None:
        self.outbox.append(mail)


class _ClosingConnect:
    """smtplib leaves its socket open when the server accepts the connection and then
    fails to greet (a silent or dying server): close it at once rather than leave it to
    the garbage collector."""

    def connect(self, host="localhost", port=0, source_address=None):
        try:
            return super().connect(host, port, source_address)
        except BaseException:
            self.close()
            raise


class _SMTP(_ClosingConnect, smtplib.SMTP):
    """STARTTLS with the verifying context given at construction, whatever the caller
    passes (Flask-Mailman passes none, and smtplib's own default verifies nothing)."""

    def __init__(self, *args, tls_context: ssl.SSLContext, **kwargs) -> None:
        self.tls_context = tls_context
        super().__init__(*args, **kwargs)

    def starttls(self, keyfile=None, certfile=None, context=None):
        return super().starttls(context=self.tls_context)


class _SMTPS(_ClosingConnect, smtplib.SMTP_SSL):
    pass


def tls_context(cafile: str = "") -> ssl.SSLContext:
    """A client TLS context that verifies the mail server's certificate chain and host name:
    against the PEM bundle `cafile` when given, else the system's certificate store.
    Raises OSError (FileNotFoundError, ssl.SSLError) for a missing or unreadable bundle."""
    return ssl.create_default_context(cafile=cafile or None)


class _Connection(EmailBackend):
    def __init__(self, *args, cafile: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cafile = cafile

    @functools.cached_property
    def ssl_context(self) -> ssl.SSLContext:
        return tls_context(self.cafile)

    @property
    def connection_class(self):
        if self.use_ssl:
            return _SMTPS  # Flask-Mailman passes `ssl_context` for SMTPS
        return functools.partial(_SMTP, tls_context=self.ssl_context)


class SMTPBackend:
    """Flask-Mailman's SMTP backend: `connection()` opens one SMTP session for a batch
    (raising the connection's error when the server refuses or does not answer)."""

    def __init__(self, app: Flask) -> None:
        self.mailman = Mailman()
        self.mailman.init_app(app)
        self.cafile = app.config.get("MAIL_SSL_CAFILE", "")

    def _open(self):
        connection = self.mailman.get_connection(backend=_Connection, fail_silently=False,
                                                 cafile=self.cafile)
        connection.open()
        return connection

    @contextmanager
    def connection(self, sender: str) -> Iterator[Sender]:
        connection = self._open()
        try:
            yield lambda mail: self._send(connection, mail, sender)
        finally:
            connection.close()

    @staticmethod
    def _send(connection, mail: Mail, sender: str) -> None:
        message = EmailMessage(mail.subject, mail.body, sender, [mail.to],
                               connection=connection, headers=dict(mail.headers) or None)
        if message.send(fail_silently=False) != 1:
            raise RuntimeError("the SMTP server did not accept the message")

    def send(self, mail: Mail, sender: str) -> None:
        with self.connection(sender) as send:
            send(mail)


def _backend_for(app: Flask):
    name = app.config["MAIL_BACKEND"]
    if name == "smtp" or (name == "console" and app.config["MAIL_SERVER"]):
        return SMTPBackend(app)
    if name == "memory":
        return MemoryBackend()
    return ConsoleBackend()


def backend():
    return current_app.extensions["mail_backend"]


@contextmanager
def connection() -> Iterator[Sender]:
    """One connection for a batch of mail: `with connection() as send: send(Mail(...))`.
    A backend with only `send(mail, sender)` (a test double) is used message by message."""
    chosen, sender = backend(), current_app.config["MAIL_DEFAULT_SENDER"]
    if hasattr(chosen, "connection"):
        with chosen.connection(sender) as send:
            yield send
    else:
        yield lambda mail: chosen.send(mail, sender)


def init_app(app: Flask) -> None:
    app.extensions["mail_backend"] = _backend_for(app)
