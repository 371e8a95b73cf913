"""PAdES signatures on the pilot-order contract, verified against a trust list made by
the tests (`tests/documents_pki.py`: a throw-away CA, never a real one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from flask_babel import force_locale
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.documents import services as documents
from marketplace.documents import signing
from marketplace.documents.models import DocumentKind, DocumentSignature, IssuedDocument
from marketplace.documents.signatures import sign_with_pkcs12
from marketplace.errors import DomainError
from marketplace.orders import services
from marketplace.orders.models import OrderStatus, PilotOrder
from marketplace.orders.terms import terms_sha256
from tests.documents_pki import PASSPHRASE, Authority, PkiServer, p12, write_trust_list
from tests.orders_factories import make_order


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """Keys made once per test session (EC P-256)."""
    trusted, untrusted = Authority.create("Test Root CA"), Authority.create("Unknown CA")
    return {"ca": trusted, "other": untrusted,
            "dir": tmp_path_factory.mktemp("trust")}


@pytest.fixture
def trust_list(app, pki, monkeypatch):
    folder = write_trust_list(pki["dir"], pki["ca"], crls=True)
    monkeypatch.setitem(app.config, "SIGNATURE_TRUST_LIST", str(folder))
    return pki["ca"]


@pytest.fixture(autouse=True)
def in_english(session):
    with force_locale("en"):
        yield


def cert_for(ca: Authority, org, **options) -> bytes:
    cert, key = ca.issue(options.pop("name", "Nguyễn Văn Ký"), organization=org.name_vi,
                         uid=f"MST:{org.registration_code}", **options)
    return p12(cert, key, ca=ca)


def issued(session, order) -> bytes:
    return documents.read(documents.order_document(session, None, order))


def test_owner_signs_and_approver_countersigns_with_certificates(session, trust_list):
    order = make_order(session, status=OrderStatus.OFFERED)
    parties = order.parties
    digest = terms_sha256(order)
    first = signing.sign_order(session, parties.owner, order,
                               pkcs12=cert_for(trust_list, parties.solver),
                               passphrase=PASSPHRASE)
    assert order.status is OrderStatus.SIGNED and order.signed_terms_sha256 == digest
    assert order.signer_name == "Nguyễn Văn Ký" and first.side == "solver"
    solver_signed = documents.read(session.get(IssuedDocument, first.document_id))
    assert solver_signed.startswith(issued(session, order))  # covers the issued bytes
    # the approver signs the solver-signed PDF with their own tool, then uploads it
    own_tool = sign_with_pkcs12(solver_signed, cert_for(trust_list, parties.agency,
                                                        name="Trần Thị Duyệt"),
                                PASSPHRASE, field_name="Approver")
    second = signing.sign_order(session, parties.approver, order, signed_pdf=own_tool)
    assert order.status is OrderStatus.ACTIVE and order.countersigned_terms_sha256 == digest
    assert second.covers_sha256 == first_sha(session, first) and second.method == "upload"
    final = documents.read(documents.signed_documents(session, order)[-1])
    assert final == own_tool
    assert len(list(PdfFileReader(BytesIO(final)).embedded_signatures)) == 2
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "order.digitally_signed", AuditEvent.object_id == order.id))
    assert [e.after["side"] for e in events] == ["solver", "agency"]
    assert second.result == "valid:not-revoked"
    assert "not revoked" in second.result_text


def first_sha(session, signature) -> str:
    return session.get(IssuedDocument, signature.document_id).sha256


def refused(session, user, order, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        signing.sign_order(session, user, order, **kwargs)
    assert order.status in (OrderStatus.OFFERED, OrderStatus.SIGNED)
    return error.value.message


def test_tampered_pdf_is_refused(session, trust_list):
    order = make_order(session, status=OrderStatus.OFFERED)
    parties = order.parties
    base = issued(session, order)
    signed = sign_with_pkcs12(base, cert_for(trust_list, parties.solver), PASSPHRASE,
                              field_name="S")
    # a change in the contract itself
    changed = signed.replace(b"/Lang (vi)", b"/Lang (en)", 1)
    assert changed != signed
    assert "not the issued contract" in refused(session, parties.owner, order,
                                                signed_pdf=changed)
    # a change inside the signed revision, after the issued bytes
    tail = signed[len(base):].replace(b"/T (S)", b"/T (X)", 1)
    assert tail != signed[len(base):]
    assert "changed after it was signed" in refused(session, parties.owner, order,
                                                    signed_pdf=base + tail)


def test_expired_certificate_is_refused(session, trust_list):
    order = make_order(session, status=OrderStatus.OFFERED)
    now = datetime.now(UTC)
    expired = cert_for(trust_list, order.parties.solver, not_before=now - timedelta(days=400),
                       not_after=now - timedelta(days=1))
    message = refused(session, order.parties.owner, order, pkcs12=expired,
                      passphrase=PASSPHRASE)
    assert "is valid from" in message


def test_certificate_of_an_untrusted_ca_is_refused(session, trust_list, pki):
    order = make_order(session, status=OrderStatus.OFFERED)
    message = refused(session, order.parties.owner, order,
                      pkcs12=cert_for(pki["other"], order.parties.solver),
                      passphrase=PASSPHRASE)
    assert "not issued by a certificate authority on the site's trust list" in message


def test_revoked_certificate_is_refused(session, app, pki, tmp_path, monkeypatch):
    ca = Authority.create("Revoking CA")
    order = make_order(session, status=OrderStatus.OFFERED)
    cert, key = ca.issue("Lê Văn Thu Hồi", organization=order.parties.solver.name_vi)
    ca.revoked.append(cert.serial_number)
    monkeypatch.setitem(app.config, "SIGNATURE_TRUST_LIST",
                        str(write_trust_list(tmp_path, ca, crls=True)))
    message = refused(session, order.parties.owner, order, pkcs12=p12(cert, key, ca=ca),
                      passphrase=PASSPHRASE)
    assert "revoked" in message


@pytest.fixture(scope="module")
def pki_server(pki):
    """OCSP and a TSA for the test CA on 127.0.0.1, started once for the module."""
    with PkiServer(pki["ca"]) as server:
        yield server


@pytest.fixture
def online(app, trust_list, pki_server, monkeypatch):
    """The site fetches OCSP answers and timestamps from the tests' server."""
    monkeypatch.setitem(app.config, "SIGNATURE_FETCH_REVOCATION", True)
    monkeypatch.setitem(app.config, "SIGNATURE_TIMESTAMP_URL", f"{pki_server.url}/tsa")
    return pki_server


