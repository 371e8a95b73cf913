"""Official documents as PDF: the Vietnamese administrative layout, the bundled font,
amounts in words, who may download each, and archiving (stored once, SHA-256 audited,
never changed by a later template)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import BytesIO

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import ChallengeStatus
from marketplace.documents import content, services
from marketplace.documents.layout import FONT_DIR, MOTTO, NATIONAL_TITLE, render
from marketplace.documents.models import DocumentKind, IssuedDocument
from marketplace.orders import amendments
from marketplace.orders.models import OrderStatus
from marketplace.orders.terms import terms_of, terms_sha256
from tests import factories
from tests.orders_factories import make_order

VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstu"
              "ùúủũụưừứửữựvxyỳýỷỹỵ")


@pytest.mark.parametrize("name", ["DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
                                  "DejaVuSerif-Italic.ttf"])
def test_bundled_font_has_every_vietnamese_letter(name):
    cmap = TTFont(FONT_DIR / name).getBestCmap()
    letters = VIETNAMESE + VIETNAMESE.upper() + "–“”…≥"
    assert [ch for ch in letters if ord(ch) not in cmap] == []
    assert (FONT_DIR / "LICENSE").read_text().count("Bitstream") > 0


def _text(official) -> str:
    parts = [official.governing_body, official.issuing_body, official.number, official.kind,
             official.subject, official.footer]
    for part in official.body:
        parts += [part] if isinstance(part, str) else [
            " ".join(row) for row in (part.header, *part.rows)]
    parts += [f"{s.capacity} {s.title} {s.name} {s.note}" for s in official.signers]
    return "\n".join(parts)


def test_award_decision_layout_and_data(session):
    order = make_order(session, status=OrderStatus.DRAFT)
    award = order.award_item.award
    official = content.award_decision(award)
    text = _text(official)
    assert official.kind == "QUYẾT ĐỊNH" and official.number == f"{award.id}/QĐ-LCGP"
    assert order.challenge.title in official.subject
    assert order.solver.name_vi in text and "1.500.000.000" in text
    assert "Một tỷ năm trăm triệu đồng" in text and award.justification in text
    assert official.signers[0].name == award.decided_by.full_name
    pdf = render(official)
    assert pdf.startswith(b"%PDF-") and render(official) == pdf  # deterministic
    cmap = TTFont(FONT_DIR / "DejaVuSerif.ttf").getBestCmap()
    assert {ch for ch in text + NATIONAL_TITLE + MOTTO if ord(ch) not in cmap} <= {"\n"}
    reader = PdfFileReader(BytesIO(pdf))
    fonts = reader.root["/Pages"]["/Kids"][0]["/Resources"]["/Font"]
    assert all("DejaVuSerif" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


def test_documents_carry_the_pdf_a_markers(session):
    """PDF/A-2U as fpdf2 enforces it: pdfaid in the XMP metadata, an sRGB output intent
    with its ICC profile (fpdf2's own), every font embedded, no Info dictionary. Markers
    only: no PDF/A validator (veraPDF) runs here."""
    order = make_order(session, status=OrderStatus.OFFERED)
    pdf = render(content.award_decision(order.award_item.award))
    root = PdfFileReader(BytesIO(pdf)).root
    xmp = root["/Metadata"].get_object().data.decode()
    assert "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>U</pdfaid:conformance>" in xmp
    assert "<dc:title>" in xmp and "<dc:creator>" in xmp
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.data[36:40] == b"acsp"  # an ICC profile, RGB
    fonts = root["/Pages"]["/Kids"][0]["/Resources"]["/Font"]
    for font in fonts.values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded (subset)
    assert b"/Info " not in pdf.split(b"trailer")[-1]


def test_contract_carries_the_signed_digest_and_hides_confidential_terms_publicly(session):
    order = make_order(session, status=OrderStatus.OFFERED)
    terms = terms_of(order)
    party = _text(content.pilot_order(order, terms, confidential=True,
                                      issued_at=order.offered_at))
    public = _text(content.pilot_order(order, terms, confidential=False,
                                       issued_at=order.offered_at))
    digest = terms_sha256(order)
    for text in (party, public):
        assert digest in text and order.contract_number in text
        assert "Thời gian chờ trung bình" in text and "Sản phẩm giai đoạn 1" in text
        assert "Một tỷ hai trăm triệu đồng" in text
    assert "không rời khỏi" in party and "không rời khỏi" not in public
    assert "**" not in party  # Markdown emphasis is not printed as asterisks


def _audited(session, document) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.issued", AuditEvent.object_id == document.id)))


def test_award_decision_issued_when_the_award_takes_effect(session, client, monkeypatch):
    from marketplace.evaluation import awards

    order = make_order(session, status=OrderStatus.DRAFT)
    award = order.award_item.award
    award.challenge.status = ChallengeStatus.EVALUATING  # the factory made it awarded
    awards._take_effect(session, award)  # what approving (or auto-approving) does
    document = session.scalar(select(IssuedDocument).where(
        IssuedDocument.kind == DocumentKind.AWARD_DECISION,
        IssuedDocument.subject_id == award.id))
    [event] = _audited(session, document)
    assert event.after["sha256"] == document.sha256 and event.after["kind"] == "award_decision"
    session.commit()
    # a later template change does not change the issued document
    monkeypatch.setattr(content, "award_decision", lambda a: pytest.fail("rendered again"))
    first = client.get(f"/awards/{award.id}/decision.pdf")  # public: the award is approved
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"].startswith("attachment;")
    assert first.headers["X-Document-Archived"] == "yes"
    assert hashlib.sha256(first.data).hexdigest() == document.sha256
    assert client.get(f"/awards/{award.id}/decision.pdf").data == first.data
    assert len(_audited(session, document)) == 1


def test_document_from_before_archiving_is_rendered_not_stored(session, client):
    order = make_order(session, status=OrderStatus.DRAFT)
    award = order.award_item.award
    session.commit()
    before = session.scalar(select(func.count()).select_from(IssuedDocument))
    response = client.get(f"/awards/{award.id}/decision.pdf")
    assert response.status_code == 200 and response.headers["X-Document-Archived"] == "no"
    assert session.scalar(select(func.count()).select_from(IssuedDocument)) == before


def test_offering_issues_both_contracts_and_submitting_issues_the_receipt(session):
    order = make_order(session, status=OrderStatus.OFFERED)
    kinds = {d.kind: d for d in session.scalars(select(IssuedDocument).where(
        IssuedDocument.subject_id == order.id,
        IssuedDocument.kind.in_([DocumentKind.ORDER, DocumentKind.ORDER_PUBLIC])))}
    assert set(kinds) == {DocumentKind.ORDER, DocumentKind.ORDER_PUBLIC}
    assert {d.key for d in kinds.values()} == {terms_sha256(order)}
    assert services.read(kinds[DocumentKind.ORDER]) != services.read(
        kinds[DocumentKind.ORDER_PUBLIC])


def test_stored_copy_that_no_longer_matches_is_not_served(session, app):
    order = make_order(session, status=OrderStatus.DRAFT)
    document = services.award_decided(session, None, order.award_item.award)
    path = app.extensions["file_storage"]._path(document.stored_name)
    path.write_bytes(path.read_bytes() + b"%tampered")
    with pytest.raises(Exception, match="SHA-256"):
        services.read(document)


def test_contract_downloads_follow_the_policy(session, client, login):
    order = make_order(session, status=OrderStatus.OFFERED)
    parties = order.parties
    draft = make_order(session, status=OrderStatus.DRAFT)
    session.commit()
    # before signing the order is not public: the contract is not known to exist
    assert client.get(f"/orders/{order.id}/contract-public.pdf").status_code == 404
    login(parties.outsider)
    assert client.get(f"/orders/{order.id}/contract.pdf").status_code == 404
    client.post_form("/logout", token_from="/")
    login(parties.owner)
    response = client.get(f"/orders/{order.id}/contract.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert client.get(f"/orders/{draft.id}/contract.pdf").status_code == 404
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f"/orders/{order.id}/contract.pdf" in page


def test_public_version_once_signed(session, client, login):
    order = make_order(session, status=OrderStatus.ACTIVE)
    session.commit()
    assert client.get(f"/orders/{order.id}/contract.pdf").status_code == 302  # login
    public = client.get(f"/orders/{order.id}/contract-public.pdf")
    assert public.status_code == 200
    login(order.parties.member)
    party = client.get(f"/orders/{order.id}/contract.pdf")
    assert party.status_code == 200 and party.data != public.data
    assert party.headers["X-Document-Archived"] == "yes"


def test_amendment_document_for_the_parties(session, client, login):
    order = make_order(session, status=OrderStatus.ACTIVE)
    parties = order.parties
    change = amendments.propose(
        session, parties.officer, order, value=order.value, start_date=order.start_date,
        end_date=order.end_date + timedelta(days=30), reason="Kéo dài thời gian thực hiện.",
        milestones=terms_of(order).milestones)
    session.commit()
    official = content.amendment(order, change, amendments.proposed_terms(order, change))
    assert official.kind == "PHỤ LỤC HỢP ĐỒNG" and change.terms_sha256 in _text(official)
    url = f"/orders/{order.id}/amendments/{change.id}.pdf"
    login(parties.outsider)
    assert client.get(url).status_code == 404
    client.post_form("/logout", token_from="/")
    login(parties.member)
    assert client.get(url).status_code == 200


def test_receipt_for_the_submitter_only(session, client, login):
    owner, officer = factories.make_user(session), factories.make_user(session)
    agency = factories.make_agency(session, officer=officer)
    challenge = factories.make_challenge(session, agency=agency, creator=officer)
    submission = factories.make_submission(session, challenge=challenge, member=owner)
    official = content.receipt(submission, [])
    assert official.kind == "BIÊN NHẬN NỘP HỒ SƠ"
    assert submission.receipt_digest in _text(official)
    session.commit()
    login(officer)
    assert client.get(f"/submissions/{submission.id}/receipt.pdf").status_code == 404
    client.post_form("/logout", token_from="/")
    login(owner)
    response = client.get(f"/submissions/{submission.id}/receipt.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
