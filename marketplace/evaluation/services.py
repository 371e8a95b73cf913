"""Evaluation rules: the panel, conflicts of interest, scoring, disqualification and
moderation. Plain functions over the session: they check, change, flush and audit, and
raise `DomainError`; they never commit. (The award decision is in `awards.py`.)"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace import policy
from marketplace.accounts.auth import hash_password
from marketplace.accounts.models import SOLVER_ROLES, Membership, User
from marketplace.accounts.services import find_user_by_email, normalize_email
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge
from marketplace.errors import DomainError
from marketplace.evaluation.models import (
    Award,
    AwardStatus,
    ConflictDeclaration,
    ConflictKind,
    Evaluation,
    EvaluationStatus,
    Moderation,
    PanelMember,
    Score,
)
from marketplace.evaluation.ranking import (
    read_standings,
    read_submissions,
    standing_of,
    submissions_of,
    taking_part,
)
from marketplace.evaluation.states import EVALUATION_LIFECYCLE
from marketplace.lifecycle import SYSTEM, transition
from marketplace.memo import per_session, remember
from marketplace.notifications.services import notify
from marketplace.policy.evaluation import SCORABLE, belongs_to_bidder
from marketplace.policy.evaluation import panel as policy_panel
from marketplace.policy.evaluation import read_panels as read_policy_panels
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.submissions.states import SUBMISSION_LIFECYCLE
from marketplace.types import utcnow

CENT = Decimal("0.01")
DECLARABLE = [k for k in ConflictKind if k is not ConflictKind.AUTOMATIC]


# --- who and what is under evaluation ----------------------------------------------

def letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA …"""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def solution_labels(submissions: list[Submission]) -> dict[int, str]:
    """submission id → its blind label ("Giải pháp B"): letters in submission order."""
    ordered = sorted(submissions, key=lambda s: s.id)
    return {s.id: _label(i) for i, s in enumerate(ordered)}


def solution_label(submission_ids: list[int], submission_id: int) -> str:
    """The blind label of one of `submission_ids` (those of `submissions_of`), as
    `solution_labels` names it."""
    return _label(sorted(submission_ids).index(submission_id))


def _label(index: int) -> str:
    return _("Solution %(letter)s", letter=letter(index))


def panel_of(session, challenge: Challenge) -> list[PanelMember]:
    """The panel in appointment order (`policy.evaluation.panel`: read once per unit of
    work, with the members' users and memberships)."""
    return policy_panel(session, challenge)


def declarations_of(session, challenge: Challenge) -> dict[tuple[int, int], ConflictDeclaration]:
    """(submission id, evaluator id) → declaration; read once per unit of work."""
    return per_session(session, ("declarations_of", challenge.id),
                       lambda: _by_challenge(session, ConflictDeclaration, [challenge.id])
                       [challenge.id])


def evaluations_of(session, challenge: Challenge) -> dict[tuple[int, int], Evaluation]:
    """(submission id, evaluator id) → evaluation; read once per unit of work."""
    return per_session(session, ("evaluations_of", challenge.id),
                       lambda: _by_challenge(session, Evaluation, [challenge.id])[challenge.id])


def _by_challenge(session, model, challenge_ids: list[int]) -> dict[int, dict]:
    """challenge id → {(submission id, evaluator id): the `model` row (a declaration or
    an evaluation)} of its submissions: one statement."""
    found: dict[int, dict] = {challenge_id: {} for challenge_id in challenge_ids}
    for challenge_id, row in session.execute(_by_challenge_statement(model),
                                             {"challenge_ids": list(challenge_ids)}):
        found[challenge_id][(row.submission_id, row.evaluator_id)] = row
    return found


@cache
def _by_challenge_statement(model):
    """The statement of `_by_challenge` for `model`, built once (`challenge_ids` bound
    at execution)."""
    return (select(Submission.challenge_id, model)
            .join(Submission, Submission.id == model.submission_id)
            .where(Submission.challenge_id.in_(bindparam("challenge_ids", expanding=True))))