def ocsp_cert_for(server, org, *, revoked=False) -> bytes:
    ca = server.authorities[0]
    cert, key = ca.issue("Phạm Văn Ocsp", organization=org.name_vi,
                         uid=f"MST:{org.registration_code}", crl=False,
                         ocsp_url=f"{server.url}/ocsp")
    if revoked:
        ca.revoked.append(cert.serial_number)
    return p12(cert, key, ca=ca)


def test_certificate_revoked_by_ocsp_is_refused_in_vietnamese(session, online):
    order = make_order(session, status=OrderStatus.OFFERED)
    asked = online.requests.get("/ocsp", 0)
    with force_locale("vi"):
        message = refused(session, order.parties.owner, order, passphrase=PASSPHRASE,
                          pkcs12=ocsp_cert_for(online, order.parties.solver, revoked=True))
    assert online.requests["/ocsp"] > asked  # the answer came from the responder
    assert message == "Chữ ký 1 bị từ chối: chứng thư số đã bị thu hồi."


def test_ocsp_good_answer_and_rfc3161_timestamp(session, online):
    order = make_order(session, status=OrderStatus.OFFERED)
    asked = online.requests.get("/ocsp", 0), online.requests.get("/tsa", 0)
    before = datetime.now(UTC).replace(microsecond=0)
    signature = signing.sign_order(session, order.parties.owner, order, passphrase=PASSPHRASE,
                                   pkcs12=ocsp_cert_for(online, order.parties.solver))
    assert online.requests["/ocsp"] > asked[0] and online.requests["/tsa"] > asked[1]
    assert signature.result == "valid:not-revoked"
    stamped = signature.signed_at.replace(tzinfo=signature.signed_at.tzinfo or UTC)
    assert before <= stamped <= datetime.now(UTC)  # the TSA's time, reported
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "order.digitally_signed", AuditEvent.object_id == order.id)).one()
    assert datetime.fromisoformat(event.after["timestamped_at"]) == stamped


