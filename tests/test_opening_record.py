"""The opening record ("biên bản mở hồ sơ"): published at the close, in the close's
transaction; digests and times only while the review is blind, names and prices once the
award is public; never anything before the close."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.challenges import services as challenges
from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import Award, AwardItem, AwardStatus
from marketplace.submissions import opening
from marketplace.submissions import services as submissions
from marketplace.submissions.services import SubmissionContent
from marketplace.types import utcnow
from tests.factories import make_challenge, make_user
from tests.submissions_factories import make_solver


def _content(summary: str, price: int = 1_200_000_000) -> SubmissionContent:
    return SubmissionContent(summary=summary, technical_approach="Cách làm", trl=6,
                             proposed_price=price, timeline="6 tháng", team="5 kỹ sư")


@pytest.fixture
def box(session):
    """A blind challenge with three bidders: one submits, changes and resubmits; one
    submits once; one submits and withdraws."""
    officer = make_user(session)
    challenge = make_challenge(session, creator=officer, blind_review=True)
    (a_user, a_org), (b_user, b_org), (c_user, c_org) = (make_solver(session) for _ in range(3))
    a = submissions.start(session, a_user, challenge.id, a_org.id, _content("Lần đầu"))
    first_digest = submissions.submit(session, a_user, a)
    submissions.reopen(session, a_user, a)
    submissions.update(session, a_user, a, _content("Lần hai, đã sửa", 1_100_000_000))
    final_a = submissions.submit(session, a_user, a)
    b = submissions.start(session, b_user, challenge.id, b_org.id, _content("Giải pháp B"))
    final_b = submissions.submit(session, b_user, b)
    c = submissions.start(session, c_user, challenge.id, c_org.id, _content("Giải pháp C"))
    withdrawn = submissions.submit(session, c_user, c)
    submissions.withdraw(session, c_user, c)
    session.flush()
    return {"challenge": challenge, "officer": officer, "a": a, "b": b, "a_user": a_user,
            "a_org": a_org, "b_org": b_org, "first": first_digest, "final": [final_a, final_b],
            "withdrawn": withdrawn}


def _expire(session, challenge):
    challenge.clarification_deadline = utcnow() - timedelta(days=1)
    challenge.submission_deadline = utcnow() - timedelta(seconds=1)
    session.flush()


def test_the_record_lists_exactly_the_final_digests(session, box):
    challenge = box["challenge"]
    assert opening.opening_record(session, challenge) is None  # nothing before the close
    assert box["first"] != box["final"][0]
    _expire(session, challenge)
    assert challenges.close_expired(session) == 1
    record = opening.opening_record(session, challenge)
    assert record["count"] == 2
    assert [e["receipt_digest"] for e in record["entries"]] == box["final"]
    assert [e["number"] for e in record["entries"]] == [1, 2]
    assert record["entries"][0]["submitted_at"] == box["a"].submitted_at
    # blind review, no award yet: no names, no prices
    assert not record["names_disclosed"] and not record["prices_disclosed"]
    assert all(e["organizations"] is None and e["proposed_price"] is None
               for e in record["entries"])
    # and the audit log holds the same record, written by the close
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == opening.EVENT, AuditEvent.object_id == challenge.id))
    assert event.public and event.actor_id is None
    assert event.after["count"] == 2
    assert [e["receipt_digest"] for e in event.after["entries"]] == box["final"]
    closed = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "challenge.closed", AuditEvent.object_id == challenge.id))
    assert closed.id < event.id


def test_names_and_prices_once_the_award_is_public(session, box):
    challenge = box["challenge"]
    _expire(session, challenge)
    challenges.close_expired(session)
    award = Award(challenge=challenge, status=AwardStatus.PROPOSED, justification="Cao nhất.",
                  total_amount=1_100_000_000, proposed_by_id=box["officer"].id,
                  items=[AwardItem(submission_id=box["a"].id, amount=1_100_000_000, rank=1)])
    session.add(award)
    session.flush()
    assert not opening.opening_record(session, challenge)["names_disclosed"]  # proposed only
    award.status = AwardStatus.APPROVED  # in effect: the challenge is awarded
    challenge.status = ChallengeStatus.AWARDED
    session.flush()
    record = opening.opening_record(session, challenge)
    assert record["names_disclosed"] and record["prices_disclosed"]
    first = record["entries"][0]
    assert first["organizations"] == [box["a_org"].name_vi]
    assert first["proposed_price"] == 1_100_000_000


def test_an_open_review_names_the_bidders_at_the_close_but_not_their_prices(session, box):
    challenge = box["challenge"]
    challenge.blind_review = False
    _expire(session, challenge)
    challenges.close_expired(session)
    record = opening.opening_record(session, challenge)
    assert record["names_disclosed"] and not record["prices_disclosed"]
    assert [e["organizations"] for e in record["entries"]] == [[box["a_org"].name_vi],
                                                               [box["b_org"].name_vi]]


def test_the_page_and_the_api_after_the_close_only(client, login, session, box):
    challenge = box["challenge"]
    digest = box["final"][0]
    assert digest not in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert client.get(f"/api/v1/challenges/{challenge.id}/opening-record").status_code == 404
    _expire(session, challenge)
    # the first request after the deadline closes the challenge and shows the record
    html = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert digest in html and box["final"][1] in html
    assert box["withdrawn"] not in html and box["first"] not in html
    assert box["a_org"].name_vi not in html
    data = client.get(f"/api/v1/challenges/{challenge.id}/opening-record").get_json()
    assert data["count"] == 2
    assert [e["receipt_digest"] for e in data["entries"]] == box["final"]
    assert data["entries"][0]["organizations"] is None
    # a solver finds its own line
    login(box["a_user"])
    html = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    line = html[html.index(digest):html.index(box["final"][1])]
    assert "badge text-bg-success" in line


def test_the_ocds_bid_details_carry_the_record(client, session, box):
    challenge = box["challenge"]

    def bids():
        package = client.get("/opendata/ocds.json").get_json()
        releases = [r for r in package["releases"] if r["ocid"].endswith(f"-{challenge.id}")
                    and "bids" in r]
        return releases[0]["bids"] if releases else None

    assert bids() is None
    _expire(session, challenge)
    challenges.close_expired(session)
    details = bids()["details"]
    assert [d["id"] for d in details] == box["final"]
    assert all("tenderers" not in d and "value" not in d for d in details)


def test_the_opening_record_pdf_is_issued_at_each_disclosure_stage(client, session, box):
    """Issue 20: the opening record as an official PDF, archived (stored once, its SHA-256
    audited) when the evaluation starts and when the award takes effect; downloadable by
    whoever may see the challenge once it has closed, never before."""
    from marketplace.documents import content
    from marketplace.documents import services as documents
    from marketplace.documents.models import DocumentKind, IssuedDocument
    from tests.test_documents_pdf import _text

    challenge = box["challenge"]
    path = f"/challenges/{challenge.id}/opening-record.pdf"

    def issued():
        return session.scalars(select(IssuedDocument).where(
            IssuedDocument.kind == DocumentKind.OPENING_RECORD,
            IssuedDocument.subject_id == challenge.id).order_by(IssuedDocument.id)).all()

    assert client.get(path).status_code == 404  # before the close, as a missing one
    assert client.get("/challenges/2000000000/opening-record.pdf").status_code == 404
    _expire(session, challenge)
    shown = client.get(path)  # closed by this request; rendered, not archived yet
    assert shown.status_code == 200 and shown.data.startswith(b"%PDF")
    assert shown.headers["X-Document-Archived"] == "no" and issued() == []
    session.expire_all()
    challenges.start_evaluation(session, box["officer"], challenge)
    session.commit()
    [first] = issued()
    assert first.key == "digests"
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "document.issued",
                                                    AuditEvent.object_id == first.id))
    assert audit.after["sha256"] == first.sha256
    served = client.get(path)
    assert served.headers["X-Document-Archived"] == "yes"
    assert served.data == documents.read(first)
    text = _text(content.opening_record(challenge, opening.opening_record(session, challenge)))
    assert "BIÊN BẢN MỞ HỒ SƠ" in text and all(d in text for d in box["final"])
    assert box["a_org"].name_vi not in text and box["withdrawn"] not in text
    # the award takes effect: a second version names the bidders; the first stays
    award = Award(challenge=challenge, status=AwardStatus.APPROVED, justification="Cao nhất.",
                  total_amount=1_100_000_000, proposed_by_id=box["officer"].id,
                  items=[AwardItem(submission_id=box["a"].id, amount=1_100_000_000, rank=1)])
    session.add(award)
    challenge.status = ChallengeStatus.AWARDED
    session.flush()
    documents.opening_record_issued(session, None, challenge)
    session.commit()
    assert [d.key for d in issued()] == ["digests", "digests-names-prices"]
    assert client.get(path).data == documents.read(issued()[1]) != documents.read(first)
    text = _text(content.opening_record(challenge, opening.opening_record(session, challenge)))
    assert box["a_org"].name_vi in text and "1.100.000.000" in text
    assert "opening-record.pdf" in client.get(f"/challenges/{challenge.id}").get_data(
        as_text=True)
