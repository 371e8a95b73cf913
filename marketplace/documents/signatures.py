"""PAdES signatures on the pilot-order PDF, verified with pyHanko.

The trust list is `SIGNATURE_TRUST_LIST`: a PEM file, or a folder of PEM/DER files
(`*.pem`, `*.crt`, `*.cer`) with the certificate authorities whose certificates the site
accepts, and optionally their revocation lists (`*.crl`). With no trust list the site
keeps the typed-name signature; with one, every signature must be a digital one.
`SIGNATURE_FETCH_REVOCATION=1` (both read in config.py) lets the validator fetch CRLs
and OCSP answers named in the certificates (off by default: a site without outbound
network still verifies, using the revocation data embedded in the PDF or placed beside
the trust list). `SIGNATURE_TIMESTAMP_URL`, when set, is an RFC 3161 time-stamping
authority: signatures the site applies carry its timestamp, and the verification reports
the timestamp's time (a timestamp must chain to the trust list too).

`verify(data, base=..., expected=..., organization=...)` checks, and on the first failure
raises a DomainError whose message is the reason shown to the user:

1. the PDF is `base` (the issued document, or the solver-signed one for the
   countersignature) with signatures appended as incremental updates — nothing of the
   issued bytes changed, and a countersignature cannot drop the first;
2. it holds exactly `expected` signatures;
3. each signature is intact (the signed bytes hash to the signed digest), the
   cryptography valid, the certificate within its validity period now and when
   signed, chained to the trust list, not revoked where revocation data is available;
   a signature timestamp, when present, intact and its TSA chained to the trust list;
4. nothing but signatures was added after each signature (pyHanko's difference
   analysis), and the last one covers the whole file;
5. the last signer's certificate names the organization: its tax or registration code in
   a subject attribute (e.g. UID "MST:0101234567"), or its name as CN or O."""

from __future__ import annotations

import asyncio
import hashlib
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from flask import current_app
from flask_babel import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from marketplace.errors import DomainError

ALLOWED_AFTER_SIGNING = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                         ModificationLevel.FORM_FILLING)
CERT_SUFFIXES = (".pem", ".crt", ".cer")


def setting(name: str) -> str:
    """A signature setting of the app's configuration (config.py), as text."""
    value = current_app.config.get(name)
    return "" if value is None or value is False else str(value).strip()


def trust_list_path() -> str:
    return setting("SIGNATURE_TRUST_LIST")


def certificates_required() -> bool:
    """True when a trust list is configured: then only digital signatures are accepted."""
    return bool(trust_list_path())