def test_unreachable_timestamp_authority_is_a_clear_refusal(session, trust_list, app,
                                                            monkeypatch):
    monkeypatch.setitem(app.config, "SIGNATURE_TIMESTAMP_URL", "http://127.0.0.1:9/tsa")
    order = make_order(session, status=OrderStatus.OFFERED)
    message = refused(session, order.parties.owner, order, passphrase=PASSPHRASE,
                      pkcs12=cert_for(trust_list, order.parties.solver))
    assert "could not be signed" in message


def test_certificate_of_the_wrong_organization_is_refused(session, trust_list):
    order = make_order(session, status=OrderStatus.OFFERED)
    someone_else = make_order(session, status=OrderStatus.DRAFT).parties.solver
    message = refused(session, order.parties.owner, order,
                      pkcs12=cert_for(trust_list, someone_else), passphrase=PASSPHRASE)
    assert "sign with a certificate issued to your organization" in message


def test_countersignature_that_drops_the_first_is_refused(session, trust_list):
    order = make_order(session, status=OrderStatus.OFFERED)
    parties = order.parties
    signing.sign_order(session, parties.owner, order,
                       pkcs12=cert_for(trust_list, parties.solver), passphrase=PASSPHRASE)
    # the approver signs the unsigned contract instead of the solver-signed one
    alone = sign_with_pkcs12(issued(session, order), cert_for(trust_list, parties.agency),
                             PASSPHRASE, field_name="A")
    message = refused(session, parties.approver, order, signed_pdf=alone)
    assert "without removing or changing the first signature" in message


def test_wrong_passphrase_and_missing_file(session, trust_list):
    order = make_order(session, status=OrderStatus.OFFERED)
    assert "passphrase" in refused(session, order.parties.owner, order,
                                   pkcs12=cert_for(trust_list, order.parties.solver),
                                   passphrase="wrong")
    assert "choose the signed PDF" in refused(session, order.parties.owner, order)


def test_typed_name_only_without_a_trust_list(session, trust_list):
    order = make_order(session, status=OrderStatus.OFFERED)
    owner = order.parties.owner
    with pytest.raises(DomainError, match="digital signatures only"):
        services.sign(session, owner, order, full_name=owner.full_name, confirmed=True,
                      shown_sha256=terms_sha256(order))


def test_no_certificate_signing_without_a_trust_list(session, pki):
    order = make_order(session, status=OrderStatus.OFFERED)
    message = refused(session, order.parties.owner, order,
                      pkcs12=cert_for(pki["ca"], order.parties.solver), passphrase=PASSPHRASE)
    assert "No trust list" in message


def test_signing_through_the_pages(session, client, login, trust_list):
    order = make_order(session, status=OrderStatus.OFFERED)
    parties = order.parties
    session.commit()
    login(parties.owner)
    assert client.get(f"/orders/{order.id}/sign").status_code == 302  # to the certificate page
    page = client.get(f"/orders/{order.id}/sign/certificate").get_data(as_text=True)
    assert terms_sha256(order) in page and "PKCS#12" in page
    refused_page = client.post_form(f"/orders/{order.id}/sign/certificate", {
        "method": "pkcs12", "passphrase": "wrong",
        "pkcs12": (BytesIO(cert_for(trust_list, parties.solver)), "me.p12")},
        token_from=f"/orders/{order.id}/sign/certificate")
    assert refused_page.status_code == 400
    assert "passphrase" in refused_page.get_data(as_text=True)
    response = client.post_form(f"/orders/{order.id}/sign/certificate", {
        "method": "pkcs12", "passphrase": PASSPHRASE,
        "pkcs12": (BytesIO(cert_for(trust_list, parties.solver)), "me.p12")},
        token_from=f"/orders/{order.id}/sign/certificate")
    assert response.status_code == 302
    signed = client.get(f"/orders/{order.id}/signed.pdf")
    assert signed.status_code == 200
    client.post_form("/logout", token_from="/")
    login(parties.approver)
    countersigned = sign_with_pkcs12(signed.data, cert_for(trust_list, parties.agency,
                                                           name="Trần Thị Duyệt"),
                                     PASSPHRASE, field_name="A")
    response = client.post_form(f"/orders/{order.id}/sign/certificate", {
        "method": "upload", "signed_pdf": (BytesIO(countersigned), "hop-dong.pdf")},
        token_from=f"/orders/{order.id}/sign/certificate")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(PilotOrder, order.id).status is OrderStatus.ACTIVE
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)  # in Vietnamese
    assert page.count("Chữ ký số (chứng thư số)") == 2
    assert "Trần Thị Duyệt" in page and "Hợp lệ: văn bản toàn vẹn" in page
    assert session.scalar(select(DocumentSignature.id).where(
        DocumentSignature.order_id == order.id, DocumentSignature.side == "agency"))
    assert session.scalar(select(IssuedDocument.id).where(
        IssuedDocument.kind == DocumentKind.ORDER_SIGNED,
        IssuedDocument.key == f"{terms_sha256(order)}:2"))


