"""A realistic fixture world for the security tests: one agency with its officer and
approver, one solver with its owner and member, and every object a route can name —
challenges in each state, a sealed submission, a submission under evaluation with an
appointed and a recused evaluator, a proposed and an approved award, pilot orders from
draft to completed with milestones, a delivery with an attachment, an amendment, a
clarification, notifications, invitations — plus the outsiders of the access matrix."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from io import BytesIO
from types import SimpleNamespace
from unittest import mock

from fpdf import FPDF
from sqlalchemy import select

from marketplace.accounts import organizations
from marketplace.accounts.models import MemberRole, OrgKind, OrgStatus
from marketplace.accounts.services import make_reset_token
from marketplace.alerts import services as alert_services
from marketplace.alerts import tokens as alert_tokens
from marketplace.alerts.models import FollowKind, Frequency
from marketplace.challenges import clarifications
from marketplace.challenges import services as challenge_services
from marketplace.challenges.models import ChallengeStatus
from marketplace.complaints import services as complaint_services
from marketplace.documents import services as document_services
from marketplace.evaluation import services as evaluation
from marketplace.evaluation.models import Award, AwardItem, AwardStatus, PanelMember
from marketplace.feedback import services as feedback_services
from marketplace.files.models import Attachment
from marketplace.files.services import attach
from marketplace.notifications.models import Notification, Subscription
from marketplace.orders import amendments, milestones
from marketplace.orders import services as order_services
from marketplace.orders.models import OrderStatus
from marketplace.orders.terms import MilestonePlan
from marketplace.payments import services as payments
from marketplace.phases import services as phase_services
from marketplace.submissions.models import ConsortiumPartner, PartnerStatus, SubmissionStatus
from marketplace.taxonomy.services import current_version
from marketplace.types import utcnow
from tests import (
    complaints_factories,
    factories,
    orders_factories,
    phases_factories,
    transparency_factories,
)
from tests.submissions_factories import PDF

ROLES = ("anonymous", "other_solver", "other_officer", "unassigned_evaluator",
         "recused_evaluator", "admin", "owner")


def pdf(name: str = "tai-lieu.pdf") -> tuple[BytesIO, str]:
    return BytesIO(PDF), name


def _attach(session, user, field: str, owner_id: int, name: str = "tai-lieu.pdf"):
    stream, filename = pdf(name)
    return attach(session, user, owner_field=field, owner_id=owner_id, stream=stream,
                  filename=filename)


def _closed(session, agency, officer, status=ChallengeStatus.EVALUATING, **overrides):
    now = utcnow()
    return factories.make_challenge(
        session, agency=agency, creator=officer, status=status,
        clarification_deadline=now - timedelta(days=10),
        submission_deadline=now - timedelta(days=1), closed_at=now - timedelta(days=1),
        evaluating_at=now if status is not ChallengeStatus.CLOSED else None, **overrides)


def plain_pdf(doc) -> bytes:
    """A one-page PDF without text standing for the official document `doc` (a
    `layout.Official`): its keywords are the SHA-256 of the document's data, so two
    documents differ as theirs do."""
    pdf = FPDF()
    pdf.set_keywords(hashlib.sha256(repr(doc).encode()).hexdigest())
    pdf.add_page()
    return bytes(pdf.output())


def build_world(session) -> SimpleNamespace:
    """The world, built in `session` (flushed, not committed).

    The 25 official documents its transitions issue (award decisions, opening records,
    receipts, contracts, amendments) are made by the product's own rules from their data
    (`documents.content`), but laid out by `plain_pdf`: the official layout
    (`documents.layout.render`, about 0.15 s a document) is tested on every kind in
    tests/test_documents_pdf.py, and these tests read only who may download a document,
    not its pages. A build took 5.5-6.0 s on SQLite and 7.4-8.6 s on PostgreSQL with
    the official layout, 1.9-2.0 s and 4.7-5.0 s with this one, and 18 are made in each
    run of the suite. A document rendered later (a download of one never issued) uses
    the official layout."""
    with mock.patch.object(document_services, "render", plain_pdf):
        return _build(session)


def _build(session) -> SimpleNamespace:
    w = SimpleNamespace()
    mk = factories.make_user
    # --- people ---------------------------------------------------------------------
    w.officer, w.approver = mk(session), mk(session)
    w.agency = factories.make_agency(session, officer=w.officer, approver=w.approver,
                                     approval_threshold=1_000_000_000)
    w.solver_owner, w.solver_member = mk(session), mk(session)
    w.solver = factories.make_org(session, members={w.solver_owner: MemberRole.OWNER,
                                                    w.solver_member: MemberRole.MEMBER})
    w.admin = mk(session, is_admin=True)
    w.other_solver_user = mk(session)
    w.other_solver = factories.make_org(session, members={w.other_solver_user: MemberRole.OWNER})
    w.other_officer = mk(session)
    w.other_agency = factories.make_agency(session, officer=w.other_officer)
    w.evaluator, w.recused, w.unassigned = mk(session), mk(session), mk(session)
    w.partner_owner = mk(session)
    w.partner = factories.make_org(session, kind=OrgKind.UNIVERSITY,
                                   members={w.partner_owner: MemberRole.OWNER})
    w.pending_org = factories.make_org(session, status=OrgStatus.PENDING)

    # --- challenges -----------------------------------------------------------------
    w.draft = factories.make_challenge(session, agency=w.agency, creator=w.officer,
                                       status=ChallengeStatus.DRAFT)
    # cancelled while a draft: never published, never public
    w.cancelled_draft = factories.make_challenge(session, agency=w.agency, creator=w.officer,
                                                 status=ChallengeStatus.DRAFT)
    challenge_services.cancel(session, w.officer, w.cancelled_draft, "Không còn nhu cầu.")
    w.open = factories.make_challenge(session, agency=w.agency, creator=w.officer)
    w.open_attachment = _attach(session, w.officer, "challenge_id", w.open.id)
    w.draft_attachment = _attach(session, w.officer, "challenge_id", w.draft.id)
    w.clarification = clarifications.ask(session, w.solver_owner, w.open,
                                         "Dữ liệu camera có sẵn không?")
    # a sealed submission (submitted, before the deadline) with a file
    w.sealed = factories.make_submission(session, challenge=w.open, organization=w.solver,
                                         member=w.solver_owner)
    w.sealed_attachment = _attach(session, w.solver_owner, "submission_id", w.sealed.id)
    # a draft on a second open challenge, with an invited consortium partner
    w.open2 = factories.make_challenge(session, agency=w.agency, creator=w.officer,
                                       consortia_allowed=True)
    w.draft_sub = factories.make_submission(session, challenge=w.open2, organization=w.solver,
                                            member=w.solver_owner,
                                            status=SubmissionStatus.DRAFT)
    w.draft_sub_attachment = _attach(session, w.solver_owner, "submission_id", w.draft_sub.id)
    w.partner_invite = ConsortiumPartner(submission=w.draft_sub, organization=w.partner,
                                         status=PartnerStatus.INVITED,
                                         invited_by_id=w.solver_owner.id)
    session.add(w.partner_invite)

    # --- under evaluation ----------------------------------------------------------
    w.evaluating = _closed(session, w.agency, w.officer)
    now = utcnow()
    w.evaluated = factories.make_submission(session, challenge=w.evaluating,
                                            organization=w.solver, member=w.solver_owner,
                                            status=SubmissionStatus.OPENED, opened_at=now)
    w.evaluated_attachment = _attach(session, w.solver_owner, "submission_id", w.evaluated.id)
    w.rival = factories.make_submission(session, challenge=w.evaluating,
                                        status=SubmissionStatus.OPENED, opened_at=now)
    w.chair, _created = evaluation.appoint(session, w.officer, w.evaluating, w.evaluator.email,
                                           chair=True)
    evaluation.appoint(session, w.officer, w.evaluating, w.recused.email)
    evaluation.declare(session, w.evaluator, w.evaluated, "none")
    evaluation.declare(session, w.recused, w.evaluated, "financial", "Cổ đông của đơn vị.")
    # the unassigned evaluator sits on another agency's panel
    w.elsewhere = _closed(session, w.other_agency, w.other_officer)
    evaluation.appoint(session, w.other_officer, w.elsewhere, w.unassigned.email)
    # an award proposed above the threshold, waiting for the approver
    w.proposed_award = Award(challenge=w.evaluating, status=AwardStatus.PROPOSED,
                             justification="Điểm cao nhất.", total_amount=1_500_000_000,
                             requires_approval=True, proposed_by_id=w.officer.id)
    w.proposed_award.items.append(AwardItem(submission=w.evaluated, amount=1_500_000_000,
                                            rank=1))
    session.add(w.proposed_award)
    session.flush()

    # --- awarded, with pilot orders in every state ----------------------------------
    def parties(**kw):
        return orders_factories.make_award_item(session, **kw)

    w.active_parties = p = parties()
    p = replace(p, owner=w.solver_owner, member=w.solver_member, solver=w.solver)
    p.item.submission.organization = w.solver
    session.flush()
    w.active_parties = p
    w.awarded = p.challenge
    w.award = p.item.award
    w.active = orders_factories.make_order(session, p, status=OrderStatus.ACTIVE)
    first, second, _third = w.active.milestones
    orders_factories.accept_milestone(session, w.active, first)  # delivered with a file
    w.accepted = first
    # a Stripe payment of it that never got its intent (Stripe was unreachable)
    w.stuck_payment = payments.start_stripe(session, p.officer, first)
    w.delivery = milestones.deliver(session, w.solver_member, second,
                                    "Đã bàn giao giai đoạn 2.", [pdf("bien-ban-2.pdf")])
    w.delivered = second
    w.delivery_attachment = _delivery_attachment(session, w.delivery)
    w.amendment = amendments.propose(
        session, p.officer, w.active, value=w.active.value, start_date=w.active.start_date,
        end_date=w.active.end_date + timedelta(days=30),
        milestones=[MilestonePlan(m.deliverable, m.due_date, m.amount, m.id)
                    for m in w.active.milestones], reason="Gia hạn do mưa bão.")
    w.draft_order = orders_factories.make_order(session, parties(), status=OrderStatus.DRAFT)
    w.offered = orders_factories.make_order(session, parties(), status=OrderStatus.OFFERED)
    w.signed = orders_factories.make_order(session, parties(), status=OrderStatus.SIGNED)
    # offered, then terminated before the solver signed: never public
    w.terminated_unsigned = orders_factories.make_order(session, parties(),
                                                        status=OrderStatus.OFFERED)
    order_services.terminate(session, w.terminated_unsigned.parties.officer,
                             w.terminated_unsigned, "Ngân sách bị cắt giảm.")
    w.free_item_parties = parties()  # an approved award item without an order yet
    done = parties()
    w.completed = transparency_factories.make_order(session, done.item,
                                                    status=OrderStatus.COMPLETED)
    transparency_factories.make_paid_milestone(session, w.completed,
                                               amount=w.completed.value)
    w.completed.parties = done
    # a citizen's comment on the active pilot, waiting for the agency's moderation
    w.citizen_comment = feedback_services.give(session, w.active, rating=2,
                                               comment="Phải chờ lâu.")

    # --- issue 17: a listed and a pending catalogue entry, a draft outcome, a follow-on
    # order drafted above its agency's threshold (waiting for the approver) -------------
    from marketplace.outcomes import services as outcome_services
    from tests import outcomes_factories
    from tests.orders_factories import order_terms

    w.entry = outcomes_factories.make_entry(session)
    w.pending_entry = outcomes_factories.make_entry(session, listed=False)
    w.draft_outcome = outcomes_factories.make_outcome(session, publish=False)
    w.draft_outcome.parties = w.draft_outcome.order.parties
    w.buyer = outcomes_factories.make_buyer(session, threshold=1)
    w.follow_on_draft = outcome_services.place_follow_on(
        session, w.buyer.officer, w.entry, w.buyer.agency, order_terms(value=90_000_000),
        quantity=1, scope="Một điểm", justification=f"Theo {w.entry.order.contract_number}")

    # --- complaints: an award in its standstill, one open complaint, one decided ---------
    w.protest = complaints_factories.make_awarded(session)
    w.complaint = complaints_factories.file(session, w.protest)
    w.complaint_attachment = session.scalar(select(Attachment).where(
        Attachment.complaint_id == w.complaint.id))
    w.decided_complaint = complaints_factories.file(session, w.protest,
                                                    user=w.protest.winner_user, evidence=False)
    complaint_services.review(session, w.protest.officer, w.decided_complaint)
    complaint_services.decide(session, w.protest.officer, w.decided_complaint, upheld=False,
                              reasoning="Không có căn cứ.")

    # --- phases (issue 17): a draft to plan, phase 2 planned, collecting (one sealed
    # result), past its deadline, and under evaluation ---------------------------------
    w.phase_draft = factories.make_challenge(session, status=ChallengeStatus.DRAFT,
                                             agency=w.agency, creator=w.officer)
    w.phased_planned = phases_factories.make_phased(session, submissions=2,
                                                    open_phase_2=False)
    w.phased = phases_factories.make_phased(session, submissions=2)
    w.phased.solver = w.phased.submissions[0].created_by
    w.phased.evaluator = w.phased.panel[0]
    w.phase_result = phases_factories.submit_results(session, w.phased, [w.phased.solver])[0]
    w.phased_due = phases_factories.make_phased(session, submissions=2)
    phases_factories.submit_results(session, w.phased_due,
                                    [w.phased_due.submissions[0].created_by])
    phases_factories.pass_deadline(session, w.phased_due.phase2)
    w.phased_eval = phases_factories.make_phased(session, submissions=2)
    w.phased_eval.result = phases_factories.submit_results(
        session, w.phased_eval, [w.phased_eval.submissions[0].created_by])[0]
    phases_factories.pass_deadline(session, w.phased_eval.phase2)
    phase_services.start_evaluation(session, w.phased_eval.officer, w.phased_eval.phase2)
    w.phased_eval.evaluator = w.phased_eval.panel[0]

    # --- accounts, notifications ----------------------------------------------------
    w.member_membership = next(m for m in w.solver.memberships if m.user_id == w.solver_member.id)
    _invitation, w.invitation_token = organizations.invite(
        session, w.solver_owner, w.solver, "moi-thanh-vien@example.test", MemberRole.MEMBER)
    w.reset_token = make_reset_token(w.solver_owner)
    w.notification = Notification(user_id=w.solver_owner.id, kind="challenge.amended",
                                  message="Bài toán đã được sửa.", link="/challenges/")
    w.subscription = Subscription(user_id=w.solver_owner.id,
                                  technology_group_id=factories.group(session).id)
    session.add_all([w.notification, w.subscription])
    # --- alerts: a user's follow, a visitor's waiting for its link, their signed links
    w.follow = alert_services.follow(session, w.solver_owner, kind=FollowKind.AGENCY,
                                     target_id=w.agency.id, frequency=Frequency.DAILY)
    w.visitor_follow = alert_services.follow(session, None, kind=FollowKind.CHALLENGE,
                                             target_id=w.open.id, frequency=Frequency.WEEKLY,
                                             email="khach@example.test")
    w.confirm_token = alert_tokens.confirm_token(w.visitor_follow.id)
    w.unsubscribe_token = alert_tokens.unsubscribe_token(follows=[w.follow.id])
    w.version = current_version(session)
    w.group = factories.group(session)
    w.panel_member = session.get(PanelMember, w.chair.id)
    session.flush()
    return w


def _delivery_attachment(session, delivery):
    from sqlalchemy import select

    from marketplace.files.models import Attachment

    return session.scalar(select(Attachment).where(Attachment.delivery_id == delivery.id))
