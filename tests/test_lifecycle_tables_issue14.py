"""The evaluation's and the consortium partner's statuses move only through their
tables (issue 14: they were set by hand): every pair allowed or refused by the table,
and each allowed step taken only by whom the policy names."""

import itertools

import pytest
from sqlalchemy import select

from marketplace import policy
from marketplace.accounts.models import OrgKind
from marketplace.audit.models import AuditEvent
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.evaluation.models import Evaluation
from marketplace.evaluation.models import EvaluationStatus as E
from marketplace.evaluation.states import EVALUATION_LIFECYCLE
from marketplace.lifecycle import transition
from marketplace.submissions import services as submissions
from marketplace.submissions.models import PartnerStatus as P
from marketplace.submissions.states import PARTNER_LIFECYCLE
from tests.evaluation_factories import make_evaluation, score
from tests.factories import make_challenge, make_user
from tests.submissions_factories import make_draft, make_solver

EVALUATION_ALLOWED = {(E.DRAFT, E.SUBMITTED),
                      # issue 19: by the system (tests/test_evaluation_panel_changes.py)
                      (E.DRAFT, E.SET_ASIDE), (E.SUBMITTED, E.SET_ASIDE)}
PARTNER_ALLOWED = {(P.INVITED, P.ACCEPTED), (P.INVITED, P.DECLINED), (P.DECLINED, P.INVITED)}


@pytest.mark.parametrize("source, target", list(itertools.product(E, E)))
def test_evaluation_table(source, target):
    if (source, target) in EVALUATION_ALLOWED:
        assert EVALUATION_LIFECYCLE.find(source, target).target is target
    else:
        with pytest.raises(InvalidTransition):
            EVALUATION_LIFECYCLE.find(source, target)


@pytest.mark.parametrize("source, target", list(itertools.product(P, P)))
def test_partner_table(source, target):
    if (source, target) in PARTNER_ALLOWED:
        assert PARTNER_LIFECYCLE.find(source, target).target is target
    else:
        with pytest.raises(InvalidTransition):
            PARTNER_LIFECYCLE.find(source, target)


def test_only_the_evaluator_submits_their_scores_once(session):
    world = make_evaluation(session, submissions=1)
    mine, other = world.panel
    submission = world.submissions[0]
    evaluation = score(session, mine, submission, [7, 7, 7], submit=False)
    for who in (other, world.officer, make_user(session)):
        assert not policy.can(who, "evaluation.submit", evaluation)
        with pytest.raises(NotAllowed):
            transition(session, evaluation, E.SUBMITTED, who, lifecycle=EVALUATION_LIFECYCLE)
    assert evaluation.status is E.DRAFT
    score(session, mine, submission, [7, 7, 7])  # submit
    assert evaluation.status is E.SUBMITTED and evaluation.submitted_at is not None
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "evaluation.submitted", AuditEvent.object_id == evaluation.id))
    assert event.after["status"] == "submitted" and event.after["total"] == "70.00"
    assert session.get(Evaluation, evaluation.id).total is not None
    with pytest.raises(InvalidTransition):  # locked: there is no way back to draft
        transition(session, evaluation, E.DRAFT, mine, lifecycle=EVALUATION_LIFECYCLE)


@pytest.fixture
def invited(session):
    lead_user, lead_org = make_solver(session, kind=OrgKind.STARTUP)
    submission = make_draft(session, make_challenge(session, consortia_allowed=True), lead_org)
    partner_user, partner_org = make_solver(session, kind=OrgKind.UNIVERSITY)
    partner = submissions.invite_partner(session, lead_user, submission,
                                         registration_code=partner_org.registration_code)
    return lead_user, partner_user, partner


def test_partner_answers_and_is_invited_again_through_the_table(session, invited):
    lead_user, partner_user, partner = invited
    with pytest.raises(NotAllowed):  # the lead cannot answer for the partner
        transition(session, partner, P.ACCEPTED, lead_user, lifecycle=PARTNER_LIFECYCLE)
    submissions.respond(session, partner_user, partner, accept=False)
    assert partner.status is P.DECLINED and partner.responded_at is not None
    with pytest.raises((NotAllowed, DomainError)):  # answered: no second answer
        submissions.respond(session, partner_user, partner, accept=True)
    with pytest.raises(NotAllowed):  # only the lead invites again
        transition(session, partner, P.INVITED, partner_user, lifecycle=PARTNER_LIFECYCLE)
    submissions.invite_partner(session, lead_user, partner.submission,
                               registration_code=partner.organization.registration_code)
    assert partner.status is P.INVITED and partner.responded_at is None
    submissions.respond(session, partner_user, partner, accept=True)
    assert partner.status is P.ACCEPTED
    actions = list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "consortium_partners", AuditEvent.object_id == partner.id)
        .order_by(AuditEvent.id)))
    assert actions == ["consortium.declined", "consortium.invited", "consortium.accepted"]