def read_panels(session, challenges: list[Challenge], *, chaired: list[Challenge] = ()
                ) -> None:
    """Read at once, for a page listing many panels (the evaluator's `/evaluation/`),
    what `submissions_of`, `panel_of`, `declarations_of`, `evaluations_of` — and
    `standings` of the `chaired` — read one challenge at a time: five statements whatever
    the number of challenges, kept for those helpers to answer in this unit of work."""
    ids = [c.id for c in challenges]
    if not ids:
        return
    read_submissions(session, ids)
    read_policy_panels(session, ids)
    remember(session, "declarations_of", _by_challenge(session, ConflictDeclaration, ids))
    remember(session, "evaluations_of", _by_challenge(session, Evaluation, ids))
    if chaired:
        read_standings(session, list(chaired))


def load_scores(session, evaluations: list[Evaluation]) -> list[Evaluation]:
    """Fill `scores` (lazy="raise") of the evaluations not loaded yet, each score with
    its criterion: one statement for all of them (none when all are loaded). Returns
    `evaluations`."""
    todo = [e for e in evaluations if "scores" in inspect(e).unloaded]
    if todo:
        by_evaluation: dict[int, list[Score]] = {e.id: [] for e in todo}
        for score in session.scalars(select(Score).where(
                Score.evaluation_id.in_(list(by_evaluation)))
                .options(joinedload(Score.criterion)).order_by(Score.id)):
            by_evaluation[score.evaluation_id].append(score)
        for evaluation in todo:
            set_committed_value(evaluation, "scores", by_evaluation[evaluation.id])
    return evaluations


@dataclass
class Assignment:
    """One panel member × one submission, and where it stands."""

    member: PanelMember
    submission: Submission
    declaration: ConflictDeclaration | None
    evaluation: Evaluation | None

    @property
    def recused(self) -> bool:
        return (self.declaration is not None and self.declaration.recused) or \
            belongs_to_bidder(self.member.user, self.submission)

    @property
    def done(self) -> bool:
        return self.recused or (self.evaluation is not None
                                and self.evaluation.status is EvaluationStatus.SUBMITTED)


def assignments(session, challenge: Challenge, *, past: bool = False) -> list[Assignment]:
    """Every panel member × every submission still being evaluated; with `past`, every
    submission that took part (decided — awarded, not awarded — and disqualified ones
    too): the panel's work once the challenge is decided."""
    declared, evaluated = declarations_of(session, challenge), evaluations_of(session, challenge)
    return [Assignment(m, s, declared.get((s.id, m.user_id)), evaluated.get((s.id, m.user_id)))
            for s in submissions_of(session, challenge) if past or s.status in SCORABLE
            for m in panel_of(session, challenge)]


def progress(panel: list[PanelMember], work: list[Assignment]) -> dict[int, tuple[int, int]]:
    """Panel member id → (assignments done, assignments) of `work` (`assignments`): the
    panel page's progress column, counted in one pass over the work rather than once per
    member."""
    found = {member.id: [0, 0] for member in panel}
    for assignment in work:
        counts = found.setdefault(assignment.member.id, [0, 0])
        counts[0] += assignment.done
        counts[1] += 1
    return {member_id: (done, total) for member_id, (done, total) in found.items()}


def live_award(session, challenge: Challenge) -> Award | None:
    """The proposed or approved award of a challenge's open call (at most one: a unique
    index; a phased challenge's down-selections are awards of later phases)."""
    return session.scalar(_live_award_statement(), {"challenge_id": challenge.id})


@cache
def _live_award_statement():
    """The statement of `live_award`, built once (`challenge_id` bound at execution)."""
    return select(Award).where(
        Award.challenge_id == bindparam("challenge_id"), Award.phase == 1,
        Award.status.not_in((AwardStatus.REJECTED, AwardStatus.ANNULLED)))


