"""The red flags demo: one agency (the Ha Noi Department of Construction) shows every red
flag, loaded once."""

from sqlalchemy import func, select

from marketplace.demo import accounts, flags
from marketplace.demo.accounts import demo_org
from marketplace.scorecards import queries, services
from marketplace.scorecards.models import FlagKind, RedFlag


def test_one_demo_agency_shows_every_red_flag(session, app):
    accounts.load(session)
    assert "flags computed" in flags.load(session)
    agency = demo_org(session, "hanoi")
    kinds = set(session.scalars(select(RedFlag.kind).where(RedFlag.agency_id == agency.id)))
    assert kinds == set(FlagKind)
    card = services.scorecard(session, queries.AGENCY, agency.id)
    assert card["overdue"] == 1 and card["ratings"] == 1 and card["completed"] == 1
    assert card["paid_within_30"] == 66.7 and card["paid_within_5"] == 33.3
    before = session.scalar(select(func.count()).select_from(RedFlag))
    assert flags.load(session) == "red flags: already loaded"
    assert session.scalar(select(func.count()).select_from(RedFlag)) == before
