from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace import labels
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow


class DocumentKind(StrEnum):
    AWARD_DECISION = "award_decision"  # subject: an award
    ORDER = "order"  # subject: an order; key: the terms' SHA-256 — the parties' version
    ORDER_PUBLIC = "order_public"  # the same without the confidential terms
    ORDER_SIGNED = "order_signed"  # key: "<terms sha256>:<number of signatures>"
    AMENDMENT = "amendment"  # subject: an order amendment
    RECEIPT = "receipt"  # subject: a submission; key: its receipt digest
    OPENING_RECORD = "opening_record"  # subject: a challenge


labels.register(DocumentKind, {
    DocumentKind.AWARD_DECISION: _l("Award decision (PDF)"),
    DocumentKind.ORDER: _l("Pilot order contract (PDF)"),
    DocumentKind.ORDER_PUBLIC: _l("Pilot order contract, public version (PDF)"),
    DocumentKind.ORDER_SIGNED: _l("Signed pilot order contract (PDF)"),
    DocumentKind.AMENDMENT: _l("Amendment (PDF)"),
    DocumentKind.RECEIPT: _l("Submission receipt (PDF)"),
    DocumentKind.OPENING_RECORD: _l("Opening record (PDF)"),
})


class IssuedDocument(db.Model):
    """A document as issued: its bytes stored once (through the file storage) and their
    SHA-256, so that a later change of template never changes what was issued. One row
    per (kind, subject, key); the key names the version (the digest it was made from)."""

    __tablename__ = "issued_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "document_kind"))
    subject_id: Mapped[int]
    key: Mapped[str] = mapped_column(String(80), default="", server_default="")
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("kind", "subject_id", "key"),)


class SignatureKind(StrEnum):
    CERTIFICATE = "certificate"  # PAdES, an X.509 certificate verified against the trust list
    TYPED = "typed"  # the typed full name (only without a trust list)


labels.register(SignatureKind, {
    SignatureKind.CERTIFICATE: _l("Digital signature (certificate)"),
    SignatureKind.TYPED: _l("Typed name"),
})


VERIFICATION_RESULTS = {
    "valid:not-revoked": _l("Valid: intact, certificate chained to the trust list, within its "
                            "validity period, not revoked according to the revocation data "
                            "available."),
    "valid:no-revocation-data": _l("Valid: intact, certificate chained to the trust list, "
                                   "within its validity period; no revocation data was "
                                   "available."),
    "valid:no-revocation-service": _l("Valid: intact, certificate chained to the trust list, "
                                      "within its validity period; the certificate declares "
                                      "no revocation service."),
}


class DocumentSignature(db.Model):
    """A verified digital signature on a pilot-order PDF: who signed (as the certificate
    says), when, over which document, and the verification's result."""

    __tablename__ = "document_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("pilot_orders.id", ondelete="CASCADE"),
                                          index=True)
    side: Mapped[str] = mapped_column(String(10))  # solver | agency
    document_id: Mapped[int] = mapped_column(ForeignKey("issued_documents.id"))
    # the issued, unsigned document the signature covers, and the terms it carries
    covers_sha256: Mapped[str] = mapped_column(String(64))
    terms_sha256: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)
    serial: Mapped[str] = mapped_column(String(100))
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # as the signer says
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(10))  # upload | pkcs12
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("order_id", "side", "terms_sha256"),)

    @property
    def result_text(self) -> str:
        return str(VERIFICATION_RESULTS.get(self.result, self.result))