@dataclass(frozen=True)
class Shortfall:
    """A solution with fewer submitted evaluations than its challenge needs
    (`Challenge.min_evaluators`): `label` is its blind label ("Giải pháp B"),
    `submitted` the evaluations submitted and counted in the ranking, `expected` those
    plus the ones still expected from panel members not recused from it, `needed` the
    minimum."""

    challenge_id: int
    submission_id: int
    label: str
    submitted: int
    expected: int
    needed: int

    @property
    def needs_evaluator(self) -> bool:
        """The panel as it stands cannot reach the minimum: only another evaluator can."""
        return self.expected < self.needed


def shortfalls(session, challenge_ids: list[int]) -> dict[int, list[Shortfall]]:
    """The one rule of "evaluation is short" (issue 13): challenge id → its solutions
    still being evaluated (opened, scored, shortlisted; not disqualified) that have fewer
    submitted evaluations than the challenge's minimum, in label order. The award rule
    (`awards.award_blockers`), the panel, the award proposal and the to-do page all ask
    it. One statement whatever the number of challenges; challenges without a shortfall
    are left out."""
    if not challenge_ids:
        return {}
    rows = session.execute(_shortfalls_statement(),
                           {"challenge_ids": list(challenge_ids)}).all()
    found: dict[int, list[Shortfall]] = {}
    for challenge_id, submission_id, n, count, possible, needed in rows:
        if count < needed:
            found.setdefault(challenge_id, []).append(Shortfall(
                challenge_id, submission_id, _label(n - 1),
                count, max(count, possible), needed))
    return found


@cache
def _shortfalls_statement():
    """The statement of `shortfalls` (its challenge ids bound at execution as
    `challenge_ids`), built once: building it costs more than running it."""
    ids = bindparam("challenge_ids", expanding=True)
    in_evaluation = (select(Submission.id, Submission.challenge_id, Submission.status,
                            func.row_number().over(partition_by=Submission.challenge_id,
                                                   order_by=Submission.id).label("n"))
                     .where(*taking_part(ids)).subquery())
    submitted = (select(func.count(Evaluation.id))
                 .where(Evaluation.submission_id == in_evaluation.c.id,
                        Evaluation.status == EvaluationStatus.SUBMITTED)
                 .scalar_subquery())
    # a recusal from this row's solution: correlated to the outer row (nested two levels
    # down, SQLAlchemy would otherwise give it a FROM of its own copy of `in_evaluation`,
    # making a recusal from any solution count against all of the challenge's)
    recused = select(ConflictDeclaration.id).where(
        ConflictDeclaration.submission_id == in_evaluation.c.id,
        ConflictDeclaration.evaluator_id == PanelMember.user_id,
        ConflictDeclaration.kind != ConflictKind.NONE).correlate_except(
            ConflictDeclaration).exists()
    expected = (select(func.count(PanelMember.id))
                .where(PanelMember.challenge_id == in_evaluation.c.challenge_id, ~recused)
                .scalar_subquery())
    return (
        select(in_evaluation.c.challenge_id, in_evaluation.c.id, in_evaluation.c.n,
               submitted, expected, Challenge.min_evaluators)
        .join(Challenge, Challenge.id == in_evaluation.c.challenge_id)
        .where(in_evaluation.c.status.in_(SCORABLE))
        .order_by(in_evaluation.c.challenge_id, in_evaluation.c.id))


def shortfalls_of(session, challenge: Challenge) -> list[Shortfall]:
    """`shortfalls` of one challenge, read once per unit of work."""
    return per_session(session, ("shortfalls", challenge.id),
                       lambda: shortfalls(session, [challenge.id]).get(challenge.id, []))


# --- the panel -----------------------------------------------------------------------

def start_evaluation(session, officer: User, challenge: Challenge) -> None:
    """The one rule, `marketplace.challenges.services.start_evaluation`."""
    from marketplace.challenges import services as challenges

    challenges.start_evaluation(session, officer, challenge)


