"""Issue 18, alerts that follow what you care about: following a challenge, an agency, a
technology group or a saved search; immediate mail or one daily or weekly digest per
period (grouped; none when empty); double opt-in for visitors; one-click unsubscribe
(RFC 8058 headers, a POST without a CSRF token); Atom feeds per agency and per search."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own feeds in a test

import pytest
from sqlalchemy import select

from marketplace.alerts import news, services, tokens
from marketplace.alerts.models import Follow, FollowKind, FollowStatus, Frequency
from marketplace.alerts.states import FOLLOW_LIFECYCLE
from marketplace.audit.services import record
from marketplace.challenges import services as challenge_services
from marketplace.challenges.models import ChallengeStatus
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.lifecycle import transition
from marketplace.notifications import outbox as mail_outbox
from marketplace.notifications.models import NotificationPreference, OutboxEmail
from marketplace.search import services as search_services
from marketplace.types import utcnow
from tests import factories
from tests.challenges_factories import officer_and_agency

ATOM = "{http://www.w3.org/2005/Atom}"
S = FollowStatus


@pytest.fixture
def world(session):
    officer, agency = officer_and_agency(session)
    challenge = factories.make_challenge(session, agency=agency, creator=officer,
                                         title="Đèn giao thông thông minh")
    reader = factories.make_user(session)
    session.flush()
    return officer, agency, challenge, reader


def _news(session, obj, action="challenge.amended"):
    return record(session, None, action, obj, public=True)


def _mails(session) -> list[OutboxEmail]:
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


# --- the lifecycle table ---------------------------------------------------------------

ALLOWED = [(S.PENDING, S.ACTIVE), (S.PENDING, S.ENDED), (S.ACTIVE, S.ENDED)]
FORBIDDEN = [(a, b) for a in S for b in S if a is not b and (a, b) not in ALLOWED]


@pytest.mark.parametrize(("source", "target"), ALLOWED + FORBIDDEN)
def test_the_follow_lifecycle_table(session, world, source, target):
    _officer, agency, _challenge, reader = world
    item = services.follow(session, reader, kind=FollowKind.AGENCY, target_id=agency.id,
                           frequency=Frequency.DAILY)
    item.status = source
    if (source, target) in ALLOWED:
        transition(session, item, target, None, lifecycle=FOLLOW_LIFECYCLE, by_system=True)
        assert item.status is target
    else:
        with pytest.raises(InvalidTransition):
            transition(session, item, target, None, lifecycle=FOLLOW_LIFECYCLE, by_system=True)


def test_only_its_owner_stops_a_follow_and_nobody_confirms_by_hand(session, world):
    officer, agency, _challenge, reader = world
    item = services.follow(session, reader, kind=FollowKind.AGENCY, target_id=agency.id,
                           frequency=Frequency.DAILY)
    with pytest.raises(DomainError):
        services.stop(session, officer, item)
    services.stop(session, reader, item)
    assert item.status is S.ENDED


def test_only_public_things_are_followed(session, world):
    officer, agency, _challenge, reader = world
    draft = factories.make_challenge(session, agency=agency, creator=officer,
                                     status=ChallengeStatus.DRAFT)
    with pytest.raises(DomainError):
        services.follow(session, reader, kind=FollowKind.CHALLENGE, target_id=draft.id,
                        frequency=Frequency.DAILY)
    with pytest.raises(DomainError):
        services.follow(session, reader, kind=FollowKind.AGENCY, target_id=reader.id + 10_000,
                        frequency=Frequency.DAILY)


# --- digests ------------------------------------------------------------------------------

def test_a_daily_digest_groups_every_follow_in_one_mail_and_none_when_empty(session, world):
    officer, agency, challenge, reader = world
    other = factories.make_challenge(session, title="Cảm biến bụi mịn")
    by_agency = services.follow(session, reader, kind=FollowKind.AGENCY,
                                target_id=agency.id, frequency=Frequency.DAILY)
    by_challenge = services.follow(session, reader, kind=FollowKind.CHALLENGE,
                                   target_id=other.id, frequency=Frequency.DAILY)
    start = by_agency.active_at
    _news(session, challenge)
    _news(session, other)
    _news(session, factories.make_challenge(session))  # nobody follows it
    before = len(_mails(session))
    # not a day yet: nothing
    assert services.send_alerts(session, now=start + timedelta(hours=20)).mails == 0
    report = services.send_alerts(session, now=start + timedelta(days=1))
    assert (report.mails, report.follows) == (1, 2)
    mail = _mails(session)[-1]
    assert len(_mails(session)) == before + 1 and mail.to == reader.email
    assert mail.subject == "Khách hàng đầu tiên: bản tin tổng hợp hằng ngày"
    assert f"== Cơ quan: {agency.name_vi} ==" in mail.body
    assert "== Bài toán: Cảm biến bụi mịn ==" in mail.body
    assert mail.body.count(f"/challenges/{challenge.id}") == 1
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the next day without news: no mail, the period passes all the same
    report = services.send_alerts(session, now=start + timedelta(days=2))
    assert (report.mails, report.follows) == (0, 2)
    assert by_challenge.last_sent_at == start + timedelta(days=2)
    assert len(_mails(session)) == before + 1


def test_weekly_waits_a_week_and_immediate_mails_at_each_run_with_news(session, world):
    _officer, agency, challenge, reader = world
    weekly = services.follow(session, reader, kind=FollowKind.AGENCY, target_id=agency.id,
                             frequency=Frequency.WEEKLY)
    someone = factories.make_user(session)
    services.follow(session, someone, kind=FollowKind.CHALLENGE, target_id=challenge.id,
                    frequency=Frequency.IMMEDIATE)
    _news(session, challenge)
    now = weekly.active_at + timedelta(minutes=1)
    assert [m.to for m in _mails(session)[-1:]] != [someone.email]
    assert services.send_alerts(session, now=now).mails == 1
    assert _mails(session)[-1].to == someone.email
    assert services.send_alerts(session, now=now).mails == 0  # nothing new
    assert services.send_alerts(session, now=now + timedelta(days=6)).mails == 0
    assert services.send_alerts(session, now=now + timedelta(days=7)).mails == 1
    assert _mails(session)[-1].subject == "Khách hàng đầu tiên: bản tin tổng hợp hằng tuần"


def test_a_saved_search_tells_of_new_challenges_it_finds(session, world):
    officer, agency, _challenge, reader = world
    query = news.saved_search("challenges", {"q": "tiết kiệm", "page": "3", "status": ""})
    assert query == "challenges?q=ti%E1%BA%BFt+ki%E1%BB%87m"
    services.follow(session, reader, kind=FollowKind.SEARCH, query=query,
                    frequency=Frequency.IMMEDIATE)
    found = factories.make_challenge(session, agency=agency, creator=officer,
                                     status=ChallengeStatus.DRAFT, title="Đèn đường tiết kiệm")
    missed = factories.make_challenge(session, agency=agency, creator=officer,
                                      status=ChallengeStatus.DRAFT, title="Nước sạch")
    for draft in (found, missed):
        challenge_services.publish(session, officer, draft)
    session.commit()
    search_services.apply_pending(session)  # the worker's job does it before the alerts
    assert services.send_alerts(session).mails == 1
    body = _mails(session)[-1].body
    assert f"/challenges/{found.id}" in body and f"/challenges/{missed.id}" not in body


# --- the pages: following, double opt-in, unsubscribe ---------------------------------------

def test_a_user_follows_from_the_page(client, session, world, login):
    _officer, agency, challenge, reader = world
    session.commit()
    login(reader)
    page = f"/alerts/follow?kind=challenge&target={challenge.id}"
    assert "Đèn giao thông thông minh" in client.get(page).get_data(as_text=True)
    response = client.post_form(page, {"kind": "challenge", "target": str(challenge.id),
                                       "frequency": "weekly"})
    assert response.status_code == 302
    item = session.scalar(select(Follow).where(Follow.user_id == reader.id))
    assert (item.status, item.frequency) == (S.ACTIVE, Frequency.WEEKLY)
    assert "Đèn giao thông thông minh" in client.get("/alerts/").get_data(as_text=True)


def test_a_visitor_confirms_by_the_mailed_link_double_opt_in(app, client, session, world,
                                                             outbox):
    _officer, agency, challenge, _reader = world
    session.commit()
    page = f"/alerts/follow?kind=agency&target={agency.id}"
    bad = client.post_form(page, {"kind": "agency", "target": str(agency.id),
                                  "frequency": "daily", "email": "không-phải-email"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "không-phải-email" in html and "địa chỉ email hợp lệ" in html
    sent = client.post_form(page, {"kind": "agency", "target": str(agency.id),
                                   "frequency": "immediate", "email": "dan@example.test"})
    assert sent.status_code == 200 and "kiểm tra hộp thư" in sent.get_data(as_text=True)
    item = session.scalar(select(Follow).where(Follow.email == "dan@example.test"))
    assert item.status is S.PENDING
    assert len(outbox) == 1 and outbox[0].to == "dan@example.test"
    assert "List-Unsubscribe" in outbox[0].headers
    link = next(word for word in outbox[0].body.split() if "/alerts/confirm/" in word)
    # asking again while it waits mails nothing more
    client.post_form(page, {"kind": "agency", "target": str(agency.id),
                            "frequency": "immediate", "email": "dan@example.test"})
    assert len(outbox) == 1
    # nothing is mailed to a pending follow
    _news(session, challenge)
    session.commit()
    assert services.send_alerts(session).mails == 0
    path = urlsplit(link).path
    assert client.get(path).status_code == 200
    db.session.refresh(item)
    assert item.status is S.PENDING  # opening the link (a mail scanner) confirms nothing
    assert client.post_form(path, {}).status_code == 200
    db.session.refresh(item)
    assert item.status is S.ACTIVE
    assert client.get("/alerts/confirm/forged").status_code == 404
    _news(session, challenge)
    assert services.send_alerts(session).mails == 1


def test_one_click_unsubscribe_by_post_without_a_csrf_token(app, client, session, world,
                                                          outbox):
    _officer, agency, challenge, reader = world
    item = services.follow(session, reader, kind=FollowKind.AGENCY, target_id=agency.id,
                           frequency=Frequency.IMMEDIATE)
    _news(session, challenge)
    services.send_alerts(session)
    session.commit()
    mail_outbox.send_due(session)
    mail = outbox[-1]
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail.headers["List-Unsubscribe"].strip("<>")
    assert url in mail.body and url.startswith("http://localhost/alerts/unsubscribe/")
    path = urlsplit(url).path
    page = client.get(path)  # a person's click: a page with a button, nothing changed
    assert page.status_code == 200
    db.session.refresh(item)
    assert item.status is S.ACTIVE
    # what a mail client sends (RFC 8058): no cookie, no CSRF token
    response = client.post(path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    db.session.refresh(item)
    assert item.status is S.ENDED
    assert client.post(path, data="List-Unsubscribe=One-Click").status_code == 200  # again
    assert client.post("/alerts/unsubscribe/forged").status_code == 404
    _news(session, challenge)
    assert services.send_alerts(session).mails == 0


def test_notification_mail_carries_a_one_click_unsubscribe_of_its_kind(client, session,
                                                                      world):
    from marketplace.notifications.services import notify

    _officer, _agency, _challenge, reader = world
    notify(session, [reader], "challenge.amended", lambda: "Bài toán đã được sửa.")
    mail = _mails(session)[-1]
    assert mail.to == reader.email and "List-Unsubscribe" in mail.headers
    session.commit()
    path = urlsplit(mail.headers["List-Unsubscribe"].strip("<>")).path
    assert client.post(path, data="List-Unsubscribe=One-Click").status_code == 200
    pref = session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == reader.id,
        NotificationPreference.kind == "challenge.amended"))
    assert pref is not None and (pref.in_app, pref.email) == (True, False)


def test_the_visitors_follow_form_is_rate_limited_per_address(app, client, session, world,
                                                              monkeypatch):
    _officer, agency, _challenge, _reader = world
    monkeypatch.setitem(app.config, "ALERTS_FOLLOW_LIMIT_PER_ADDRESS", "2 per hour")
    session.commit()
    page = f"/alerts/follow?kind=agency&target={agency.id}"
    codes = [client.post_form(page, {"kind": "agency", "target": str(agency.id),
                                     "frequency": "daily",
                                     "email": f"n{n}@example.test"}).status_code
             for n in range(3)]
    assert codes == [200, 200, 429]


# --- Atom feeds ----------------------------------------------------------------------------

def _atom(response):
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own output
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):  # RFC 4287 §4.1.1
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:  # RFC 4287 §4.1.2
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/")
    return entries


def test_the_agency_feed_is_valid_atom_of_its_public_news(client, session, world):
    _officer, agency, challenge, _reader = world
    _news(session, challenge)
    _news(session, factories.make_challenge(session))  # another agency's
    session.commit()
    entries = _atom(client.get(f"/alerts/feeds/agencies/{agency.id}.atom"))
    assert len(entries) == 1
    assert client.get(f"/alerts/feeds/agencies/{agency.id + 10_000}.atom").status_code == 404


@pytest.mark.parametrize("search", ["on=challenges&q=th%C3%B4ng+minh", "on=search&q=den"])
def test_the_saved_search_feed_is_valid_atom(client, session, world, search):
    session.commit()
    search_services.apply_pending(session)
    entries = _atom(client.get(f"/alerts/feeds/search.atom?{search}"))
    if search.startswith("on=challenges"):
        assert [e.find(f"{ATOM}title").text for e in entries] == ["Đèn giao thông thông minh"]
    assert client.get("/alerts/feeds/search.atom?on=challenges").status_code == 404


def test_the_confirmation_link_expires(app, session, world, monkeypatch):
    with app.test_request_context():
        token = tokens.confirm_token(5)
        assert tokens.read_confirm(token) == 5
        monkeypatch.setitem(app.config, "ALERTS_CONFIRM_MAX_AGE_DAYS", 7)
        import itsdangerous

        real = itsdangerous.timed.TimestampSigner.get_timestamp
        monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                            lambda self: real(self) + 8 * 86400)
        assert tokens.read_confirm(token) is None
        assert utcnow()  # the clock of the site is untouched
