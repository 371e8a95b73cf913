"""Demo data of the evaluation domain: a challenge under evaluation (blind review) with
scores partly submitted by evaluator1@ and evaluator2@, and an awarded challenge whose
award, above the agency's threshold, the approver signed.

The challenges and their submissions are made here, each step through its lifecycle so
that the audit trail is real; only the clock is compressed: the deadlines are moved into
the past once the solutions are in. Idempotent: the first challenge's title is the
marker."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from marketplace.challenges.models import Challenge, ChallengeStatus, Criterion
from marketplace.challenges.states import CHALLENGE_LIFECYCLE
from marketplace.demo.accounts import demo_org, demo_user
from marketplace.evaluation import awards, services
from marketplace.lifecycle import SYSTEM, transition
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.submissions.states import SUBMISSION_LIFECYCLE
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup
from marketplace.types import utcnow

MARKER = "Camera AI phát hiện vi phạm và sự cố giao thông trên tuyến ven biển Đà Nẵng"
AWARDED_TITLE = "Cảm biến IoT giám sát chất lượng nước sông Hàn theo thời gian thực"
OFFICER = "officer@agency.demo.example"
APPROVER = "approver@agency.demo.example"
EVALUATORS = ("evaluator1@demo.example", "evaluator2@demo.example")
SOLVERS = {"startup": "startup@demo.example", "university": "university@demo.example",
           "institute": "institute@demo.example"}

EVALUATING = dict(
    title=MARKER, group="1", blind_review=True, budget_ceiling=1_600_000_000,
    problem=("Tuyến đường ven biển Võ Nguyên Giáp – Trường Sa đông phương tiện vào mùa du "
             "lịch; sự cố và vi phạm (dừng đỗ sai quy định, đi ngược chiều) phát hiện chậm. "
             "Sở cần giải pháp **AI trên camera hiện có** phát hiện sự cố trong vòng 1 phút."),
    expected_outcomes="Phát hiện ≥ 90% sự cố trong 60 giây; giảm 30% thời gian xử lý sự cố.",
    sector="Giao thông đô thị", pilot_site="Tuyến ven biển quận Sơn Trà và Ngũ Hành Sơn",
    criteria=[("Độ chính xác và tính đổi mới", 40), ("Khả năng tích hợp với IOC", 35),
              ("Chi phí và khả năng nhân rộng", 25)],
    bids={
        "startup": ("Mô hình thị giác máy tính chạy tại biên, cảnh báo sự cố qua IOC trong 30 "
                    "giây; đã thử nghiệm tại 2 nút giao.", 7, 1_350_000_000),
        "university": ("Hệ thống phân tích video dùng học sâu tự giám sát, huấn luyện trên dữ "
                       "liệu giao thông Việt Nam do phòng thí nghiệm của trường thu thập.", 5,
                       1_200_000_000),
        "institute": ("Kết hợp camera và cảm biến radar để phát hiện xe dừng đỗ và đi ngược "
                      "chiều cả trong mưa và ban đêm.", 6, 1_500_000_000),
    },
)

AWARDED = dict(
    title=AWARDED_TITLE, group="8", blind_review=False, budget_ceiling=1_500_000_000,
    problem=("Sông Hàn chịu áp lực từ nước thải đô thị; việc lấy mẫu thủ công mỗi tháng một "
             "lần không phát hiện kịp các đợt ô nhiễm. Cần mạng **cảm biến IoT** đo DO, pH, độ "
             "đục, amoni và cảnh báo theo thời gian thực."),
    expected_outcomes="15 trạm quan trắc; dữ liệu công khai mỗi 15 phút; cảnh báo trong 10 phút.",
    sector="Môi trường", pilot_site="Sông Hàn, đoạn từ cầu Thuận Phước đến cầu Tiên Sơn",
    criteria=[("Độ tin cậy của thiết bị", 40), ("Dữ liệu mở và cảnh báo", 30), ("Chi phí", 30)],
    bids={
        "startup": ("Trạm cảm biến năng lượng mặt trời, truyền dữ liệu qua NB-IoT, bảng điều "
                    "khiển công khai cho người dân.", 7, 1_100_000_000),
        "university": ("Phao quan trắc đa thông số do trường thiết kế, hiệu chuẩn tại phòng thí "
                       "nghiệm chuẩn quốc gia.", 6, 1_250_000_000),
        "institute": ("Cảm biến quang học đo amoni không cần hóa chất, độ bền 2 năm ngoài "
                      "hiện trường.", 5, 1_400_000_000),
    },
)


def _group(session, code: str) -> TechnologyGroup | None:
    return session.scalar(select(TechnologyGroup).join(TaxonomyVersion).where(
        TechnologyGroup.code == code, TaxonomyVersion.valid_to.is_(None)).limit(1))


def _closed_challenge(session, spec: dict, days_ago: int) -> tuple[Challenge, list[Submission]]:
    """Drafted and published by the officer, answered by the three solvers, then closed
    by the clock with its submissions opened."""
    officer = demo_user(session, OFFICER)
    now = utcnow()
    group = _group(session, spec["group"])
    challenge = Challenge(
        agency=demo_org(session, "agency"), created_by=officer, title=spec["title"],
        problem=spec["problem"], expected_outcomes=spec["expected_outcomes"],
        technology_group_id=group.id if group else None, sector=spec["sector"],
        pilot_site=spec["pilot_site"], province="Đà Nẵng",
        budget_ceiling=spec["budget_ceiling"], pilot_duration_months=6,
        eligible_kinds=["startup", "institute", "university", "enterprise"],
        consortia_allowed=True, blind_review=spec["blind_review"], min_evaluators=2,
        clarification_deadline=now + timedelta(days=5),
        submission_deadline=now + timedelta(days=10))
    for position, (name, weight) in enumerate(spec["criteria"]):
        challenge.criteria.append(Criterion(position=position, name=name, weight=weight,
                                            description=f"Đánh giá {name.lower()}."))
    session.add(challenge)
    session.flush()
    transition(session, challenge, ChallengeStatus.PUBLISHED, officer,
               lifecycle=CHALLENGE_LIFECYCLE)
    bids = []
    for key, (summary, trl, price) in spec["bids"].items():
        member = demo_user(session, SOLVERS[key])
        submission = Submission(
            challenge=challenge, organization=demo_org(session, key), created_by=member,
            summary=summary, technical_approach="Xem thuyết minh kỹ thuật kèm theo.",
            trl=trl, proposed_price=price, timeline="6 tháng thí điểm.",
            team="Nhóm 6 kỹ sư và chuyên gia.",
            receipt_digest=hashlib.sha256(f"{challenge.id}|{key}|{summary}".encode()).hexdigest())
        session.add(submission)
        session.flush()
        transition(session, submission, SubmissionStatus.SUBMITTED, member,
                   lifecycle=SUBMISSION_LIFECYCLE)
        bids.append(submission)
    # the clock, compressed: the deadline has passed
    challenge.clarification_deadline = now - timedelta(days=days_ago + 7)
    challenge.submission_deadline = now - timedelta(days=days_ago)
    challenge.published_at = now - timedelta(days=days_ago + 30)  # published before both
    for submission in bids:
        submission.submitted_at = challenge.submission_deadline - timedelta(days=1)
    transition(session, challenge, ChallengeStatus.CLOSED, SYSTEM,
               lifecycle=CHALLENGE_LIFECYCLE, by_system=True)
    for submission in bids:
        transition(session, submission, SubmissionStatus.OPENED, SYSTEM,
                   lifecycle=SUBMISSION_LIFECYCLE, by_system=True)
    services.start_evaluation(session, officer, challenge)
    for i, email in enumerate(EVALUATORS):
        services.appoint(session, officer, challenge, email, chair=(i == 0))
    return challenge, bids


def _score(session, email: str, submission: Submission, scores: list[int], comments: list[str],
           *, submit: bool = True) -> None:
    evaluator = demo_user(session, email)
    services.declare(session, evaluator, submission, "none")
    values = {c.id: (s, text) for c, s, text in
              zip(submission.challenge.criteria, scores, comments, strict=True)}
    services.save_scores(session, evaluator, submission, values, submit=submit)


GOOD = ["Giải pháp rõ ràng, đã có kết quả thử nghiệm.", "Tích hợp tốt với hệ thống hiện có.",
        "Chi phí hợp lý so với trần ngân sách."]
FAIR = ["Ý tưởng tốt nhưng còn ở mức nguyên mẫu.", "Cần làm rõ giao thức kết nối.",
        "Chi phí cao so với kết quả dự kiến."]


def load(session) -> str:
    if session.scalar(select(Challenge.id).where(Challenge.title == MARKER)) is not None:
        return "evaluation: already loaded"
    e1, e2 = EVALUATORS

    # Under evaluation: evaluator1 has scored everything, evaluator2 one submission, a draft
    # of another, and declared a conflict on the third.
    _, (startup, university, institute) = _closed_challenge(session, EVALUATING, days_ago=3)
    _score(session, e1, startup, [8, 8, 7], GOOD)
    _score(session, e1, university, [7, 6, 8], FAIR)
    _score(session, e1, institute, [6, 7, 5], FAIR)
    _score(session, e2, startup, [9, 7, 7], GOOD)
    _score(session, e2, university, [6, 6, 7], FAIR, submit=False)
    services.declare(session, demo_user(session, e2), institute, "collaboration",
                     "Tôi đồng tác giả một bài báo với nhóm nghiên cứu này năm ngoái.")

    # Awarded: every evaluation in; the officer proposes above the threshold and the
    # approver signs.
    challenge, (startup, university, institute) = _closed_challenge(session, AWARDED,
                                                                    days_ago=30)
    for email, rows in ((e1, ([9, 8, 8], [7, 7, 6], [6, 5, 6])),
                        (e2, ([8, 9, 7], [7, 6, 7], [5, 6, 6]))):
        for submission, scores in zip((startup, university, institute), rows, strict=True):
            _score(session, email, submission, scores, GOOD if scores[0] >= 8 else FAIR)
    award = awards.propose(
        session, demo_user(session, OFFICER), challenge,
        [awards.Choice(startup.id, 1_050_000_000)],
        "Giải pháp xếp hạng nhất: thiết bị tin cậy, dữ liệu công khai cho người dân, giá thấp "
        "nhất trong các hồ sơ.")
    awards.approve(session, demo_user(session, APPROVER), award)
    return "evaluation: 1 challenge under evaluation, 1 awarded (approved by the approver)"