def appoint(session, officer: User, challenge: Challenge, email: str, *, full_name: str = "",
            chair: bool = False) -> tuple[PanelMember, bool]:
    """Appoint an evaluator by email; a new address gets an account (with an unusable
    password: the caller mails a reset link after the commit). Returns the member and
    whether the account is new."""
    policy.require(officer, "evaluation.appoint", challenge)
    email = normalize_email(email)
    if not email:
        raise DomainError(_("Please enter an email address."), field="email")
    user, created = find_user_by_email(session, email), False
    if user is None:
        name = (full_name or "").strip() or email.split("@")[0]
        user = User(email=email, full_name=name,
                    password_hash=hash_password(secrets.token_urlsafe(32)))
        session.add(user)
        session.flush()
        record(session, officer, "user.invited_as_evaluator", user, after={"email": email})
        created = True
    elif not user.active:
        raise DomainError(_("This account is deactivated."), field="email")
    if session.scalar(select(PanelMember.id).where(PanelMember.challenge_id == challenge.id,
                                                   PanelMember.user_id == user.id)):
        raise DomainError(_("This person is already on the panel."), field="email")
    if chair:
        _clear_chair(session, challenge)
    member = PanelMember(challenge_id=challenge.id, user_id=user.id, is_chair=chair,
                         appointed_by_id=officer.id)
    session.add(member)
    session.flush()
    record(session, officer, "evaluation.evaluator_appointed", challenge,
           after={"user_id": user.id, "chair": chair})
    recuse_automatically(session, user, challenge)
    # a new account is mailed its password link by the view instead
    notify(session, [user], "evaluation.assigned",
           lambda: _("You are appointed to evaluate “%(title)s”.", title=challenge.title),
           link="/evaluation/", email=not created)
    return member, created


def _clear_chair(session, challenge: Challenge) -> None:
    for member in panel_of(session, challenge):
        if member.is_chair:
            member.is_chair = False
    session.flush()


def make_chair(session, officer: User, member: PanelMember) -> None:
    policy.require(officer, "evaluation.appoint", member.challenge)
    _clear_chair(session, member.challenge)
    member.is_chair = True
    session.flush()
    record(session, officer, "evaluation.chair_appointed", member.challenge,
           after={"user_id": member.user_id})


def recuse_automatically(session, user: User, challenge: Challenge) -> int:
    """Record an automatic conflict for every submission of an organization (or an
    accepted partner) the evaluator belongs to. Returns how many were recorded."""
    count = 0
    for submission in submissions_of(session, challenge):
        if not belongs_to_bidder(user, submission):
            continue
        existing = session.scalar(select(ConflictDeclaration).where(
            ConflictDeclaration.submission_id == submission.id,
            ConflictDeclaration.evaluator_id == user.id))
        if existing is not None:
            if existing.kind is ConflictKind.NONE:  # joined the bidder since: recuse now
                existing.kind, existing.declared_at = ConflictKind.AUTOMATIC, utcnow()
            else:
                continue
        else:
            session.add(ConflictDeclaration(submission_id=submission.id, evaluator_id=user.id,
                                            kind=ConflictKind.AUTOMATIC))
        session.flush()
        record(session, SYSTEM, "evaluation.recused_automatically", submission,
               after={"evaluator_id": user.id})
        count += 1
    return count


