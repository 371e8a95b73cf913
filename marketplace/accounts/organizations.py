"""Organization rules: verification, membership and invitations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace import policy
from marketplace.accounts.models import (
    AGENCY_ROLES,
    SOLVER_ROLES,
    Invitation,
    MemberRole,
    Membership,
    Organization,
    OrgStatus,
    User,
)
from marketplace.accounts.services import normalize_email
from marketplace.accounts.states import ORGANIZATION_LIFECYCLE
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.lifecycle import transition
from marketplace.types import utcnow


def verify(session, admin: User, org: Organization) -> None:
    transition(session, org, OrgStatus.VERIFIED, admin, lifecycle=ORGANIZATION_LIFECYCLE)
    org.rejection_reason = ""


def reject(session, admin: User, org: Organization, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for the rejection."), field="reason")
    org.rejection_reason = reason
    transition(session, org, OrgStatus.REJECTED, admin, lifecycle=ORGANIZATION_LIFECYCLE,
               data={"reason": reason})


def resubmit(session, owner: User, org: Organization) -> None:
    transition(session, org, OrgStatus.PENDING, owner, lifecycle=ORGANIZATION_LIFECYCLE)
    org.rejection_reason = ""


def roles_for(org: Organization) -> tuple[MemberRole, ...]:
    return AGENCY_ROLES if org.is_agency else SOLVER_ROLES


def _check_role(org: Organization, role: MemberRole) -> None:
    if role not in roles_for(org):
        raise DomainError(_("This role does not exist for this kind of organization."),
                          field="role")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(session, owner: User, org: Organization, email: str, role: MemberRole
           ) -> tuple[Invitation, str]:
    """An invitation and its secret token (only its hash is stored)."""
    policy.require(owner, "organization.manage_members", org)
    role = MemberRole(role)
    _check_role(org, role)
    email = normalize_email(email)
    already = session.scalar(
        select(func.count()).select_from(Membership).join(User)
        .where(Membership.organization_id == org.id, User.email == email)
    )
    if already:
        raise DomainError(_("This person is already a member."), field="email")
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITATION_MAX_AGE_DAYS"]
    invitation = Invitation(organization=org, email=email, role=role,
                            token_hash=_token_hash(token), invited_by=owner,
                            expires_at=utcnow() + timedelta(days=days))
    session.add(invitation)
    session.flush()
    record(session, owner, "organization.member_invited", org,
           after={"email": email, "role": role.value})
    return invitation, token


def invitation_for_token(session, token: str) -> Invitation:
    invitation = session.scalar(select(Invitation).where(
        Invitation.token_hash == _token_hash(token or "")))
    if invitation is None or not invitation.is_open:
        raise DomainError(_("This invitation is not valid any more."))
    return invitation


def accept_invitation(session, user: User, token: str) -> Membership:
    invitation = invitation_for_token(session, token)
    if normalize_email(user.email) != invitation.email:
        raise DomainError(_("This invitation was sent to another email address."))
    if user.membership_in(invitation.organization_id) is not None:
        raise DomainError(_("You are already a member of this organization."))
    membership = Membership(user=user, organization_id=invitation.organization_id,
                            role=invitation.role)
    session.add(membership)
    invitation.accepted_at = utcnow()
    session.flush()
    record(session, user, "organization.member_joined", invitation.organization,
           after={"user_id": user.id, "role": invitation.role.value})
    return membership


def change_role(session, owner: User, membership: Membership, role: MemberRole) -> None:
    org = membership.organization
    policy.require(owner, "organization.manage_members", org)
    role = MemberRole(role)
    _check_role(org, role)
    if membership.role is MemberRole.OWNER and role is not MemberRole.OWNER:
        _keep_an_owner(session, org, membership)
    before = membership.role.value
    membership.role = role
    session.flush()
    record(session, owner, "organization.member_role_changed", org,
           before={"user_id": membership.user_id, "role": before},
           after={"user_id": membership.user_id, "role": role.value})


def remove_member(session, owner: User, membership: Membership) -> None:
    org = membership.organization
    policy.require(owner, "organization.manage_members", org)
    if membership.role is MemberRole.OWNER:
        _keep_an_owner(session, org, membership)
    record(session, owner, "organization.member_removed", org,
           before={"user_id": membership.user_id, "role": membership.role.value})
    session.delete(membership)
    session.flush()


def _keep_an_owner(session, org: Organization, leaving: Membership) -> None:
    owners = session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.organization_id == org.id, Membership.role == MemberRole.OWNER,
            Membership.id != leaving.id)
    )
    if not owners:
        raise DomainError(_("An organization needs at least one owner."), field="role")


def deactivate_user(session, admin: User, user: User) -> None:
    policy.require(admin, "user.deactivate", user)
    if not user.active:
        return
    user.active = False
    user.session_version += 1
    session.flush()
    record(session, admin, "user.deactivated", user)


def reactivate_user(session, admin: User, user: User) -> None:
    policy.require(admin, "user.deactivate", user)
    if user.active:
        return
    user.active = True
    session.flush()
    record(session, admin, "user.reactivated", user)
