"""Rubric scoring, blind review, disqualification, aggregation, ties and moderation."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace import policy
from marketplace.accounts.models import MemberRole, Membership
from marketplace.audit.models import AuditEvent
from marketplace.errors import DomainError, NotAllowed
from marketplace.evaluation import ranking, services
from marketplace.evaluation.models import Evaluation, EvaluationStatus, Moderation
from marketplace.files.models import Attachment
from marketplace.files.services import attach
from marketplace.submissions.models import SubmissionStatus
from tests.evaluation_factories import make_evaluation, score, score_everything
from tests.factories import make_submission, make_user


@pytest.mark.parametrize("scores, total", [
    ([10, 10, 10], Decimal("100.00")),
    ([0, 0, 0], Decimal("0.00")),
    ([8, 7, 6], Decimal("71.50")),  # (8×40 + 7×35 + 6×25) / 10
    ([7, 3, 9], Decimal("61.00")),
    ([1, 0, 0], Decimal("4.00")),
])
def test_weighted_total(scores, total):
    given = dict(zip((1, 2, 3), scores, strict=True))
    assert services.weighted_total({1: 40, 2: 35, 3: 25}, given) == total


def test_weighted_total_rounds_half_up_to_cents():
    assert services.weighted_total({1: 33, 2: 33, 3: 34}, {1: 7, 2: 7, 3: 8}) == Decimal("73.40")


def test_total_is_computed_on_the_server_and_submission_locks(session, client, login):
    world = make_evaluation(session)
    evaluator, submission = world.panel[0], world.submissions[0]
    services.declare(session, evaluator, submission, "none")
    crit = submission.challenge.criteria
    page = f"/evaluation/submissions/{submission.id}"
    login(evaluator)
    form = {f"score_{crit[0].id}": "8", f"comment_{crit[0].id}": "Tốt",
            "total": "100", "save": "1"}
    assert client.post_form(f"{page}/scores", form, token_from=page).status_code == 302
    evaluation = session.scalar(select(Evaluation).where(Evaluation.evaluator_id == evaluator.id))
    assert evaluation.status is EvaluationStatus.DRAFT and evaluation.total is None
    form.update({f"score_{crit[1].id}": "7", f"score_{crit[2].id}": "11"})
    assert client.post_form(f"{page}/scores", form, token_from=page).status_code == 400
    form.update({f"score_{crit[2].id}": "6", "save": "", "submit": "1"})
    del form["save"]
    assert client.post_form(f"{page}/scores", form, token_from=page).status_code == 302
    session.expire_all()
    evaluation = session.scalar(select(Evaluation).where(Evaluation.evaluator_id == evaluator.id))
    assert evaluation.status is EvaluationStatus.SUBMITTED
    assert evaluation.total == Decimal("71.50") and evaluation.submitted_at is not None
    # locked: no later edit, through the page or the rule
    form[f"score_{crit[0].id}"] = "10"
    assert client.post_form(f"{page}/scores", form, token_from=page).status_code == 403
    with pytest.raises(NotAllowed):
        score(session, evaluator, submission, [10, 10, 10])
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.submitted"))


def test_submitting_needs_every_criterion(session):
    world = make_evaluation(session)
    evaluator, submission = world.panel[0], world.submissions[0]
    services.declare(session, evaluator, submission, "none")
    crit = submission.challenge.criteria
    with pytest.raises(DomainError):
        services.save_scores(session, evaluator, submission, {crit[0].id: (5, "")}, submit=True)


def test_blind_review_hides_identities_everywhere_the_evaluator_goes(session, client, login):
    world = make_evaluation(session, blind=True, submissions=2)
    evaluator = world.panel[0]
    secrets = []
    for submission in world.submissions:
        org = submission.organization
        org.name_en = f"English name {org.id}"
        member = make_user(session, full_name=f"Kỹ sư Trưởng {org.id}")
        session.add(Membership(user=member, organization=org, role=MemberRole.MEMBER))
        submission.team = f"Trưởng nhóm: Kỹ sư Trưởng {org.id} ({org.name_vi})"
        submission.summary = f"Giải pháp do {org.name_vi} phát triển"
        attach(session, submission.created_by, owner_field="submission_id",
               owner_id=submission.id, stream=io.BytesIO(b"%PDF-1.4 x"),
               filename=f"ho-so-{org.registration_code}.pdf")
        secrets += [org.name_vi, org.name_en, org.registration_code, member.full_name,
                    submission.created_by.full_name]
    session.flush()
    login(evaluator)
    first = world.submissions[0]
    page = f"/evaluation/submissions/{first.id}"
    pages = ["/evaluation/", page]
    client.post_form(f"{page}/declare", {"kind": "none"}, token_from=page)
    score(session, evaluator, first, [9, 9, 9])
    pages += [page, f"{page}/moderate", f"/challenges/{world.challenge.id}/award"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        for secret in secrets:
            assert secret not in html, (path, secret)
    # the general submission page and file downloads name the bidder: not for them
    file_ids = session.scalars(select(Attachment.id).where(
        Attachment.submission_id == first.id)).all()
    assert client.get(f"/submissions/{first.id}").status_code == 404
    assert client.get(f"/files/{file_ids[0]}").status_code == 404
    assert policy.can(evaluator, "evaluation.read", first)
    assert not policy.can(evaluator, "submission.view_as_evaluator", first)
    html = client.get(page).get_data(as_text=True)
    assert "Giải pháp do" in html  # the content itself is shown, redacted
    assert "Attachment 1" in html or "Tệp đính kèm 1" in html
    download = client.get(f"{page}/attachments/1")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="attachment-1.pdf"'
    assert not policy.can(evaluator, "submission.view_identity", first)
    # the agency's report is not the evaluator's to read
    assert client.get(f"/evaluation/challenges/{world.challenge.id}/report.csv").status_code \
        == 403


def test_without_blind_review_the_evaluator_sees_the_bidder(session, client, login):
    world = make_evaluation(session, blind=False)
    submission = world.submissions[0]
    login(world.panel[0])
    html = client.get(f"/evaluation/submissions/{submission.id}").get_data(as_text=True)
    assert submission.organization.name_vi in html  # to declare a conflict knowingly
    score(session, world.panel[0], submission, [5, 5, 5])
    assert policy.can(world.panel[0], "submission.view_as_evaluator", submission)
    assert policy.can(world.panel[0], "submission.view", submission)


def test_solution_labels_follow_submission_order(session):
    world = make_evaluation(session, submissions=3, blind=True)
    labels = services.solution_labels(list(reversed(world.submissions)))
    assert [labels[s.id][-1] for s in world.submissions] == ["A", "B", "C"]
    assert [services.letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


@pytest.mark.parametrize("scores, ranks", [
    ({"a": Decimal(80), "b": Decimal(70), "c": Decimal(60)}, {"a": 1, "b": 2, "c": 3}),
    ({"a": Decimal(80), "b": Decimal(80), "c": Decimal(60)}, {"a": 1, "b": 1, "c": 3}),
    ({"a": Decimal(50), "b": Decimal(90), "c": Decimal(50), "d": Decimal(40)},
     {"a": 2, "b": 1, "c": 2, "d": 4}),
    ({"a": Decimal(70), "b": None}, {"a": 1, "b": None}),
    ({}, {}),
])
def test_ranking_shows_ties_as_ties(scores, ranks):
    assert ranking.rank(scores) == ranks


def test_standings_aggregate_submitted_totals(session):
    world = make_evaluation(session, submissions=3, evaluators=2)
    score_everything(session, world, [
        [[8, 8, 8], [6, 6, 6], [9, 9, 9]],
        [[6, 6, 6], [8, 8, 8], [3, 3, 3]],
    ])
    table = {s.submission.id: s for s in ranking.standings(session, world.challenge)}
    a, b, c = (table[s.id] for s in world.submissions)
    assert (a.mean, a.spread, a.rank) == (Decimal("70.00"), Decimal("20.00"), 1)
    assert (b.mean, b.rank) == (Decimal("70.00"), 1)  # a tie
    assert (c.mean, c.spread, c.rank, c.flagged) == (Decimal("60.00"), Decimal("60.00"), 3,
                                                     True)
    assert not a.flagged  # 20 is not above 20


def test_ranking_updates_as_scores_arrive(session):
    world = make_evaluation(session, submissions=2, evaluators=2)
    first, second = world.submissions
    score(session, world.panel[0], first, [5, 5, 5])
    table = ranking.standings(session, world.challenge)
    assert [(s.submission.id, s.rank) for s in table] == [(first.id, 1), (second.id, None)]
    score(session, world.panel[0], second, [7, 7, 7], submit=False)  # a draft does not count
    assert ranking.standing_of(session, second).rank is None
    score(session, world.panel[1], second, [9, 9, 9])
    assert ranking.standing_of(session, second).rank == 1
    assert ranking.standing_of(session, first).rank == 2


def _disagreeing(session):
    """Two evaluators, the first chairing, who disagree widely on the first of two bids
    (90 and 40: flagged) and not on the second (50 and 60)."""
    world = make_evaluation(session, submissions=2, evaluators=2)
    score_everything(session, world, [
        [[9, 9, 9], [5, 5, 5]],
        [[4, 4, 4], [6, 6, 6]],
    ])
    return (world, *world.panel, *world.submissions)


def test_moderation_by_the_chair(session, client, login):
    world, chair, other, flagged, calm = _disagreeing(session)
    assert ranking.standing_of(session, flagged).flagged
    with pytest.raises(NotAllowed):
        services.moderate(session, other, flagged, "70", "Tôi không phải chủ tịch")
    with pytest.raises(DomainError):
        services.moderate(session, chair, calm, "70", "Không bị đánh dấu")
    login(chair)
    path = f"/evaluation/submissions/{flagged.id}/moderate"
    assert client.post_form(path, {"score": "50", "justification": ""}).status_code == 200
    response = client.post_form(path, {"score": "52.5",
                                       "justification": "Thảo luận: chuyên gia 1 đánh giá quá cao"})
    assert response.status_code == 302
    session.expire_all()
    standing = ranking.standing_of(session, flagged)
    assert standing.moderated == Decimal("52.50") and standing.score == Decimal("52.50")
    assert standing.mean == Decimal("65.00")  # the individual scores stay on record
    assert standing.rank == 2 and ranking.standing_of(session, calm).rank == 1
    assert session.scalar(select(Moderation).where(Moderation.submission_id == flagged.id))
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.moderated"))


def test_disqualification_needs_a_reason_is_audited_and_unranked(session, client, login):
    world = make_evaluation(session, submissions=2)
    late, good = world.submissions
    score_everything(session, world, [[[9, 9, 9], [5, 5, 5]], [[9, 9, 9], [5, 5, 5]]])
    with pytest.raises(NotAllowed):
        services.disqualify(session, world.panel[0], late, "Nộp muộn")
    with pytest.raises(DomainError):
        services.disqualify(session, world.officer, late, "  ")
    login(world.officer)
    response = client.post_form(f"/evaluation/submissions/{late.id}/disqualify",
                                {"reason": "Thiếu hồ sơ năng lực"},
                                token_from=f"/evaluation/challenges/{world.challenge.id}/panel")
    assert response.status_code == 302
    session.expire_all()
    assert late.status is SubmissionStatus.DISQUALIFIED
    assert late.disqualification_reason == "Thiếu hồ sơ năng lực"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action ==
                                                    "submission.disqualified"))
    assert event.after["reason"] == "Thiếu hồ sơ năng lực" and event.actor_id == world.officer.id
    table = {s.submission.id: s for s in ranking.standings(session, world.challenge)}
    assert table[late.id].rank is None and table[good.id].rank == 1


def test_submission_is_scored_once_every_assigned_evaluation_is_in(session):
    world = make_evaluation(session, submissions=1, evaluators=2)
    submission = world.submissions[0]
    score(session, world.panel[0], submission, [5, 5, 5])
    assert submission.status is SubmissionStatus.OPENED
    score(session, world.panel[1], submission, [5, 5, 5])
    assert submission.status is SubmissionStatus.SCORED


def test_the_scoring_page_shows_the_chair_the_way_to_moderate_a_wide_spread(session, client,
                                                                            login):
    """The scoring page reads one submission's aggregate for the chair's link
    (`ranking.spread_flagged`, the standings' `flagged`) and the ids of the challenge's
    bids for its blind label and whether it takes part (`ranking.submission_ids_of`): the
    link shows on the flagged bid only, to the chair only; the labels follow the
    submission order; a bid that does not take part (withdrawn) is not found."""
    world, chair, other, flagged, calm = _disagreeing(session)
    withdrawn = make_submission(session, challenge=world.challenge,
                                status=SubmissionStatus.WITHDRAWN)
    session.commit()
    assert ranking.spread_flagged(session, flagged) is ranking.standing_of(session, flagged).flagged
    assert not ranking.spread_flagged(session, calm)
    assert ranking.submission_ids_of(session, world.challenge) == [flagged.id, calm.id]
    link = f'href="/evaluation/submissions/{flagged.id}/moderate"'
    for user, bid, label, shown in ((chair, flagged, "A", True), (chair, calm, "B", False),
                                    (other, flagged, "A", False)):
        login(user)
        html = client.get(f"/evaluation/submissions/{bid.id}").get_data(as_text=True)
        assert (link in html) is shown
        assert f"Giải pháp {label}" in html or f"Solution {label}" in html
        client.post_form("/logout", token_from="/todo/")
    login(chair)
    assert client.get(f"/evaluation/submissions/{withdrawn.id}").status_code == 404


def test_the_scoring_page_builds_its_form_only_while_the_evaluator_may_score(
        session, client, login, monkeypatch):
    """The scoring form (a form class made for the criteria) is made only where the page
    shows it: a draft's page has it, with the draft's scores; a locked one's has none."""
    from marketplace.evaluation import routes

    made = []
    original = routes.score_form
    monkeypatch.setattr(routes, "score_form",
                        lambda criteria, data=None: made.append(data) or original(criteria, data))
    world = make_evaluation(session)
    evaluator = world.panel[1]
    draft, locked = world.submissions
    score(session, evaluator, draft, [8, 7, 6], submit=False)
    score(session, evaluator, locked, [8, 7, 6])
    session.commit()
    login(evaluator)
    page = client.get(f"/evaluation/submissions/{locked.id}")
    assert page.status_code == 200 and made == []
    page = client.get(f"/evaluation/submissions/{draft.id}").get_data(as_text=True)
    assert len(made) == 1 and 'name="score_' in page and 'value="8"' in page


def test_the_evaluations_submissions_are_read_without_their_authors(session):
    """`submissions_of` (the panel page's ten bids at the benchmark) joins the bids'
    organizations and partners, not their authors' accounts: no page that lists them reads
    one (the blind scoring page reads its own bid's author, joined to its lookup)."""
    from sqlalchemy import inspect

    world = make_evaluation(session, submissions=3)
    session.commit()
    model, challenge_id = type(world.challenge), world.challenge.id
    session.expunge_all()
    challenge = session.get(model, challenge_id)
    bids = ranking.submissions_of(session, challenge)
    assert len(bids) == 3
    for bid in bids:
        state = inspect(bid)
        assert "created_by" in state.unloaded
        assert "organization" not in state.unloaded and "partners" not in state.unloaded
