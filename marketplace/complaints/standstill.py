"""The standstill period (thời gian chờ trước khi ký hợp đồng) and the working-day clock.

When an award is approved, a standstill starts: `STANDSTILL_WORKING_DAYS` working days
(default 5) during which the bidders may complain (kiến nghị) and no pilot order of the
challenge can be offered or signed; the block lasts while any complaint about the award
is still open (filed or under review), even after the standstill's last day.

Working days are counted in Viet Nam's calendar (Asia/Ho_Chi_Minh): weekends excluded,
public holidays and the Saturdays declared working days taken from the maintained
`holidays` library's Viet Nam calendar. A period of N working days that starts at some
moment ends at local midnight after the N-th working day following that moment's date.
Source of the rule: issue 19; the Prozorro and VNEPS practice of a standstill before the
contract."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.challenges.models import Challenge
from marketplace.complaints.models import OPEN_STATUSES, Complaint
from marketplace.errors import DomainError
from marketplace.evaluation.models import Award, AwardStatus
from marketplace.i18n import local_datetime
from marketplace.types import utcnow

VIET_NAM = ZoneInfo("Asia/Ho_Chi_Minh")


def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=range(year, year + 2))


def is_working_day(day: date) -> bool:
    """Not a weekend (unless declared a working Saturday), not a public holiday in Viet Nam."""
    return _calendar(day.year).is_working_day(day)


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (aware UTC) of a period of `days` working days that starts at `start`
    (aware): local midnight after the `days`-th working day after `start`'s local date.
    0 days ends at `start` itself."""
    if days <= 0:
        return start
    local_day = start.astimezone(VIET_NAM).date()
    last = _calendar(local_day.year).get_nth_working_day(local_day, days)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=VIET_NAM
                            ).astimezone(start.tzinfo)


def standstill_days() -> int:
    return int(current_app.config.get("STANDSTILL_WORKING_DAYS", 5))


def answer_days() -> int:
    return int(current_app.config.get("COMPLAINT_ANSWER_WORKING_DAYS", 5))


def start(award: Award, at: datetime | None = None) -> None:
    """Start the award's standstill (called when the award takes effect)."""
    award.standstill_ends_at = add_working_days(at or award.decided_at or utcnow(),
                                                standstill_days())


def in_standstill(award: Award | None, now: datetime | None = None) -> bool:
    return (award is not None and award.status is AwardStatus.APPROVED
            and award.standstill_ends_at is not None
            and (now or utcnow()) < award.standstill_ends_at)


def open_complaints(session, award_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Complaint).where(
        Complaint.award_id == award_id, Complaint.status.in_(OPEN_STATUSES)))


def lock(session, challenge_id: int) -> None:
    """Serialize the standstill's checks with the filing of complaints on one challenge
    (a row lock on PostgreSQL; SQLite has a single writer)."""
    session.execute(select(Challenge.id).where(Challenge.id == challenge_id).with_for_update())


def orders_blocked(session, award: Award, now: datetime | None = None) -> str | None:
    """Why no order of `award` may be offered or signed now, in words; None if it may."""
    if award.status is not AwardStatus.APPROVED:
        return _("The award is no longer in effect: no pilot order can be offered or signed.")
    if in_standstill(award, now):
        return _("The standstill period runs until %(end)s: until then the bidders may "
                 "complain, and no pilot order can be offered or signed.",
                 end=local_datetime(award.standstill_ends_at))
    if open_complaints(session, award.id):
        return _("A complaint about the award is still open: no pilot order can be offered "
                 "or signed until the agency has decided it.")
    return None


def ensure_orders_allowed(session, award: Award) -> None:
    """Raise DomainError while the award's standstill runs or a complaint about it is
    open. Locks the challenge first, then reads the clock and the complaints, so that a
    complaint filed at the standstill's last moment and an offer made at the first moment
    after it cannot both succeed. Called by the order rules (offer, sign, countersign)."""
    session.flush()
    lock(session, award.challenge_id)
    session.refresh(award)
    reason = orders_blocked(session, award)
    if reason:
        raise DomainError(reason)
