"""Sending mail behind one small interface: console (development), memory (tests), SMTP.

Rules never send mail themselves; views send after the commit."""

from __future__ import annotations

import smtplib
import sys
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app


@dataclass
class Mail:
    to: str
    subject: str
    body: str


class ConsoleBackend:
    def send(self, mail: Mail, sender: str) -> None:
        print(f"--- mail to {mail.to} from {sender}\nSubject: {mail.subject}\n\n{mail.body}\n---",
              file=sys.stderr, flush=True)


class MemoryBackend:
    def __init__(self) -> None:
        self.outbox: list[Mail] = []

    def send(self, mail: Mail, sender: str) -> None:
        self.outbox.append(mail)


class SMTPBackend:
    def __init__(self, config) -> None:
        self.config = config

    def send(self, mail: Mail, sender: str) -> None:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        cfg = self.config
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(message)


def _backend_for(app: Flask):
    name = app.config["MAIL_BACKEND"]
    if name == "smtp" or (name == "console" and app.config["MAIL_SERVER"]):
        return SMTPBackend(app.config)
    if name == "memory":
        return MemoryBackend()
    return ConsoleBackend()


def send(to: str, subject: str, body: str) -> None:
    backend = current_app.extensions["mail_backend"]
    backend.send(Mail(to, subject, body), current_app.config["MAIL_DEFAULT_SENDER"])


def init_app(app: Flask) -> None:
    app.extensions["mail_backend"] = _backend_for(app)
