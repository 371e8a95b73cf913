"""Signing the pilot-order PDF with certificates: the solver's owner signs the issued
contract, the agency's approver countersigns the solver-signed PDF (a second signature,
an incremental update). Each step verifies the whole PDF (`signatures.verify`), then
signs the order through `orders.services.sign` / `countersign` — the same lifecycle step
as a typed signature — and archives the signed PDF with its SHA-256.

Rules: they take the session, the acting user and plain values, flush, audit, raise
DomainError with the reason, and never commit."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

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
from marketplace.orders import amendments
from marketplace.orders import services as orders
from marketplace.orders.models import OrderAmendment, OrderStatus, PilotOrder
from marketplace.orders.terms import terms_sha256
from marketplace.policy.orders import is_approver, is_solver_owner

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
    """Which signature of the contract comes next and over which bytes. Raises
    DomainError when the order is not waiting for a signature."""
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


def amendment_step(session, amendment: OrderAmendment, user) -> Step:
    """The next signature of an amendment: the side of `user` (the solver's owner or the
    agency's approver, in either order) over the amendment PDF, or over the PDF the
    other side signed."""
    order = amendment.order
    if is_solver_owner(user, order) and amendment.solver_signed_at is None:
        side, organization = "solver", order.solver
    elif is_approver(user, order) and amendment.agency_signed_at is None:
        side, organization = "agency", order.agency
    else:
        raise DomainError(_("Your side has already signed this amendment."))
    signed = documents.signed_documents(session, order, digest=amendment.terms_sha256)
    if signed:
        base = documents.read(signed[-1])
    else:
        base = documents.read(documents.amendment_proposed(session, user, amendment))
    return Step(side, "amendment.sign", organization, base, len(signed) + 1)


def _signed_bytes(step: Step, *, signed_pdf: bytes | None, pkcs12: bytes | None,
                  passphrase: str) -> tuple[bytes, str]:
    if not certificates_required():
        raise DomainError(_("No trust list of certificate authorities is configured: digital "
                            "signatures cannot be verified on this site."))
    if pkcs12 is not None:
        return sign_with_pkcs12(step.base, pkcs12, passphrase,
                                field_name=f"{FIELDS[step.side]}_{step.expected}"), "pkcs12"
    if signed_pdf:
        return signed_pdf, "upload"
    raise DomainError(_("Please choose the signed PDF, or your certificate file and its "
                        "passphrase."), field="signed_pdf")


def sign_order(session, user, order: PilotOrder, *, signed_pdf: bytes | None = None,
               pkcs12: bytes | None = None, passphrase: str = "") -> DocumentSignature:
    """Apply the next signature of the contract: either `signed_pdf` (signed with the
    user's own tool) or `pkcs12` + `passphrase` (the site signs with it for this call only;
    it is never stored). Raises DomainError with the reason when the signature is
    refused."""
    step = current_step(session, order, user)
    policy.require(user, step.action, order)
    data, method = _signed_bytes(step, signed_pdf=signed_pdf, pkcs12=pkcs12,
                                 passphrase=passphrase)
    last = verify(data, base=step.base, expected=step.expected,
                  organization=step.organization)[-1]
    digest = terms_sha256(order)
    rule = orders.sign if step.side == "solver" else orders.countersign
    rule(session, user, order, certificate=Certified(last.signer_name, digest))
    return _archive(session, user, order, step, last, data, digest, method)


def sign_amendment(session, user, amendment: OrderAmendment, *,
                   signed_pdf: bytes | None = None, pkcs12: bytes | None = None,
                   passphrase: str = "") -> DocumentSignature:
    """Sign an amendment's PDF with a certificate, as `sign_order` signs the contract;
    the second signature is appended to the PDF the first side signed."""
    policy.require(user, "amendment.sign", amendment)
    step = amendment_step(session, amendment, user)
    data, method = _signed_bytes(step, signed_pdf=signed_pdf, pkcs12=pkcs12,
                                 passphrase=passphrase)
    last = verify(data, base=step.base, expected=step.expected,
                  organization=step.organization)[-1]
    digest = amendment.terms_sha256
    amendments.sign(session, user, amendment, certificate=Certified(last.signer_name, digest))
    return _archive(session, user, amendment.order, step, last, data, digest, method)


def _archive(session, user, order, step: Step, last: VerifiedSignature, data: bytes,
             digest: str, method: str) -> DocumentSignature:
    """The signed PDF stored (kind ORDER_SIGNED, keyed by the terms it carries: an
    amendment's signed PDF becomes the order's once in effect) and the signature recorded
    and audited."""
    archived = documents.store(
        session, user, DocumentKind.ORDER_SIGNED, order.id, f"{digest}:{step.expected}", data,
        f"hop-dong-{order.id}-{digest[:8]}-da-ky-{step.expected}.pdf")
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
        "method": method,
        "timestamped_at": last.timestamped_at.isoformat() if last.timestamped_at else None})
    return signature


def signatures_of(session, order: PilotOrder, *, digest: str | None = None
                  ) -> list[DocumentSignature]:
    """The verified digital signatures of the order's current terms (or of the terms
    with SHA-256 `digest`: a pending amendment's), in order."""
    return list(session.scalars(_signatures_statement(), {
        "order_id": order.id, "digest": digest or terms_sha256(order)}))


@functools.cache
def _signatures_statement():
    """`signatures_of`'s statement, the order and the digest parameters: built once (the
    order's page asks it on every view; building it and its cache key cost more than
    running it)."""
    return (select(DocumentSignature)
            .where(DocumentSignature.order_id == bindparam("order_id"),
                   DocumentSignature.terms_sha256 == bindparam("digest"))
            .order_by(DocumentSignature.id))