def _pem_or_der_blocks(data: bytes) -> list[bytes]:
    from asn1crypto import pem

    if pem.detect(data):
        return [der for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [data]


def load_trust_list(path: str) -> tuple[list[asn1_x509.Certificate], list[bytes]]:
    """The CA certificates and CRLs (DER) at `path` (a file or a folder). Raises
    RuntimeError when it holds no certificate: a misconfigured trust list must not
    silently accept nothing — or everything."""
    from asn1crypto import crl as asn1_crl

    root = Path(path)
    files = sorted(root.iterdir()) if root.is_dir() else [root]
    certificates, crls = [], []
    for file in files:
        if file.suffix.lower() in CERT_SUFFIXES:
            certificates += [asn1_x509.Certificate.load(der)
                             for der in _pem_or_der_blocks(file.read_bytes())]
        elif file.suffix.lower() == ".crl":
            crls += [asn1_crl.CertificateList.load(der).dump()
                     for der in _pem_or_der_blocks(file.read_bytes())]
    if not certificates:
        raise RuntimeError(f"SIGNATURE_TRUST_LIST {path!r} holds no certificate")
    return certificates, crls


@dataclass(frozen=True)
class VerifiedSignature:
    """One verified signature, as the order page shows it."""

    signer_name: str
    subject: str
    issuer: str
    serial: str
    certificate_sha256: str
    signed_at: datetime | None  # the timestamp's time when timestamped, else the claimed
    result: str  # a key of models.VERIFICATION_RESULTS
    timestamped_at: datetime | None = None  # the RFC 3161 timestamp's time (UTC), if any


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


def _subject_values(cert: asn1_x509.Certificate) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for rdn in cert.subject.chosen:
        for attribute in rdn:
            name = attribute["type"].native
            value = attribute["value"].native
            values.setdefault(name, []).append(str(value))
    return values


def names_organization(cert: asn1_x509.Certificate, organization) -> bool:
    """Does the certificate name `organization` (by code or by name)?"""
    values = _subject_values(cert)
    code = _norm(organization.registration_code)
    for value in (v for vs in values.values() for v in vs):
        text = _norm(value)
        if code and (text == code or text.rsplit(":", 1)[-1].strip() == code):
            return True
    names = {_norm(organization.name_vi), _norm(getattr(organization, "name_en", ""))} - {""}
    return any(_norm(v) in names for key in ("common_name", "organization_name")
               for v in values.get(key, []))


def _signer_name(cert: asn1_x509.Certificate) -> str:
    values = _subject_values(cert)
    for key in ("common_name", "organization_name"):
        if values.get(key):
            return values[key][0]
    return cert.subject.human_friendly


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _trust_reason(status) -> str:
    indication = str(getattr(status, "trust_problem_indic", "") or "")
    if "REVOKED" in indication:
        return _("the certificate has been revoked")
    if "NO_CERTIFICATE_CHAIN_FOUND" in indication or "CHAIN_CONSTRAINTS" in indication:
        return _("the certificate was not issued by a certificate authority on the "
                 "site's trust list")
    if "EXPIRED" in indication or "OUT_OF_BOUNDS" in indication or "NOT_YET" in indication:
        return _("the certificate is outside its validity period")
    return _("the certificate could not be verified against the site's trust list "
             "(%(reason)s)", reason=indication or "?")


def _declares_revocation(cert: asn1_x509.Certificate) -> bool:
    return bool(cert.crl_distribution_points or cert.ocsp_urls)


def _check_one(embedded, context, *, number: int, last: bool, have_crls: bool
               ) -> VerifiedSignature:
    cert = embedded.signer_cert
    now = datetime.now(UTC)
    validity = cert["tbs_certificate"]["validity"]
    not_before = validity["not_before"].native
    not_after = validity["not_after"].native
    claimed = _as_utc(embedded.self_reported_timestamp)
    start, end = not_before.strftime("%d/%m/%Y"), not_after.strftime("%d/%m/%Y")
    for moment in (now, claimed):
        if moment is not None and not not_before <= moment <= not_after:
            raise DomainError(_("Signature %(n)d is refused: the certificate of %(name)s is "
                                "valid from %(start)s to %(end)s only.", n=number,
                                name=_signer_name(cert), start=start, end=end))
    try:
        status = _outside_event_loop(validate_pdf_signature, embedded, context)
    except (SignatureValidationError, ValueError, KeyError) as error:
        raise DomainError(_("Signature %(n)d is refused: it could not be checked (%(error)s).",
                            n=number, error=str(error)[:200])) from error
    if not status.intact or not status.valid:
        raise DomainError(_("Signature %(n)d is refused: the document was changed after it "
                            "was signed, or the signature is damaged.", n=number))
    if not status.trusted:
        raise DomainError(_("Signature %(n)d is refused: %(reason)s.", n=number,
                            reason=_trust_reason(status)))
    stamp = status.timestamp_validity
    if stamp is not None and not (stamp.intact and stamp.valid and stamp.trusted):
        raise DomainError(_("Signature %(n)d is refused: its timestamp is damaged or was "
                            "not issued by a time-stamping authority of the site's trust "
                            "list.", n=number))
    stamped = _as_utc(stamp.timestamp) if stamp is not None else None
    level = status.modification_level
    if level is not None and level not in ALLOWED_AFTER_SIGNING:
        raise DomainError(_("Signature %(n)d is refused: the document was modified after it "
                            "was signed.", n=number))
    if last and status.coverage.name != "ENTIRE_FILE":
        raise DomainError(_("Signature %(n)d is refused: it does not cover the whole "
                            "file.", n=number))
    if not _declares_revocation(cert):
        result = "valid:no-revocation-service"
    elif have_crls or status.revocation_details:
        result = "valid:not-revoked"
    else:
        result = "valid:no-revocation-data"
    return VerifiedSignature(
        signer_name=_signer_name(cert), subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly, serial=format(cert.serial_number, "x"),
        certificate_sha256=hashlib.sha256(cert.dump()).hexdigest(),
        signed_at=stamped or claimed, result=result, timestamped_at=stamped)


def _outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous functions, which run their own event loop with
    `asyncio.run`: in a thread of its own when this thread already runs a loop (a caller
    driven by an async framework), directly otherwise."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def verify(data: bytes, *, base: bytes, expected: int, organization) -> list[VerifiedSignature]:
    """Verify the `expected` signatures of `data` (see the module's docstring); return
    them, first first. Raises DomainError with the reason on the first failure."""
    if not data.startswith(base) or len(data) == len(base):
        if expected > 1:
            raise DomainError(_("This PDF does not contain the document as the other side "
                                "signed it: the second signature must be added to the signed "
                                "PDF without removing or changing the first signature."))
        raise DomainError(_("This PDF is not the issued contract with a signature added: "
                            "sign the PDF downloaded from this page without changing it."))
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, IndexError) as error:
        raise DomainError(_("This file could not be read as a PDF.")) from error
    if len(embedded) != expected:
        raise DomainError(_("This PDF holds %(found)d signatures; %(expected)d are expected "
                            "at this step.", found=len(embedded), expected=expected))
    roots, crls = load_trust_list(trust_list_path())
    context = ValidationContext(
        trust_roots=roots, crls=crls, revocation_mode="soft-fail",
        allow_fetching=bool(current_app.config.get("SIGNATURE_FETCH_REVOCATION")))
    verified = [_check_one(sig, context, number=i, last=i == expected, have_crls=bool(crls))
                for i, sig in enumerate(embedded, start=1)]
    if not names_organization(embedded[-1].signer_cert, organization):
        raise DomainError(_("The certificate names %(subject)s, not %(org)s: sign with a "
                            "certificate issued to your organization (its name or tax "
                            "code).", subject=verified[-1].subject, org=organization.name_vi))
    return verified


