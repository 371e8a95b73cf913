"""Subscriptions notify new challenges; deadline reminders go once; the in-app list,
marking read, preferences and subscriptions pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.models import MemberRole
from marketplace.audit.services import record
from marketplace.challenges.models import ChallengeStatus
from marketplace.notifications import services
from marketplace.notifications.kinds import KINDS
from marketplace.notifications.models import Notification, OutboxEmail, Subscription
from marketplace.submissions.models import SubmissionStatus
from marketplace.types import utcnow
from tests import factories


def notes_of(session, user) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_publishing_notifies_subscribers_once(session, make_user):
    group = factories.group(session, "1")
    other_group = factories.group(session, "2")
    agency = factories.make_agency(session, name_vi="Sở Khoa học và Công nghệ Huế")
    by_group, by_agency, both, elsewhere = (make_user() for _ in range(4))
    services.subscribe(session, by_group, technology_group_id=group.id)
    services.subscribe(session, by_agency, agency_id=agency.id)
    services.subscribe(session, both, technology_group_id=group.id)
    services.subscribe(session, both, agency_id=agency.id)
    services.subscribe(session, elsewhere, technology_group_id=other_group.id)
    challenge = factories.make_challenge(session, agency=agency, technology_group_id=group.id,
                                         title="Du lịch thông minh")
    # the challenges domain records the transition; the notification follows by itself
    record(session, None, "challenge.published", challenge, public=True)
    for user in (by_group, by_agency, both):
        [note] = notes_of(session, user)
        assert note.kind == "challenge.new_match" and "Du lịch thông minh" in note.message
        assert note.link == f"/challenges/{challenge.id}"
    assert notes_of(session, elsewhere) == []
    # the explicit call is idempotent
    assert services.notify_new_challenge(session, challenge) == []
    session.commit()
    assert services.notify_new_challenge(session, challenge) == []
    assert len(notes_of(session, both)) == 1


def test_drafts_are_not_announced(session, make_user):
    user = make_user()
    challenge = factories.make_challenge(session, status=ChallengeStatus.DRAFT)
    services.subscribe(session, user, agency_id=challenge.agency_id)
    assert services.notify_new_challenge(session, challenge) == []


def test_deadline_reminders_go_once_to_unsent_drafts(app, session, make_user, make_org):
    member = make_user()
    org = make_org(members={member: MemberRole.OWNER})
    soon = factories.make_challenge(session, submission_deadline=utcnow() + timedelta(days=2),
                                    clarification_deadline=utcnow() + timedelta(days=1))
    later = factories.make_challenge(session, submission_deadline=utcnow() + timedelta(days=9))
    draft = factories.make_submission(session, challenge=soon, organization=org, member=member,
                                      status=SubmissionStatus.DRAFT)
    factories.make_submission(session, challenge=later, organization=org, member=member,
                              status=SubmissionStatus.DRAFT)
    factories.make_submission(session, challenge=soon, status=SubmissionStatus.SUBMITTED)
    assert services.remind_deadlines(session) == 1
    [note] = notes_of(session, member)
    assert note.kind == "submission.deadline_soon" and note.link == f"/submissions/{draft.id}"
    assert services.remind_deadlines(session) == 0
    session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "remind-deadlines"])
    assert result.exit_code == 0 and "reminded 0" in result.output
    assert len(notes_of(session, member)) == 1
    assert session.scalar(select(OutboxEmail.to).where(OutboxEmail.to == member.email))


def test_notification_list_and_mark_read(client, session, make_user, login):
    user, stranger = make_user(), make_user()
    [first] = services.notify(session, [user], "order.signed", lambda: "Đơn hàng HĐ-01 đã ký.",
                              link="/orders/1")
    services.notify(session, [user], "milestone.paid", lambda: "Mốc 1 đã thanh toán.")
    [theirs] = services.notify(session, [stranger], "order.signed", lambda: "Không phải của bạn")
    session.commit()
    assert client.get("/notifications/").status_code == 302  # login required
    login(user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "Đơn hàng HĐ-01 đã ký." in html and "2 chưa đọc" in html
    assert "Không phải của bạn" not in html
    response = client.post_form(f"/notifications/{first.id}/read", {"follow": "1"},
                                token_from="/notifications/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/orders/1")
    session.refresh(first)
    assert first.read_at is not None
    assert client.post_form(f"/notifications/{theirs.id}/read",
                            token_from="/notifications/").status_code == 404
    client.post_form("/notifications/read-all", token_from="/notifications/")
    assert services.unread_count(session, user) == 0


def test_preferences_page_saves_choices(client, session, make_user, login):
    user = make_user()
    session.commit()
    login(user)
    assert client.get("/notifications/preferences").status_code == 200
    data = {}
    for n, kind in enumerate(KINDS):
        data[f"in_app_{n}"] = "y"
        if kind != "order.signed":
            data[f"email_{n}"] = "y"
    response = client.post_form("/notifications/preferences", data)
    assert response.status_code == 302
    prefs = services.preferences_of(session, user)
    assert prefs["order.signed"] == (True, False) and prefs["milestone.paid"] == (True, True)


def test_subscriptions_page(client, session, make_user, login):
    user = make_user()
    group = factories.group(session, "1")
    agency = factories.make_agency(session, name_vi="UBND tỉnh Lào Cai")
    session.commit()
    login(user)
    html = client.get("/notifications/subscriptions").get_data(as_text=True)
    assert "UBND tỉnh Lào Cai" in html
    response = client.post_form("/notifications/subscriptions",
                                {"technology_group": str(group.id), "agency": str(agency.id)})
    assert response.status_code == 302
    subs = services.subscriptions_of(session, user)
    assert len(subs) == 2
    html = client.get("/notifications/subscriptions").get_data(as_text=True)
    assert "Cơ quan: UBND tỉnh Lào Cai" in html
    assert client.post_form("/notifications/subscriptions",
                            {"technology_group": "", "agency": ""}).status_code == 200
    other = make_user()
    foreign = services.subscribe(session, other, agency_id=agency.id)
    session.commit()
    assert client.post_form(f"/notifications/subscriptions/{foreign.id}/delete",
                            token_from="/notifications/subscriptions").status_code == 404
    client.post_form(f"/notifications/subscriptions/{subs[0].id}/delete",
                     token_from="/notifications/subscriptions")
    assert session.scalar(select(Subscription).where(Subscription.id == subs[0].id)) is None
