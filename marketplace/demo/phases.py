"""Demo data of phased challenges (issue 17): a three-phase challenge mid-way. Three
solvers answered the open call; the award of phase 1 ("Thiết kế giải pháp") chose the
startup and the university; both handed in their phase results, the panel scored them,
and the down-selection into phase 2 ("Mẫu thử"), above the agency's threshold, signed by
the approver, carried the startup forward and dropped the university. Phase 3 ("Thí
điểm") is planned.

Everything after the plan goes through the real rules; the plan's rows are written
directly because the demo challenge is published in the same step (the rule that
defines phases takes drafts only). The clock is compressed as in `demo.evaluation`.
Idempotent: the challenge's title is the marker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.challenges.models import Challenge
from marketplace.demo.accounts import demo_user
from marketplace.demo.evaluation import (
    APPROVER,
    EVALUATORS,
    FAIR,
    GOOD,
    OFFICER,
    SOLVERS,
    _closed_challenge,
    _score,
)
from marketplace.evaluation import awards
from marketplace.phases import services as phases
from marketplace.phases.models import ChallengePhase, PhaseCriterion
from marketplace.types import utcnow

MARKER = "Nền tảng dự báo ngập úng đô thị cho thành phố Đà Nẵng theo ba giai đoạn"

PHASED = dict(
    title=MARKER, group="1", blind_review=False, budget_ceiling=2_500_000_000,
    problem=("Mỗi mùa mưa nhiều tuyến phố của Đà Nẵng ngập sâu trong vài giờ. Thành phố cần "
             "một **nền tảng dự báo ngập** từ dữ liệu mưa, triều và cảm biến mực nước, đặt "
             "hàng theo ba giai đoạn: thiết kế giải pháp, mẫu thử và thí điểm."),
    expected_outcomes="Dự báo ngập trước 2 giờ cho 30 điểm ngập trọng yếu, sai số dưới 15 cm.",
    sector="Hạ tầng đô thị", pilot_site="Quận Hải Châu và Thanh Khê",
    criteria=[("Tính đổi mới của phương pháp", 40), ("Năng lực của nhóm", 30),
              ("Kế hoạch và chi phí", 30)],
    bids={
        "startup": ("Mô hình học máy kết hợp mô hình thủy lực 1D/2D, cập nhật 10 phút một "
                    "lần từ trạm đo mưa và camera.", 5, 280_000_000),
        "university": ("Mô hình thủy văn – thủy lực hiệu chỉnh bằng dữ liệu lịch sử 10 năm "
                       "của thành phố.", 4, 290_000_000),
        "institute": ("Mạng cảm biến mực nước giá rẻ và bảng cảnh báo cho phường.", 4,
                      300_000_000),
    },
)

PLAN = [("Thiết kế giải pháp", 300_000_000, 60, 2, []),
        ("Mẫu thử", 700_000_000, 120, 1, [("Chất lượng bản thiết kế", 60),
                                           ("Tính khả thi của mẫu thử", 40)]),
        ("Thí điểm", 1_500_000_000, 180, 1, [("Độ chính xác của mẫu thử", 70),
                                              ("Khả năng vận hành", 30)])]


def load(session) -> str:
    if session.scalar(select(Challenge.id).where(Challenge.title == MARKER)) is not None:
        return "phases: already loaded"
    e1, e2 = EVALUATORS
    officer = demo_user(session, OFFICER)
    challenge, (startup, university, institute) = _closed_challenge(session, PHASED,
                                                                    days_ago=90)
    for number, (name, share, days, carried, criteria) in enumerate(PLAN, start=1):
        session.add(ChallengePhase(
            challenge_id=challenge.id, number=number, name=name, budget_share=share,
            duration_days=days, carried_forward=carried,
            criteria=[PhaseCriterion(position=i, name=c, weight=w)
                      for i, (c, w) in enumerate(criteria)]))
    challenge.phase_count = len(PLAN)
    session.flush()
    for email, rows in ((e1, ([9, 8, 8], [8, 7, 7], [6, 6, 5])),
                        (e2, ([8, 9, 8], [8, 8, 6], [6, 5, 6]))):
        for submission, scores in zip((startup, university, institute), rows, strict=True):
            _score(session, email, submission, scores, GOOD if scores[0] >= 8 else FAIR)
    awards.propose(
        session, officer, challenge,
        [awards.Choice(startup.id, 150_000_000),
         awards.Choice(university.id, 150_000_000,
                       "Xếp thứ hai, được chọn để có hai hướng thiết kế song song.")],
        "Hai hồ sơ xếp hạng cao nhất thực hiện giai đoạn thiết kế giải pháp song song.")

    # phase 1's results, due at the end of the phase, sealed until then, then scored
    phase2 = phases.phases_of(session, challenge)[1]
    phases.open_results(session, officer, phase2, utcnow() + timedelta(days=1))
    texts = {SOLVERS["startup"]: "Bản thiết kế kiến trúc nền tảng, mô hình thử trên 5 điểm "
                                 "ngập với sai số 12 cm.",
             SOLVERS["university"]: "Bản thiết kế mô hình thủy lực cho lưu vực Phú Lộc; "
                                    "chưa tích hợp dữ liệu thời gian thực."}
    results = []
    for email, text in texts.items():
        member = demo_user(session, email)
        result = phases.result_for(session, member, phase2)
        phases.save_result(session, member, result, text, submit=True)
        results.append(result)
    phase2.results_deadline = utcnow() - timedelta(days=1)  # the clock, compressed
    phases.start_evaluation(session, officer, phase2)
    for email in EVALUATORS:
        for result, values in zip(results, ([9, 8], [6, 5]), strict=True):
            phases.score(session, demo_user(session, email), result,
                         {c.id: (v, "Đạt yêu cầu." if v >= 8 else "Chưa thuyết phục.")
                          for c, v in zip(phase2.criteria, values, strict=True)})
    selection = phases.propose_selection(
        session, officer, phase2, [awards.Choice(startup.id, 650_000_000)],
        "Bản thiết kế của đơn vị khởi nghiệp đạt điểm cao nhất, đã chứng minh sai số dưới "
        "15 cm trên 5 điểm ngập; đơn vị được chọn làm mẫu thử.")
    if selection.requires_approval:
        awards.approve(session, demo_user(session, APPROVER), selection)
    return ("phases: 1 three-phase challenge mid-way (3 entered, 2 in phase 1, 1 carried "
            "into phase 2, the university dropped)")
