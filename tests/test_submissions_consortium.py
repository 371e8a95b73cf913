"""Consortia: the lead invites verified solver organizations; an invited organization's
member accepts or declines; accepted partners read but do not edit; a company with a
university or institute is a State–School–Enterprise linkage."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OrgKind, OrgStatus
from marketplace.errors import DomainError, NotAllowed
from marketplace.notifications.models import Notification
from marketplace.submissions import services
from marketplace.submissions.models import ConsortiumPartner, PartnerStatus, SubmissionStatus
from tests.factories import make_challenge, make_org
from tests.submissions_factories import make_draft, make_solver


@pytest.fixture
def lead(session):
    user, org = make_solver(session, kind=OrgKind.STARTUP)
    return user, make_draft(session, make_challenge(session), org)


def test_invite_accept_and_read(client, session, login, lead):
    lead_user, submission = lead
    partner_user, partner_org = make_solver(session, kind=OrgKind.UNIVERSITY)
    login(lead_user)
    path = f"/submissions/{submission.id}"
    response = client.post_form(f"{path}/partners",
                                {"registration_code": partner_org.registration_code.lower()})
    assert response.status_code == 302
    partner = session.scalar(select(ConsortiumPartner))
    assert partner.organization_id == partner_org.id and partner.status is PartnerStatus.INVITED
    assert session.scalar(select(Notification).where(Notification.user_id == partner_user.id,
                                                     Notification.kind == "consortium.invited"))
    client.post_form("/logout", token_from="/")
    login(partner_user)
    assert client.get(path).status_code == 404  # invited is not yet a partner
    listing = client.get("/submissions/invitations").get_data(as_text=True)
    assert submission.challenge.title in listing and submission.summary not in listing
    response = client.post_form(f"/submissions/invitations/{partner.id}/accept",
                                token_from="/submissions/invitations")
    assert response.status_code == 302
    session.expire_all()
    assert partner.status is PartnerStatus.ACCEPTED and partner.responded_by_id == partner_user.id
    html = client.get(path).get_data(as_text=True)
    assert submission.summary in html
    assert "State–School–Enterprise linkage" in html or "Liên kết Nhà nước" in html
    assert services.is_sse_linkage(submission)


def test_a_partner_reads_but_does_not_edit_or_submit(client, session, login, lead):
    lead_user, submission = lead
    partner_user, partner_org = make_solver(session, kind=OrgKind.INSTITUTE)
    submission.partners.append(ConsortiumPartner(
        organization=partner_org, invited_by_id=lead_user.id, status=PartnerStatus.ACCEPTED))
    session.flush()
    login(partner_user)
    path = f"/submissions/{submission.id}"
    assert client.get(path).status_code == 200
    client.post_form(f"{path}/edit", {"summary": "Partner đổi nội dung"}, token_from=path)
    client.post_form(f"{path}/submit", token_from=path)
    session.expire_all()
    assert submission.summary != "Partner đổi nội dung"
    assert submission.status is SubmissionStatus.DRAFT
    with pytest.raises(NotAllowed):
        services.update(session, partner_user, submission,
                        services.SubmissionContent(summary="x"))


def test_declining_keeps_the_submission_closed(client, session, login, lead):
    lead_user, submission = lead
    partner_user, partner_org = make_solver(session, kind=OrgKind.ENTERPRISE)
    partner = services.invite_partner(session, lead_user, submission,
                                      registration_code=partner_org.registration_code)
    login(partner_user)
    client.post_form(f"/submissions/invitations/{partner.id}/decline",
                     token_from="/submissions/invitations")
    session.expire_all()
    assert partner.status is PartnerStatus.DECLINED
    assert client.get(f"/submissions/{submission.id}").status_code == 404
    again = services.invite_partner(session, lead_user, submission,
                                    organization_id=partner_org.id)
    assert again.id == partner.id and again.status is PartnerStatus.INVITED


def test_only_the_invited_organization_answers(client, session, login, lead):
    lead_user, submission = lead
    _partner_user, partner_org = make_solver(session, kind=OrgKind.UNIVERSITY)
    partner = services.invite_partner(session, lead_user, submission,
                                      registration_code=partner_org.registration_code)
    stranger, _org = make_solver(session)
    login(stranger)
    response = client.post_form(f"/submissions/invitations/{partner.id}/accept",
                                token_from="/submissions/invitations")
    assert response.status_code == 404
    listing = client.get("/submissions/invitations").get_data(as_text=True)
    assert submission.challenge.title not in listing
    with pytest.raises(NotAllowed):
        services.respond(session, stranger, partner, True)
    assert partner.status is PartnerStatus.INVITED


@pytest.mark.parametrize("target, message", [
    ("unverified", "verified|xác minh"), ("agency", "verified|xác minh"),
    ("self", "(?i)own|chính"), ("unknown", "verified|xác minh"),
    ("twice", "(?i)already|đã được mời"),
])
def test_who_can_be_invited(session, lead, target, message):
    lead_user, submission = lead
    codes = {
        "unverified": lambda: make_org(session, status=OrgStatus.PENDING).registration_code,
        "agency": lambda: make_org(session, kind=OrgKind.AGENCY).registration_code,
        "self": lambda: submission.organization.registration_code,
        "unknown": lambda: "KHONG-CO-123",
    }
    if target == "twice":
        org = make_org(session, kind=OrgKind.UNIVERSITY)
        services.invite_partner(session, lead_user, submission,
                                registration_code=org.registration_code)
        code = org.registration_code
    else:
        code = codes[target]()
    with pytest.raises(DomainError, match=message):
        services.invite_partner(session, lead_user, submission, registration_code=code)


def test_no_consortium_where_the_challenge_forbids_it(session):
    user, org = make_solver(session)
    submission = make_draft(session, make_challenge(session, consortia_allowed=False), org)
    partner_org = make_org(session, kind=OrgKind.UNIVERSITY)
    with pytest.raises(DomainError):
        services.invite_partner(session, user, submission,
                                registration_code=partner_org.registration_code)
    assert submission.partners == []


def test_answers_wait_while_the_lead_has_submitted(session, lead):
    lead_user, submission = lead
    partner_user, partner_org = make_solver(session, kind=OrgKind.UNIVERSITY)
    partner = services.invite_partner(session, lead_user, submission,
                                      registration_code=partner_org.registration_code)
    services.submit(session, lead_user, submission)
    with pytest.raises(DomainError, match="reopen|mở lại"):
        services.respond(session, partner_user, partner, True)
    assert partner.status is PartnerStatus.INVITED


def test_the_lead_removes_a_partner(client, session, login, lead):
    lead_user, submission = lead
    partner_org = make_org(session, kind=OrgKind.UNIVERSITY)
    partner = services.invite_partner(session, lead_user, submission,
                                      registration_code=partner_org.registration_code)
    login(lead_user)
    path = f"/submissions/{submission.id}"
    client.post_form(f"{path}/partners/{partner.id}/remove", token_from=path)
    session.expire_all()
    assert submission.partners == []


@pytest.mark.parametrize("lead_kind, partners, expected", [
    (OrgKind.STARTUP, [(OrgKind.UNIVERSITY, PartnerStatus.ACCEPTED)], True),
    (OrgKind.UNIVERSITY, [(OrgKind.ENTERPRISE, PartnerStatus.ACCEPTED)], True),
    (OrgKind.INSTITUTE, [(OrgKind.STARTUP, PartnerStatus.ACCEPTED)], True),
    (OrgKind.STARTUP, [(OrgKind.ENTERPRISE, PartnerStatus.ACCEPTED)], False),
    (OrgKind.UNIVERSITY, [(OrgKind.INSTITUTE, PartnerStatus.ACCEPTED)], False),
    (OrgKind.STARTUP, [(OrgKind.UNIVERSITY, PartnerStatus.INVITED)], False),
    (OrgKind.STARTUP, [(OrgKind.UNIVERSITY, PartnerStatus.DECLINED)], False),
    (OrgKind.STARTUP, [], False),
])
def test_state_school_enterprise_linkage(session, lead_kind, partners, expected):
    user, org = make_solver(session, kind=lead_kind)
    submission = make_draft(session, make_challenge(session), org)
    for kind, status in partners:
        submission.partners.append(ConsortiumPartner(organization=make_org(session, kind=kind),
                                                     invited_by_id=user.id, status=status))
    session.flush()
    assert services.is_sse_linkage(submission) is expected