def declare(session, evaluator: User, submission: Submission, kind: str, note: str = ""
            ) -> ConflictDeclaration:
    """No conflict, or a conflict (which recuses). Members of the bidders are recused
    whatever they declare."""
    if belongs_to_bidder(evaluator, submission) and policy.can(
            evaluator, "evaluation.view_panel", submission.challenge):
        recuse_automatically(session, evaluator, submission.challenge)
        return session.scalar(select(ConflictDeclaration).where(
            ConflictDeclaration.submission_id == submission.id,
            ConflictDeclaration.evaluator_id == evaluator.id))
    policy.require(evaluator, "evaluation.declare", submission)
    try:
        kind = ConflictKind(kind)
    except ValueError:
        raise DomainError(_("Please choose a declaration."), field="kind") from None
    if kind is ConflictKind.AUTOMATIC:
        raise DomainError(_("Please choose a declaration."), field="kind")
    note = (note or "").strip()
    if kind is not ConflictKind.NONE and not note:
        raise DomainError(_("Please describe the conflict of interest."), field="note")
    declaration = ConflictDeclaration(submission_id=submission.id, evaluator_id=evaluator.id,
                                      kind=kind, note=note)
    session.add(declaration)
    session.flush()
    record(session, evaluator, "evaluation.conflict_declared", submission,
           after={"kind": kind.value, "note": note})
    mark_scored_if_complete(session, submission)
    return declaration


# --- scoring -------------------------------------------------------------------------

def weighted_total(weights: dict[int, int], scores: dict[int, int]) -> Decimal:
    """sum(score × weight) / 10 over the criteria: 0–100 when the weights sum to 100."""
    raw = sum(Decimal(scores[cid]) * weight for cid, weight in weights.items())
    return (raw / 10).quantize(CENT, rounding=ROUND_HALF_UP)


def evaluation_for(session, evaluator: User, submission: Submission) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.submission_id == submission.id,
                                                   Evaluation.evaluator_id == evaluator.id)
                          .options(selectinload(Evaluation.scores)))


def save_scores(session, evaluator: User, submission: Submission,
                values: dict[int, tuple[int | None, str]], *, submit: bool = False
                ) -> Evaluation:
    """Save the evaluator's scores (criterion id → (score or None, comment)); `submit`
    locks them. The total is computed here, never taken from the form."""
    policy.require(evaluator, "evaluation.score", submission)
    criteria = submission.challenge.criteria
    weights = {c.id: c.weight for c in criteria}
    if sum(weights.values()) != 100:
        raise DomainError(_("The weights of this challenge's criteria do not sum to 100."))
    evaluation = evaluation_for(session, evaluator, submission)
    if evaluation is None:
        evaluation = Evaluation(submission_id=submission.id, evaluator_id=evaluator.id)
        session.add(evaluation)
    existing = {s.criterion_id: s for s in evaluation.scores}
    given: dict[int, int] = {}
    for criterion in criteria:
        score, comment = values.get(criterion.id, (None, ""))
        if score is not None and not (isinstance(score, int) and 0 <= score <= 10):
            raise DomainError(_("Each score is a whole number from 0 to 10."),
                              field=f"score_{criterion.id}")
        row = existing.get(criterion.id)
        if score is None:
            if row is not None:
                evaluation.scores.remove(row)
            continue
        given[criterion.id] = score
        if row is None:
            evaluation.scores.append(Score(criterion_id=criterion.id, score=score,
                                           comment=(comment or "").strip()))
        else:
            row.score, row.comment = score, (comment or "").strip()
    evaluation.total = weighted_total(weights, given) if len(given) == len(weights) else None
    if submit and evaluation.total is None:
        raise DomainError(_("Please score every criterion before submitting."))
    session.flush()
    if submit:
        transition(session, evaluation, EvaluationStatus.SUBMITTED, evaluator,
                   lifecycle=EVALUATION_LIFECYCLE,
                   data={"submission_id": submission.id, "total": str(evaluation.total),
                         "scores": {str(cid): s for cid, s in given.items()}})
        mark_scored_if_complete(session, submission)
    return evaluation


