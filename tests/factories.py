"""Test factories: `make_user(session, **overrides)`, `make_org(session, **overrides)`."""

from __future__ import annotations

import itertools

from marketplace.accounts.auth import hash_password
from marketplace.accounts.models import (
    MemberRole,
    Membership,
    Organization,
    OrgKind,
    OrgStatus,
    User,
)

PASSWORD = "correct horse battery"  # noqa: S105
# what production needs besides a database (config.ProductionConfig.check)
PRODUCTION_SETTINGS = {
    "ENV_NAME": "production", "SECRET_KEY": "s" * 48, "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "127.0.0.1", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "OCDS_PREFIX": "ocds-abc123", "PUBLIC_BASE_URL": "https://example.gov.vn",
    "TRUSTED_HOSTS": ["example.gov.vn", "localhost"],  # and the test client's host
}
_seq = itertools.count(1)


def make_user(session, **overrides) -> User:
    n = next(_seq)
    password = overrides.pop("password", PASSWORD)
    data = {"email": f"user{n}@example.test", "full_name": f"Người dùng {n}"}
    data.update(overrides)
    user = User(password_hash=hash_password(password), **data)
    session.add(user)
    session.flush()
    return user


def make_org(session, *, members: dict[User, MemberRole] | None = None, **overrides
             ) -> Organization:
    n = next(_seq)
    data = {
        "kind": OrgKind.STARTUP,
        "name_vi": f"Tổ chức thử nghiệm {n}",
        "registration_code": f"TEST-{n:06d}",
        "province": "Hà Nội",
        "status": OrgStatus.VERIFIED,
    }
    data.update(overrides)
    org = Organization(**data)
    session.add(org)
    session.flush()
    for user, role in (members or {}).items():
        session.add(Membership(user=user, organization=org, role=role))
    session.flush()
    return org


# --- the marketplace's core objects -------------------------------------------------

def group(session, code: str = "1"):
    from sqlalchemy import select

    from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup

    return session.scalar(select(TechnologyGroup).join(TaxonomyVersion).where(
        TechnologyGroup.code == code, TaxonomyVersion.valid_to.is_(None)).limit(1))


def make_agency(session, *, officer: User | None = None, approver: User | None = None,
                **overrides) -> Organization:
    members = {}
    if officer is not None:
        members[officer] = MemberRole.OFFICER
    if approver is not None:
        members[approver] = MemberRole.APPROVER
    overrides.setdefault("kind", OrgKind.AGENCY)
    return make_org(session, members=members, **overrides)


def make_challenge(session, *, agency: Organization | None = None, creator: User | None = None,
                   criteria: list[tuple[str, int]] | None = None, **overrides):
    """A challenge, published and open by default (deadline in 10 days)."""
    from datetime import timedelta

    from marketplace.challenges.models import Challenge, ChallengeStatus, Criterion
    from marketplace.types import utcnow

    creator = creator or make_user(session)
    agency = agency or make_agency(session, officer=creator)
    now = utcnow()
    status = overrides.pop("status", ChallengeStatus.PUBLISHED)
    data = {
        "title": f"Bài toán thử nghiệm {next(_seq)}",
        "problem": "Cần giải pháp **đổi mới** cho đường phố Hà Nội.",
        "expected_outcomes": "Giảm 20% thời gian chờ.",
        "technology_group_id": group(session).id,
        "sector": "Giao thông",
        "pilot_site": "Khu công nghệ cao",
        "province": agency.province,
        "budget_ceiling": 2_000_000_000,
        "pilot_duration_months": 6,
        "eligible_kinds": ["startup", "institute", "university", "enterprise"],
        "clarification_deadline": now + timedelta(days=5),
        "submission_deadline": now + timedelta(days=10),
        "status": status,
        "published_at": None if status == ChallengeStatus.DRAFT else now - timedelta(days=1),
    }
    data.update(overrides)
    challenge = Challenge(agency=agency, created_by=creator, **data)
    for position, (name, weight) in enumerate(criteria or [("Tính đổi mới", 40),
                                                           ("Khả thi kỹ thuật", 35),
                                                           ("Chi phí", 25)]):
        challenge.criteria.append(Criterion(position=position, name=name, weight=weight,
                                            description=f"Mô tả {name}"))
    session.add(challenge)
    session.flush()
    return challenge


def make_submission(session, *, challenge=None, organization: Organization | None = None,
                    member: User | None = None, **overrides):
    """A submission, submitted by default, with a receipt."""
    from marketplace.submissions.models import Submission, SubmissionStatus
    from marketplace.types import utcnow

    challenge = challenge or make_challenge(session)
    if organization is None:
        member = member or make_user(session)
        organization = make_org(session, members={member: MemberRole.OWNER})
    member = member or organization.memberships[0].user
    status = overrides.pop("status", SubmissionStatus.SUBMITTED)
    draft = status in (SubmissionStatus.DRAFT, SubmissionStatus.WITHDRAWN)
    data = {
        "summary": "Hệ thống AI điều phối đèn tín hiệu giao thông.",
        "technical_approach": "Học tăng cường trên dữ liệu camera.",
        "trl": 6,
        "proposed_price": 1_500_000_000,
        "timeline": "6 tháng",
        "team": "5 kỹ sư",
        "status": status,
        "submitted_at": None if draft else utcnow(),
        "receipt_digest": None if draft else "0" * 64,
    }
    data.update(overrides)
    submission = Submission(challenge=challenge, organization=organization, created_by=member,
                            **data)
    session.add(submission)
    session.flush()
    return submission
