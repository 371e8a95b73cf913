"""Factories of the submissions domain's tests."""

from __future__ import annotations

import io
import zipfile

from marketplace.accounts.models import MemberRole, OrgKind
from marketplace.submissions.models import SubmissionStatus
from tests.factories import make_org, make_submission, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def make_solver(session, kind: OrgKind = OrgKind.STARTUP, role: MemberRole = MemberRole.OWNER,
                **org_overrides):
    """A user and the verified solver organization they belong to."""
    user = make_user(session)
    org = make_org(session, kind=kind, members={user: role}, **org_overrides)
    return user, org


def make_draft(session, challenge, org, **overrides):
    overrides.setdefault("status", SubmissionStatus.DRAFT)
    return make_submission(session, challenge=challenge, organization=org, **overrides)


def make_challenge_due(session, deadline, **overrides):
    """A published challenge whose submission deadline is `deadline`."""
    from datetime import timedelta

    from tests.factories import make_challenge

    overrides.setdefault("clarification_deadline", deadline - timedelta(days=1))
    return make_challenge(session, submission_deadline=deadline, **overrides)