def mark_scored_if_complete(session, submission: Submission) -> bool:
    """opened → scored, by the system, once every assigned evaluator has submitted or
    is recused and at least the minimum number of evaluations is in."""
    if submission.status is not SubmissionStatus.OPENED:
        return False
    relevant = [a for a in assignments(session, submission.challenge)
                if a.submission.id == submission.id]
    submitted = sum(1 for a in relevant if not a.recused and a.done)
    if not relevant or not all(a.done for a in relevant) or \
            submitted < submission.challenge.min_evaluators:
        return False
    transition(session, submission, SubmissionStatus.SCORED, SYSTEM,
               lifecycle=SUBMISSION_LIFECYCLE, by_system=True)
    return True


# --- the officer's and the chair's decisions -----------------------------------------

def disqualify(session, officer: User, submission: Submission, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for the disqualification."), field="reason")
    award = live_award(session, submission.challenge)
    if award is not None and any(i.submission_id == submission.id for i in award.items):
        raise DomainError(_("This submission is part of the proposed award."))
    submission.disqualification_reason = reason
    transition(session, submission, SubmissionStatus.DISQUALIFIED, officer,
               lifecycle=SUBMISSION_LIFECYCLE, data={"reason": reason})


def shortlist(session, officer: User, submission: Submission) -> None:
    transition(session, submission, SubmissionStatus.SHORTLISTED, officer,
               lifecycle=SUBMISSION_LIFECYCLE)


def parse_score100(value) -> Decimal:
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a score from 0 to 100."), field="score") from None
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        raise DomainError(_("Enter a score from 0 to 100."), field="score")
    return score.quantize(CENT, rounding=ROUND_HALF_UP)


def moderate(session, chair: User, submission: Submission, score, justification: str
             ) -> Moderation:
    """The chair's moderated score for a flagged submission; it then counts instead of
    the mean. The individual evaluations stay as they are."""
    policy.require(chair, "evaluation.moderate", submission)
    standing = standing_of(session, submission)
    if not standing.flagged:
        raise DomainError(_("Only a submission whose evaluators disagree by more than "
                            "20 points is moderated."))
    score = parse_score100(score)
    justification = (justification or "").strip()
    if not justification:
        raise DomainError(_("Please justify the moderated score."), field="justification")
    moderation = session.scalar(select(Moderation).where(
        Moderation.submission_id == submission.id))
    before = None
    if moderation is None:
        moderation = Moderation(submission_id=submission.id, score=score,
                                justification=justification, chair_id=chair.id)
        session.add(moderation)
    else:
        before = {"score": str(moderation.score), "justification": moderation.justification}
        moderation.score, moderation.justification = score, justification
        moderation.chair_id, moderation.created_at = chair.id, utcnow()
    session.flush()
    record(session, chair, "evaluation.moderated", submission, before=before,
           after={"score": str(score), "justification": justification,
                  "mean": str(standing.mean), "spread": str(standing.spread)})
    return moderation


# --- what an evaluator under blind review may read ---------------------------------

def identifying_names(session, submission: Submission) -> list[str]:
    """The names that would reveal who submitted: organizations and their members. One
    statement (the members with their users and organizations) whatever the number of
    members, once the page loaded the bid (`_panel_submission`: its author, its partners
    with their organizations)."""
    org_ids = [submission.organization_id, *submission.accepted_partner_ids()]
    names: set[str] = set()
    for membership in session.scalars(select(Membership).where(
            Membership.organization_id.in_(org_ids), Membership.role.in_(SOLVER_ROLES))
            .options(joinedload(Membership.user), joinedload(Membership.organization))):
        names.add(membership.user.full_name)
        org = membership.organization
        names.update([org.name_vi, org.name_en, org.registration_code])
    names.add(submission.organization.name_vi)
    names.add(submission.organization.name_en)
    names.add(submission.created_by.full_name)
    for partner in submission.partners:
        names.update([partner.organization.name_vi, partner.organization.name_en])
    return sorted((n for n in names if n and len(n.strip()) >= 3), key=len, reverse=True)


def redact(text: str, names: list[str], mask: str = "[…]") -> str:
    for name in names:
        text = re.sub(re.escape(name.strip()), mask, text or "", flags=re.IGNORECASE)
    return text
