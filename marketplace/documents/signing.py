"""Signing the pilot-order PDF with certificates: the solver's owner signs the issued
contract, the agency's approver countersigns the solver-signed PDF (a second signature,
an incremental update). Each step verifies the whole PDF (`signatures.verify`), then
signs the order through `orders.services.sign` / `countersign` — the same lifecycle step
as a typed signature — and archives the signed PDF with its SHA-256.

Rules: they take the session, the acting user and plain values, flush, audit, raise
DomainError with the reason, and never commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import policy
from marketplace.audit.services import record
from marketplace.documents import services as documents
from marketplace.documents.models import DocumentKind, DocumentSignature
from marketplace.documents.signatures import (
    VerifiedSignature,
    certificates_required,
    sign_with_pkcs12,
    verify,
)
from marketplace.errors import DomainError
from marketplace.orders import services as orders
from marketplace.orders.models import OrderStatus, PilotOrder
from marketplace.orders.terms import terms_sha256

FIELDS = {"solver": "Chu_ky_Ben_B", "agency": "Chu_ky_Ben_A"}


@dataclass(frozen=True)
class Certified:
    """What `orders.services.sign` needs of a verified digital signature."""

    signer_name: str
    terms_sha256: str


@dataclass(frozen=True)
class Step:
    side: str  # solver | agency
    action: str  # the policy action
    organization: object
    base: bytes  # the PDF the new signature is appended to
    expected: int  # signatures in the PDF once signed


def current_step(session, order: PilotOrder, actor=None) -> Step:
    """Which signature comes next and over which bytes. Raises DomainError when the
    order is not waiting for a signature."""
    signed = documents.signed_documents(session, order)
    if order.status is OrderStatus.OFFERED:
        issued = documents.order_document(session, actor, order)
        return Step("solver", "order.sign", order.solver, documents.read(issued), 1)
    if order.status is OrderStatus.SIGNED:
        if signed:
            return Step("agency", "order.countersign", order.agency,
                        documents.read(signed[-1]), len(signed) + 1)
        issued = documents.order_document(session, actor, order)  # typed first signature
        return Step("agency", "order.countersign", order.agency, documents.read(issued), 1)
    raise DomainError(_("This order is not waiting for a signature."))


def sign_order(session, user, order: PilotOrder, *, signed_pdf: bytes | None = None,
               pkcs12: bytes | None = None, passphrase: str = "") -> DocumentSignature:
    """Apply the next signature: either `signed_pdf` (the contract signed with the user's
    own tool) or `pkcs12` + `passphrase` (the site signs with it for this call only; it is
    never stored). Raises DomainError with the reason when the signature is refused."""
    step = current_step(session, order, user)
    policy.require(user, step.action, order)
    if not certificates_required():
        raise DomainError(_("No trust list of certificate authorities is configured: digital "
                            "signatures cannot be verified on this site."))
    if pkcs12 is not None:
        method = "pkcs12"
        data = sign_with_pkcs12(step.base, pkcs12, passphrase, field_name=FIELDS[step.side])
    elif signed_pdf:
        method = "upload"
        data = signed_pdf
    else:
        raise DomainError(_("Please choose the signed PDF, or your certificate file and its "
                            "passphrase."), field="signed_pdf")
    verified = verify(data, base=step.base, expected=step.expected,
                      organization=step.organization)
    last = verified[-1]
    digest = terms_sha256(order)
    rule = orders.sign if step.side == "solver" else orders.countersign
    rule(session, user, order, certificate=Certified(last.signer_name, digest))
    archived = documents.store(
        session, user, DocumentKind.ORDER_SIGNED, order.id, f"{digest}:{step.expected}", data,
        f"hop-dong-{order.id}-da-ky-{step.expected}.pdf")
    signature = _record(session, user, order, step, last, archived, digest, method)
    return signature


def _record(session, user, order, step: Step, last: VerifiedSignature, archived, digest,
            method) -> DocumentSignature:
    signature = DocumentSignature(
        order_id=order.id, side=step.side, document_id=archived.id,
        covers_sha256=hashlib.sha256(step.base).hexdigest(), terms_sha256=digest,
        signer_name=last.signer_name[:300], subject=last.subject, issuer=last.issuer,
        serial=last.serial[:100], certificate_sha256=last.certificate_sha256,
        signed_at=last.signed_at, result=last.result, method=method, user_id=user.id)
    session.add(signature)
    session.flush()
    record(session, user, "order.digitally_signed", order, after={
        "side": step.side, "signer": last.signer_name, "subject": last.subject,
        "issuer": last.issuer, "serial": last.serial,
        "certificate_sha256": last.certificate_sha256, "terms_sha256": digest,
        "covers_sha256": signature.covers_sha256, "signed_pdf_sha256": archived.sha256,
        "method": method})
    return signature


def signatures_of(session, order: PilotOrder) -> list[DocumentSignature]:
    """The verified digital signatures of the order's current terms, in order."""
    return list(session.scalars(select(DocumentSignature).where(
        DocumentSignature.order_id == order.id,
        DocumentSignature.terms_sha256 == terms_sha256(order)).order_by(DocumentSignature.id)))
