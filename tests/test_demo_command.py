"""`flask demo` on an empty database: the demo data, searchable at once, and a second run
changes nothing."""

from sqlalchemy import func, select

from marketplace import create_app
from marketplace.challenges.models import Challenge
from marketplace.extensions import db
from marketplace.orders.models import PilotOrder
from marketplace.orders.terms import LOCAL_ZONE
from marketplace.search import services as search
from marketplace.search.backend import SearchRequest
from marketplace.search.models import SearchPending
from marketplace.submissions.models import Submission


def _the_story_is_coherent(session):
    """Every demo challenge was published before its deadline, every bid came in before
    it, and every contract starts after its award."""
    for challenge in session.scalars(select(Challenge).where(
            Challenge.published_at.is_not(None))):
        assert challenge.published_at < challenge.submission_deadline, challenge.title
    for submission in session.scalars(select(Submission).where(
            Submission.submitted_at.is_not(None))):
        assert submission.submitted_at <= submission.challenge.submission_deadline
    for order in session.scalars(select(PilotOrder)):
        if order.award_item is None:  # a follow-on order: signed after its pilot completed
            assert order.follows.completed_at < order.signed_at, order.contract_number
            continue
        decided = order.award_item.award.decided_at
        assert decided.astimezone(LOCAL_ZONE).date() < order.start_date, order.contract_number
        assert order.challenge.awarded_at <= order.active_at
        for milestone in order.milestones:
            if milestone.accepted_at is not None:
                assert milestone.accepted_at.astimezone(LOCAL_ZONE).date() >= order.start_date


def test_the_demo_is_searchable_as_soon_as_it_is_loaded(migrated_database, tmp_path):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "UPLOAD_DIR": str(tmp_path / "uploads"),
                      "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert "search index:" in result.output
        assert db.session.scalar(select(func.count()).select_from(SearchPending)) == 0
        public = db.session.scalar(select(func.count()).select_from(Challenge).where(
            Challenge.published_at.is_not(None)))
        indexed = search.backend().document_ids()
        assert len([d for d in indexed if d.startswith("challenge:")]) == public > 0
        title = db.session.scalar(select(Challenge.title).where(
            Challenge.published_at.is_not(None)).limit(1))
        assert search.search(SearchRequest(title)).total >= 1
        assert search.search(SearchRequest("ha noi")).total >= 1  # the README's example
        _the_story_is_coherent(db.session)
        again = app.test_cli_runner().invoke(args=["demo"])
        assert again.exit_code == 0 and "already loaded" in again.output
        assert search.backend().document_ids() == indexed
        search.backend().close()
        db.session.remove()
        db.engine.dispose()
