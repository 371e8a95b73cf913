from sqlalchemy import func, select

from marketplace.challenges.models import Amendment, Challenge, ChallengeStatus, Clarification
from marketplace.demo import accounts, challenges


def test_demo_challenges_load_once(session):
    accounts.load(session)
    assert challenges.load(session).startswith("challenges: 7")
    statuses = list(session.scalars(select(Challenge.status)))
    assert statuses.count(ChallengeStatus.PUBLISHED) == 6
    assert statuses.count(ChallengeStatus.DRAFT) == 1
    assert session.scalar(select(func.count()).select_from(Amendment)) == 1
    assert session.scalar(select(func.count()).select_from(Clarification).where(
        Clarification.answered_at.is_not(None))) == 2
    groups = session.scalar(select(func.count(func.distinct(Challenge.technology_group_id))))
    agencies = session.scalar(select(func.count(func.distinct(Challenge.agency_id))))
    assert groups >= 4 and agencies == 3
    assert challenges.load(session) == "challenges: already loaded"
    assert session.scalar(select(func.count()).select_from(Challenge)) == 7
