"""A throw-away public-key infrastructure for the signature tests, made with
`cryptography`: a trusted CA, an untrusted one, and end-entity certificates (EC P-256:
fast) in PKCS#12 files; `PkiServer` answers OCSP requests for them and RFC 3161
timestamp requests (pyHanko's DummyTimeStamper) on 127.0.0.1. Nothing here is a real
certificate authority."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp as asn1_tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
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
    issued: dict[int, x509.Certificate] = field(default_factory=dict)

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
              not_before: datetime | None = None, not_after: datetime | None = None,
              ocsp_url: str = "", crl: bool = True,
              usage: x509.ObjectIdentifier = ExtendedKeyUsageOID.EMAIL_PROTECTION,
              key=None) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """An end-entity certificate and its key; `ocsp_url` declares an OCSP responder,
        `crl` the (never fetched) CRL_URL; `usage` TIME_STAMPING makes a TSA's; `key` a
        key of the caller's (default: a new EC P-256 one)."""
        key = key or ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        builder = (x509.CertificateBuilder()
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
                .add_extension(x509.ExtendedKeyUsage([usage]),
                               critical=usage == ExtendedKeyUsageOID.TIME_STAMPING)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.key.public_key()), critical=False))
        if crl:
            builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(CRL_URL)], relative_name=None,
                reasons=None, crl_issuer=None)]), critical=False)
        if ocsp_url:
            builder = builder.add_extension(x509.AuthorityInformationAccess([
                x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                       x509.UniformResourceIdentifier(ocsp_url))]),
                critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        self.issued[cert.serial_number] = cert
        return cert, key

    def ocsp_response(self, request: ocsp.OCSPRequest) -> bytes:
        """The CA's own signed OCSP answer (good, revoked, or unknown) to `request`."""
        cert = self.issued.get(request.serial_number)
        if cert is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
        now = datetime.now(UTC)
        revoked = request.serial_number in self.revoked
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=self.cert, algorithm=request.hash_algorithm,  # as asked
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=5), next_update=now + timedelta(days=1),
            revocation_time=now - timedelta(minutes=30) if revoked else None,
            revocation_reason=None).responder_id(ocsp.OCSPResponderEncoding.HASH, self.cert)
        for extension in request.extensions:
            if isinstance(extension.value, x509.OCSPNonce):
                builder = builder.add_extension(extension.value, critical=False)
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

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


class PkiServer:
    """OCSP (`/ocsp`, for every authority given) and RFC 3161 timestamps (`/tsa`, a TSA
    certificate issued by the first authority) over HTTP on 127.0.0.1, in a thread; a
    context manager. `requests` counts the answers per path."""

    def __init__(self, *authorities: Authority):
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        self.authorities = authorities
        tsa_cert, tsa_key = authorities[0].issue(
            "Test TSA (throw-away)", crl=False, usage=ExtendedKeyUsageOID.TIME_STAMPING,
            key=rsa.generate_private_key(public_exponent=65537, key_size=2048))  # RSA only
        self.timestamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(
                serialization.Encoding.DER)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())))
        self.requests: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.rstrip("/")
                server.requests[path] = server.requests.get(path, 0) + 1
                if path == "/tsa":
                    answer = server.timestamper.request_tsa_response(
                        asn1_tsp.TimeStampReq.load(body)).dump()
                    kind = "application/timestamp-reply"
                else:
                    answer = server.ocsp_answer(body)
                    kind = "application/ocsp-response"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def ocsp_answer(self, body: bytes) -> bytes:
        request = ocsp.load_der_ocsp_request(body)
        for authority in self.authorities:
            if request.serial_number in authority.issued:
                return authority.ocsp_response(request)
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)

    def __enter__(self) -> PkiServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
