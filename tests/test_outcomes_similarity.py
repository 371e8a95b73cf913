"""Not buying the same experiment twice: the draft's most similar published challenges
(through the search service, on each engine), the warning of a proven entry, and the
justification publishing then asks for (public, counted on the dashboard)."""

import pytest

from marketplace.challenges import services as challenges
from marketplace.challenges.models import ChallengeStatus
from marketplace.errors import DomainError
from marketplace.outcomes import queries, similarity
from marketplace.search import services as search
from tests import factories
from tests.outcomes_factories import make_entry

TITLE = "Cảm biến bụi mịn PM2.5 cho trường học"
PROBLEM = "Thiếu số liệu bụi mịn PM2.5 tại các trường tiểu học; cần cảm biến giá rẻ."


@pytest.fixture
def proven(session, search_engine):
    entry = make_entry(session)
    challenge = entry.order.challenge
    challenge.title, challenge.problem = TITLE, PROBLEM
    search.queue(session, "challenge", challenge.id)
    unrelated = factories.make_challenge(session, title="Chatbot trả lời thủ tục hành chính",
                                         problem="Người dân chờ lâu khi hỏi thủ tục.")
    search.queue(session, "challenge", unrelated.id)
    search.apply_pending(session)
    return entry


def _draft(session, agency=None, **kw):
    officer = factories.make_user(session)
    agency = agency or factories.make_agency(session, officer=officer)
    draft = factories.make_challenge(session, agency=agency, creator=officer,
                                     status=ChallengeStatus.DRAFT, **kw)
    return officer, draft


def test_a_similar_draft_is_warned_and_needs_a_justification(session, proven):
    officer, draft = _draft(session, title="Đo bụi mịn PM2.5 ở trường tiểu học",
                            problem="Trường học cần số liệu bụi mịn PM2.5 hằng ngày, cảm biến.")
    found = similarity.similar_challenges(session, draft)
    assert found[0].challenge.id == proven.order.challenge_id
    assert found[0].high and found[0].entries == [proven]
    assert similarity.proven_matches(found) == [proven]
    with pytest.raises(DomainError) as error:
        challenges.publish(session, officer, draft)
    assert error.value.field == "similarity_justification"
    challenges.publish(session, officer, draft,
                       justification="Cần thêm cảm biến đo ồn, giải pháp hiện có không đo.")
    assert draft.similar_entry_ids == [proven.id]
    assert queries.scale_up(session)["despite_proven"] == 1


def test_an_unrelated_draft_publishes_without_a_justification(session, proven):
    officer, draft = _draft(session, title="Robot kiểm tra đường ống nước ngầm",
                            problem="Rò rỉ đường ống cấp nước không phát hiện sớm.")
    assert similarity.proven_matches(similarity.similar_challenges(session, draft)) == []
    challenges.publish(session, officer, draft)
    assert draft.similarity_justification == ""


def test_the_edit_page_shows_the_warning(client, session, login, proven):
    officer, draft = _draft(session, title="Đo bụi mịn PM2.5 ở trường tiểu học",
                            problem="Trường học cần số liệu bụi mịn PM2.5 hằng ngày, cảm biến.")
    login(officer)
    html = client.get(f"/challenges/{draft.id}/edit").get_data(as_text=True)
    assert 'id="similarity-warning"' in html and proven.title in html
    refused = client.post_form(f"/challenges/{draft.id}/publish", {})
    assert refused.status_code == 302 and draft.status is ChallengeStatus.DRAFT
    done = client.post_form(f"/challenges/{draft.id}/publish",
                            {"similarity_justification": "Phạm vi khác: đo cả tiếng ồn."})
    assert done.status_code == 302
    assert "/edit" not in done.headers["Location"]
    session.refresh(draft)
    assert draft.status is ChallengeStatus.PUBLISHED
    assert "Phạm vi khác: đo cả tiếng ồn." in client.get(
        f"/challenges/{draft.id}").get_data(as_text=True)


def test_the_edit_page_costs_the_same_with_one_or_five_similar_challenges(
        client, session, login, proven, search_engine):
    """Issue 21's budget of the draft page: the similar challenges, their agencies, outcomes
    and catalogue entries come in two statements whatever their number."""
    from tests.statements import count_statements

    officer, draft = _draft(session, title="Đo bụi mịn PM2.5 ở trường tiểu học",
                            problem="Trường học cần số liệu bụi mịn PM2.5 hằng ngày, cảm biến.")
    login(officer)
    path = f"/challenges/{draft.id}/edit"
    _response, few = count_statements(client, path)
    for n in range(4):  # four more similar ones, each of another agency
        other = factories.make_challenge(session, title=f"{TITLE} số {n}", problem=PROBLEM)
        search.queue(session, "challenge", other.id)
    search.apply_pending(session)
    response, many = count_statements(client, path)
    assert response.get_data(as_text=True).count("/catalogue/") >= 1
    # five share words with the draft (PostgreSQL's candidates may add unrelated ones)
    assert sum(1 for s in similarity.similar_challenges(session, draft) if s.share > 0) == 5
    assert many == few
    # issue 21's budget of 10 on both engines: PostgreSQL's candidates are a subquery of
    # the page's own statement, not statements of their own
    assert many <= 10
