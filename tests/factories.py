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
