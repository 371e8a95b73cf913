"""Demo data of issue 18: citizens' ratings of the demo pilots (some comments published,
one not, some waiting for the agency's moderation), and a follower of the demo agency
whose daily digest is due (the worker's next `send_alerts` mails it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.alerts import news
from marketplace.alerts.models import Follow, FollowKind, FollowStatus, Frequency
from marketplace.demo.accounts import demo_org, demo_user
from marketplace.demo.orders import MARKER
from marketplace.feedback import services as feedback
from marketplace.orders.models import PilotOrder
from marketplace.types import utcnow

COMPLETED = "02/2026/HĐ-TNCN"

# (rating, comment, decision): "approve", "reject", None = waiting
SCHOOL_AIR = [
    (5, "Con tôi học ở trường Lê Văn Tám, giờ có bảng báo bụi mịn ngay cổng trường, "
        "rất tiện để quyết định cho cháu ra chơi hay không.", "approve"),
    (4, "Số liệu hằng ngày hữu ích, nhưng bảng hiển thị hơi nhỏ.", "approve"),
    (5, "", None), (4, "", None), (5, "", None), (3, "", None), (4, "", None),
    (2, "Cô giáo lớp 3A (tên ...) không cho học sinh xem bảng.", "reject"),
    (5, "Mong thành phố nhân rộng cho tất cả các trường.", "approve"),
    (4, "Ứng dụng trên điện thoại đôi khi chậm cập nhật.", None),
    (5, "Rất cảm ơn nhóm nghiên cứu của trường đại học.", None),
]
TRAFFIC = [
    (4, "Đèn ở nút Nguyễn Văn Linh – Hàm Nghi đổi pha hợp lý hơn hẳn giờ tan tầm.",
     "approve"),
    (2, "Buổi tối đèn đỏ vẫn lâu dù không có xe.", None),
    (4, "", None), (5, "", None), (3, "", None), (4, "", None),
]


def _rate(session, order: PilotOrder, ratings, officer) -> None:
    for n, (rating, comment, decision) in enumerate(ratings):
        given = feedback.give(session, order, rating=rating, comment=comment)
        given.created_at = utcnow() - timedelta(days=len(ratings) - n, hours=n)
        if decision == "approve":
            feedback.approve(session, officer, given)
        elif decision == "reject":
            feedback.reject(session, officer, given)


def load(session) -> str:
    orders = {o.contract_number: o for o in session.scalars(
        select(PilotOrder).where(PilotOrder.contract_number.in_((MARKER, COMPLETED))))}
    if len(orders) < 2:
        return "citizens' feedback: no demo pilots"
    if any(o.citizen_ratings for o in orders.values()):
        return "citizens' feedback: already loaded"
    officer = demo_user(session, "officer@agency.demo.example")
    _rate(session, orders[COMPLETED], SCHOOL_AIR, officer)
    _rate(session, orders[MARKER], TRAFFIC, officer)
    session.flush()
    _follower(session)
    return (f"citizens' feedback: {len(SCHOOL_AIR) + len(TRAFFIC)} ratings on two pilots, "
            "comments published, rejected and waiting; a follower with a daily digest due")


def _follower(session) -> None:
    """The demo startup's owner follows the demo agency by daily digest since two days
    ago, and the last ten public events are news to it: its digest is due."""
    agency, reader = demo_org(session, "agency"), demo_user(session, "startup@demo.example")
    since = utcnow() - timedelta(days=2)
    session.add(Follow(user_id=reader.id, locale="vi", kind=FollowKind.AGENCY,
                       target_id=agency.id, frequency=Frequency.DAILY,
                       status=FollowStatus.ACTIVE, created_at=since, active_at=since,
                       last_sent_at=since,
                       last_event_id=max(news.latest_event_id(session) - 10, 0)))
