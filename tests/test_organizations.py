import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import MemberRole, Membership, OrgKind, OrgStatus
from marketplace.accounts.states import ORGANIZATION_LIFECYCLE
from marketplace.errors import InvalidTransition
from marketplace.lifecycle import transition


@pytest.fixture
def owner_and_org(make_user, make_org):
    owner = make_user()
    org = make_org(kind=OrgKind.AGENCY, members={owner: MemberRole.OWNER})
    return owner, org


def test_owner_invites_and_invitee_accepts(client, owner_and_org, login, outbox, make_user,
                                           session):
    owner, org = owner_and_org
    invitee = make_user(email="new.officer@example.test")
    login(owner)
    path = f"/organizations/{org.id}/members"
    response = client.post_form(path, {"email": "New.Officer@example.test", "role": "approver"})
    assert response.status_code == 302
    link = re.search(r"http://localhost(/organizations/invitations/\S+)", outbox[-1].body).group(1)
    client.post_form("/logout", token_from="/")
    login(invitee)
    assert client.post_form(link).status_code == 302
    session.expire_all()
    assert invitee.role_in(org.id) is MemberRole.APPROVER
    assert client.post_form(link, token_from="/").status_code == 302  # used: refused politely
    assert len([m for m in org.memberships if m.user_id == invitee.id]) == 1


def test_invitation_for_someone_else_is_refused(client, owner_and_org, login, outbox, make_user,
                                                session):
    owner, org = owner_and_org
    login(owner)
    client.post_form(f"/organizations/{org.id}/members", {"email": "a@example.test",
                                                          "role": "officer"})
    link = re.search(r"http://localhost(/organizations/invitations/\S+)", outbox[-1].body).group(1)
    client.post_form("/logout", token_from="/")
    intruder = make_user(email="b@example.test")
    login(intruder)
    client.post_form(link)
    session.expire_all()
    assert intruder.role_in(org.id) is None


def test_roles_must_fit_the_kind_of_organization(client, owner_and_org, login, session):
    owner, org = owner_and_org
    login(owner)
    response = client.post_form(f"/organizations/{org.id}/members",
                                {"email": "x@example.test", "role": "member"})
    assert response.status_code == 200  # "member" is a solver role, not an agency one


def test_non_owner_cannot_manage_members(client, owner_and_org, make_user, login, session):
    owner, org = owner_and_org
    officer = make_user()
    session.add(Membership(user=officer, organization=org, role=MemberRole.OFFICER))
    session.flush()
    login(officer)
    assert client.get(f"/organizations/{org.id}/members").status_code == 200  # may look
    response = client.post_form(f"/organizations/{org.id}/members",
                                {"email": "x@example.test", "role": "officer"})
    assert response.status_code == 403
    membership = owner.membership_in(org.id)
    response = client.post_form(f"/organizations/{org.id}/members/{membership.id}/remove",
                                token_from=f"/organizations/{org.id}/members")
    assert response.status_code == 403


def test_outsider_cannot_see_members(client, owner_and_org, make_user, login):
    _, org = owner_and_org
    login(make_user())
    assert client.get(f"/organizations/{org.id}/members").status_code == 403


def test_last_owner_cannot_leave(client, owner_and_org, login, session):
    owner, org = owner_and_org
    login(owner)
    membership = owner.membership_in(org.id)
    client.post_form(f"/organizations/{org.id}/members/{membership.id}/role",
                     {"role": "officer"}, token_from=f"/organizations/{org.id}/members")
    session.expire_all()
    assert owner.role_in(org.id) is MemberRole.OWNER


def test_pending_organization_is_hidden_from_the_public(client, make_org):
    org = make_org(status=OrgStatus.PENDING)
    assert client.get(f"/organizations/{org.id}").status_code == 404
    verified = make_org()
    assert client.get(f"/organizations/{verified.id}").status_code == 200


ALL = list(OrgStatus)
ALLOWED = {(OrgStatus.PENDING, OrgStatus.VERIFIED), (OrgStatus.PENDING, OrgStatus.REJECTED),
           (OrgStatus.VERIFIED, OrgStatus.REJECTED), (OrgStatus.REJECTED, OrgStatus.PENDING)}


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_organization_lifecycle_table(session, make_user, make_org, source, target):
    admin = make_user(is_admin=True)
    owner = make_user()
    org = make_org(status=source, members={owner: MemberRole.OWNER}, rejection_reason="r")
    actor = owner if target is OrgStatus.PENDING else admin
    if (source, target) in ALLOWED:
        transition(session, org, target, actor, lifecycle=ORGANIZATION_LIFECYCLE)
        assert org.status is target
    else:
        with pytest.raises(InvalidTransition):
            transition(session, org, target, actor, lifecycle=ORGANIZATION_LIFECYCLE)
        assert org.status is source


@pytest.mark.parametrize("source, target", sorted(ALLOWED))
def test_organization_transitions_check_the_actor(session, make_user, make_org, source, target):
    from marketplace.errors import NotAllowed

    stranger = make_user()
    org = make_org(status=source, rejection_reason="r")
    with pytest.raises(NotAllowed):
        transition(session, org, target, stranger, lifecycle=ORGANIZATION_LIFECYCLE)
    assert session.scalar(select(Membership).where(Membership.user_id == stranger.id)) is None
