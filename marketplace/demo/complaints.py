"""Demo data of the complaints domain (issue 19): on the awarded demo challenge, still in
its standstill, the institute's complaint about the ranking, taken up and dismissed with
reasons, and the university's complaint about the award, still open (so no pilot order
of that challenge can be offered or signed yet). Through the real rules; idempotent: any
complaint on that challenge is the marker."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.complaints import services
from marketplace.complaints.models import Complaint
from marketplace.demo.accounts import demo_user
from marketplace.demo.evaluation import AWARDED_TITLE, OFFICER, SOLVERS


def load(session) -> str:
    challenge = session.scalar(select(Challenge).where(
        Challenge.title == AWARDED_TITLE, Challenge.status == ChallengeStatus.AWARDED))
    if challenge is None:
        return "complaints: no awarded demo challenge"
    if session.scalar(select(Complaint.id).where(Complaint.challenge_id == challenge.id)):
        return "complaints: already loaded"
    officer = demo_user(session, OFFICER)
    decided = services.file(
        session, demo_user(session, SOLVERS["institute"]), challenge, contested="ranking",
        grounds=("Điểm tiêu chí “Dữ liệu mở và cảnh báo” của viện chưa tính tới giao diện lập "
                 "trình công khai (API) mô tả ở mục 4 của hồ sơ."))
    services.review(session, officer, decided)
    services.decide(session, officer, decided, upheld=False, reasoning=(
        "Tổ chuyên gia đã xem lại mục 4 của hồ sơ: API được chấm ở tiêu chí “Dữ liệu mở và "
        "cảnh báo” (7/10 và 6/10); xếp hạng không thay đổi."))
    services.file(
        session, demo_user(session, SOLVERS["university"]), challenge, contested="award",
        grounds=("Giá đề xuất của đơn vị trúng thầu không bao gồm chi phí hiệu chuẩn định kỳ "
                 "mà hồ sơ mời yêu cầu."))
    return "complaints: 1 decided (dismissed with reasons), 1 open, on the awarded challenge"