def test_amendment_signed_with_certificates_by_both_sides(session, app, pki, monkeypatch):
    from marketplace.orders import amendments
    from marketplace.orders.terms import terms_of

    order = make_order(session, status=OrderStatus.ACTIVE)  # signed with typed names
    parties = order.parties
    trust_list = pki["ca"]
    monkeypatch.setitem(app.config, "SIGNATURE_TRUST_LIST",
                        str(write_trust_list(pki["dir"], trust_list, crls=True)))
    change = amendments.propose(
        session, parties.officer, order, value=order.value, start_date=order.start_date,
        end_date=order.end_date + timedelta(days=30), reason="Kéo dài thời gian thực hiện.",
        milestones=terms_of(order).milestones)
    with pytest.raises(DomainError, match="digital signatures only"):
        amendments.sign(session, parties.approver, change,
                        full_name=parties.approver.full_name, confirmed=True,
                        shown_sha256=change.terms_sha256)
    # either side may sign first: here the agency's approver
    first = signing.sign_amendment(session, parties.approver, change,
                                   pkcs12=cert_for(trust_list, parties.agency),
                                   passphrase=PASSPHRASE)
    assert first.side == "agency" and first.terms_sha256 == change.terms_sha256
    assert not change.in_effect
    # the solver's signature must be appended to the PDF the approver signed
    alone = sign_with_pkcs12(documents.read(documents.amendment_proposed(session, None, change)),
                             cert_for(trust_list, parties.solver), PASSPHRASE, field_name="B")
    assert "without removing or changing the first signature" in refused_amendment(
        session, parties.owner, change, signed_pdf=alone)
    signing.sign_amendment(session, parties.owner, change,
                           pkcs12=cert_for(trust_list, parties.solver), passphrase=PASSPHRASE)
    assert change.in_effect and order.version == change.version
    assert terms_sha256(order) == change.terms_sha256
    # the signed amendment is now the signed PDF of the order's current terms
    assert [s.side for s in signing.signatures_of(session, order)] == ["agency", "solver"]
    final = documents.read(documents.signed_documents(session, order)[-1])
    assert len(list(PdfFileReader(BytesIO(final)).embedded_signatures)) == 2


def refused_amendment(session, user, change, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        signing.sign_amendment(session, user, change, **kwargs)
    return error.value.message


def test_signing_inside_a_running_event_loop(session, trust_list):
    """A process that already runs an event loop (the browser tests keep Playwright's loop
    running in the test process) can still sign and verify: pyHanko's synchronous calls use
    `asyncio.run`, which refuses to run inside a loop."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:  # the browser tests' loop runs already: sign inside it as it is
        test_owner_signs_and_approver_countersigns_with_certificates(session, trust_list)
        return

    async def inside():
        test_owner_signs_and_approver_countersigns_with_certificates(session, trust_list)

    asyncio.run(inside())


def test_the_certificate_page_writes_the_value_in_words(session, client, login, trust_list):
    """The binding value of the document signed, in Vietnamese words too (issue 13)."""
    from marketplace.formatting import amount_in_words

    order = make_order(session, status=OrderStatus.OFFERED)
    session.commit()
    login(order.parties.owner)
    page = client.get(f"/orders/{order.id}/sign/certificate").get_data(as_text=True)
    assert f"Bằng chữ: {amount_in_words(order.value)}" in page
