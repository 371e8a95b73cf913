"""A throw-away public-key infrastructure for the signature tests, made with
`cryptography`: a trusted CA, an untrusted one, and end-entity certificates (EC P-256:
fast) in PKCS#12 files. Nothing here is a real certificate authority."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSPHRASE = "test-passphrase"
# declared in every certificate so that revocation is checked; never fetched (the CRL
# is placed beside the trust list)
CRL_URL = "http://127.0.0.1:9/test-ca.crl"


def _name(common_name: str, organization: str = "", uid: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                  x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if uid:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, uid))
    return x509.Name(attributes)


@dataclass
class Authority:
    name: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    revoked: list[int] = field(default_factory=list)

    @classmethod
    def create(cls, name: str) -> Authority:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        subject = _name(name, organization="Test CA (throw-away)")
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=3650))
                .not_valid_after(now + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True,
                    crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                               critical=False)
                .sign(key, hashes.SHA256()))
        return cls(name, key, cert)

    def issue(self, common_name: str, *, organization: str = "", uid: str = "",
              not_before: datetime | None = None, not_after: datetime | None = None
              ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        cert = (x509.CertificateBuilder()
                .subject_name(_name(common_name, organization, uid))
                .issuer_name(self.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(not_before or now - timedelta(days=30))
                .not_valid_after(not_after or now + timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=True, content_commitment=True, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=False,
                    crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                               critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.key.public_key()), critical=False)
                .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                    full_name=[x509.UniformResourceIdentifier(CRL_URL)], relative_name=None,
                    reasons=None, crl_issuer=None)]), critical=False)
                .sign(self.key, hashes.SHA256()))
        return cert, key

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def crl_pem(self) -> bytes:
        now = datetime.now(UTC)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.cert.subject)
                   .last_update(now - timedelta(hours=1)).next_update(now + timedelta(days=7))
                   .add_extension(x509.CRLNumber(1), critical=False))
        for serial in self.revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(now - timedelta(minutes=30)).build())
        return builder.sign(self.key, hashes.SHA256()).public_bytes(
            serialization.Encoding.PEM)


def p12(cert: x509.Certificate, key, *, ca: Authority | None = None,
        passphrase: str = PASSPHRASE) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, [ca.cert] if ca else None,
        serialization.BestAvailableEncryption(passphrase.encode()))


def write_trust_list(folder: Path, *authorities: Authority, crls: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index, authority in enumerate(authorities):
        (folder / f"ca{index}.pem").write_bytes(authority.pem())
        if crls:
            (folder / f"ca{index}.crl").write_bytes(authority.crl_pem())
    return folder
