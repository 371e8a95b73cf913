"""Demo data of the submissions domain: an open challenge with sealed submissions — one by
the startup alone, one by a consortium that the university leads with the enterprise
(a State–School–Enterprise linkage). Made through the real rules, so each has its
receipt and its audit trail. Idempotent: the startup's summary is the marker."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from marketplace.audit.services import record
from marketplace.challenges.models import Challenge, ChallengeStatus, Criterion
from marketplace.demo.accounts import demo_org, demo_user
from marketplace.submissions import services
from marketplace.submissions.models import Submission
from marketplace.submissions.services import SubmissionContent
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup
from marketplace.types import utcnow

STARTUP_SUMMARY = ("Nền tảng AI Sông Hàn điều phối đèn tín hiệu theo lưu lượng thực tế tại 12 "
                   "nút giao trọng điểm, dùng lại camera giám sát sẵn có của thành phố.")
CHALLENGE_TITLE = ("Điều phối đèn tín hiệu giao thông thích ứng bằng trí tuệ nhân tạo tại các "
                   "nút giao trọng điểm Đà Nẵng")
KINDS = ("startup", "university")

# A tiny but real PDF, so that the demo shows an attachment with its digest.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _open_challenge(session) -> Challenge:
    """An open challenge of the demo agency that both bidders may answer, made here if
    the challenges step made none."""
    agency = demo_org(session, "agency")
    soon = utcnow() + timedelta(days=3)
    for challenge in session.scalars(
            select(Challenge).where(Challenge.agency_id == agency.id,
                                    Challenge.status == ChallengeStatus.PUBLISHED,
                                    Challenge.submission_deadline > soon)
            .order_by(Challenge.submission_deadline.desc())):
        if challenge.consortia_allowed and set(KINDS) <= set(challenge.eligible_kinds or []):
            return challenge
    group = session.scalar(select(TechnologyGroup).join(TaxonomyVersion).where(
        TechnologyGroup.code == "1", TaxonomyVersion.valid_to.is_(None)).limit(1))
    now = utcnow()
    officer = demo_user(session, "officer@agency.demo.example")
    challenge = Challenge(
        agency=agency, created_by=officer, title=CHALLENGE_TITLE,
        problem=("Ùn tắc giờ cao điểm tại các nút giao trên đường **Nguyễn Văn Linh**, "
                 "**Điện Biên Phủ** và **Ngô Quyền** kéo dài trung bình 18 phút. Chu kỳ đèn cố "
                 "định không theo kịp lưu lượng thay đổi theo giờ và theo mùa du lịch."),
        expected_outcomes="Giảm ít nhất 20% thời gian chờ trung bình tại các nút giao thí điểm.",
        technology_group_id=group.id if group else None, sector="Giao thông đô thị",
        pilot_site="12 nút giao quận Hải Châu và Sơn Trà", province="Đà Nẵng",
        budget_ceiling=1_800_000_000, pilot_duration_months=6,
        eligible_kinds=["startup", "institute", "university", "enterprise"],
        consortia_allowed=True, clarification_deadline=now + timedelta(days=10),
        submission_deadline=now + timedelta(days=21), status=ChallengeStatus.PUBLISHED,
        published_at=now)
    for position, (name, weight) in enumerate([("Tính đổi mới", 30), ("Khả thi kỹ thuật", 40),
                                               ("Chi phí", 30)]):
        challenge.criteria.append(Criterion(position=position, name=name, weight=weight,
                                            description=f"Đánh giá {name.lower()}."))
    session.add(challenge)
    session.flush()
    record(session, officer, "challenge.published", challenge,
           after={"status": "published"}, public=True)
    return challenge


def load(session) -> str:
    if session.scalar(select(Submission.id).where(Submission.summary == STARTUP_SUMMARY)):
        return "submissions: already loaded"
    challenge = _open_challenge(session)

    startup_user = demo_user(session, "startup@demo.example")
    startup = services.start(session, startup_user, challenge.id, demo_org(session, "startup").id,
                             SubmissionContent(
        summary=STARTUP_SUMMARY,
        technical_approach=("- Nhận dạng phương tiện bằng mô hình thị giác máy tính chạy tại "
                            "biên (edge)\n- Học tăng cường đa tác tử để phối hợp các nút giao "
                            "liền kề\n- Bảng điều khiển cho Trung tâm điều hành giao thông"),
        trl=6, proposed_price=1_450_000_000,
        timeline="Tháng 1–2: lắp đặt và hiệu chỉnh; tháng 3–6: vận hành thí điểm và đo đạc.",
        team="8 người: 4 kỹ sư AI, 2 kỹ sư hệ thống, 1 chuyên gia giao thông, 1 quản lý dự án."))
    services.add_attachment(session, startup_user, startup, io.BytesIO(DEMO_PDF),
                            "Thuyết minh kỹ thuật - Sông Hàn AI.pdf")
    services.submit(session, startup_user, startup)

    university_user = demo_user(session, "university@demo.example")
    lead = services.start(session, university_user, challenge.id,
                          demo_org(session, "university").id, SubmissionContent(
        summary=("Liên danh Trường Đại học Kỹ thuật Miền Trung và Công ty Phương Nam: cảm biến "
                 "lưu lượng giá rẻ sản xuất trong nước kết hợp thuật toán tối ưu chu kỳ đèn."),
        technical_approach=("Cảm biến radar 24 GHz do doanh nghiệp sản xuất; thuật toán tối ưu "
                            "hóa chu kỳ đèn do phòng thí nghiệm của trường phát triển."),
        trl=5, proposed_price=1_620_000_000,
        timeline="6 tháng thí điểm, báo cáo đánh giá độc lập ở tháng thứ 7.",
        team="Nhóm nghiên cứu 5 giảng viên và 6 kỹ sư của doanh nghiệp."))
    partner = services.invite_partner(
        session, university_user, lead,
        registration_code=demo_org(session, "enterprise").registration_code)
    services.respond(session, demo_user(session, "enterprise@demo.example"), partner, True)
    services.submit(session, university_user, lead)
    return (f"submissions: 2 sealed submissions on challenge {challenge.id} "
            f"(one consortium, State–School–Enterprise linkage)")
