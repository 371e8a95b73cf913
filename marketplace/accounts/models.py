from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow


class OrgKind(StrEnum):
    AGENCY = "agency"
    STARTUP = "startup"
    INSTITUTE = "institute"
    UNIVERSITY = "university"
    ENTERPRISE = "enterprise"

    @property
    def is_solver(self) -> bool:
        return self is not OrgKind.AGENCY


SOLVER_KINDS = [k for k in OrgKind if k.is_solver]


class OrgStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class MemberRole(StrEnum):
    OWNER = "owner"  # any organization: manages members; acts as officer/member
    OFFICER = "officer"  # agency
    APPROVER = "approver"  # agency
    MEMBER = "member"  # solver


labels.register(OrgKind, {
    OrgKind.AGENCY: _l("Public agency"), OrgKind.STARTUP: _l("Startup"),
    OrgKind.INSTITUTE: _l("Research institute"), OrgKind.UNIVERSITY: _l("University"),
    OrgKind.ENTERPRISE: _l("Enterprise"),
})
labels.register(OrgStatus, {
    OrgStatus.PENDING: _l("Waiting for verification"), OrgStatus.VERIFIED: _l("Verified"),
    OrgStatus.REJECTED: _l("Rejected"),
})
labels.register(MemberRole, {
    MemberRole.OWNER: _l("Owner"), MemberRole.OFFICER: _l("Officer"),
    MemberRole.APPROVER: _l("Approver"), MemberRole.MEMBER: _l("Member"),
})

AGENCY_ROLES = (MemberRole.OWNER, MemberRole.OFFICER, MemberRole.APPROVER)
SOLVER_ROLES = (MemberRole.OWNER, MemberRole.MEMBER)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    locale: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Bumped at logout and password change: every session cookie issued before stops working.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the version ties the cookie to the session
        return f"{self.id}:{self.session_version}"

    def membership_in(self, organization_id: int | None) -> Membership | None:
        for membership in self.memberships:
            if membership.organization_id == organization_id:
                return membership
        return None

    def role_in(self, organization_id: int | None) -> MemberRole | None:
        membership = self.membership_in(organization_id)
        return membership.role if membership else None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind, "org_kind"))
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    registration_code: Mapped[str] = mapped_column(String(40), unique=True)
    province: Mapped[str] = mapped_column(String(80))
    website: Mapped[str] = mapped_column(String(300), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[OrgStatus] = mapped_column(
        enum_column(OrgStatus, "org_status"), default=OrgStatus.PENDING,
        server_default=OrgStatus.PENDING.value,
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Agencies: awards and payments above this total need a second signature (VND).
    approval_threshold: Mapped[int] = mapped_column(
        BigInteger, default=500_000_000, server_default="500000000"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "status <> 'rejected' OR rejection_reason <> ''", name="rejection_has_reason"
        ),
        CheckConstraint("approval_threshold >= 0", name="threshold_not_negative"),
    )

    @property
    def is_verified(self) -> bool:
        return self.status is OrgStatus.VERIFIED

    @property
    def is_agency(self) -> bool:
        return self.kind is OrgKind.AGENCY

    def display_name(self, locale: str = "vi") -> str:
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_vi

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.kind} {self.name_vi!r}>"


class Membership(db.Model):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole, "member_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")

    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)


class Invitation(db.Model):
    """An owner's invitation for an email address to join the organization in a role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole, "invitation_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()


class ExternalIdentity(db.Model):
    """A person's account at an OpenID Connect provider — the pair (issuer, subject) of its
    ID tokens — linked to one user here (`accounts.oidc`): signing in there signs in here.
    A user has at most one identity per provider."""

    __tablename__ = "external_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("issuer", "subject"),
                      UniqueConstraint("user_id", "issuer"))


class PasswordResetRequest(db.Model):
    """Someone asked for a reset link for `email` (issue 15): written by the request for
    any well-formed address, known or not — the request does the same work either way —
    and deleted by the worker (`accounts.services.send_password_resets`), which looks the
    account up and, if there is one, queues the mail. Holds an address only until then."""

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
