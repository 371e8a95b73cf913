"""Factories and helpers of the challenges tests."""

from __future__ import annotations

from datetime import timedelta

from marketplace.accounts.models import MemberRole, OrgKind, OrgStatus
from marketplace.challenges.forms import to_local
from marketplace.types import utcnow
from tests import factories


def officer_and_agency(session, *, status: OrgStatus = OrgStatus.VERIFIED, **overrides):
    officer = factories.make_user(session)
    agency = factories.make_agency(session, officer=officer, status=status, **overrides)
    return officer, agency


def solver_member(session, *, status: OrgStatus = OrgStatus.VERIFIED,
                  kind: OrgKind = OrgKind.STARTUP):
    member = factories.make_user(session)
    org = factories.make_org(session, members={member: MemberRole.OWNER}, status=status,
                             kind=kind)
    return member, org


def local(dt) -> str:
    """A UTC time as the form's datetime-local input shows it."""
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def form_data(session, **overrides) -> dict:
    """A complete challenge form, as a browser posts it."""
    now = utcnow()
    data = {
        "title": "Giám sát chất lượng không khí bằng cảm biến IoT",
        "problem": "Thành phố cần **dữ liệu** chất lượng không khí theo thời gian thực.",
        "expected_outcomes": "Bản đồ AQI cập nhật mỗi 15 phút.",
        "technology_group_id": str(factories.group(session).id),
        "sector": "Môi trường",
        "pilot_site": "Khu công nghệ cao Đà Nẵng",
        "province": "Đà Nẵng",
        "budget_ceiling": "1.500.000.000",
        "pilot_duration_months": "6",
        "eligible_kinds": ["startup", "university"],
        "consortia_allowed": "y",
        "min_evaluators": "3",
        "clarification_deadline": local(now + timedelta(days=7)),
        "submission_deadline": local(now + timedelta(days=20)),
        "criteria-0-name": "Tính đổi mới",
        "criteria-0-description": "Mức độ mới của giải pháp",
        "criteria-0-weight": "60",
        "criteria-1-name": "Chi phí",
        "criteria-1-weight": "40",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