def timestamper():
    """The RFC 3161 client of `SIGNATURE_TIMESTAMP_URL` (pyHanko's, over HTTP), or None
    when no time-stamping authority is configured."""
    url = setting("SIGNATURE_TIMESTAMP_URL")
    if not url:
        return None
    from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=10)


def sign_with_pkcs12(data: bytes, pkcs12: bytes, passphrase: str, *, field_name: str) -> bytes:
    """Sign `data` (PAdES baseline, SHA-256) with the key and certificate of a PKCS#12
    file, as an incremental update, timestamped by `SIGNATURE_TIMESTAMP_URL` when set.
    The file and passphrase are used for this call only and never stored. Raises
    DomainError when the file or passphrase is wrong, or the TSA does not answer."""
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(
            pkcs12, other_certs=[], passphrase=passphrase.encode("utf-8") or None)
    except (ValueError, TypeError) as error:
        signer = None
        cause = error
    else:
        cause = None
    if signer is None:
        raise DomainError(_("The certificate file could not be opened: check the file "
                            "(PKCS#12, .p12 or .pfx) and its passphrase."),
                          field="pkcs12") from cause
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES)
    try:
        output = _outside_event_loop(signers.sign_pdf, writer, meta, signer=signer,
                                     timestamper=timestamper())
    except (SigningError, ValueError, OSError) as error:
        raise DomainError(_("The PDF could not be signed: %(error)s", error=str(error)[:200]),
                          field="pkcs12") from error
    return output.getvalue()
