"""Challenge rules: drafting, publishing, amending, cancelling, closing by the clock.

Plain functions over the session and the acting user; they flush and audit, never
commit. A refused change raises a DomainError that names the field it is about."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from marketplace import policy
from marketplace.accounts.models import Membership, Organization, OrgKind, User
from marketplace.audit.services import record
from marketplace.challenges.models import Amendment, Challenge, ChallengeStatus, Criterion
from marketplace.challenges.states import CHALLENGE_LIFECYCLE
from marketplace.errors import DomainError, NotAllowed
from marketplace.files import services as files
from marketplace.files.models import Attachment
from marketplace.lifecycle import transition
from marketplace.notifications.services import notify
from marketplace.submissions.models import PartnerStatus, Submission, SubmissionStatus
from marketplace.submissions.opening import record_opening
from marketplace.submissions.states import SUBMISSION_LIFECYCLE
from marketplace.types import utcnow

SCALAR_FIELDS = (
    "title", "problem", "expected_outcomes", "technology_group_id", "sector", "pilot_site",
    "province", "budget_ceiling", "pilot_duration_months", "eligible_kinds",
    "consortia_allowed", "parallel_pilots_allowed", "blind_review", "min_evaluators",
    "clarification_deadline", "submission_deadline",
)
# What may not change after publication. The issue's rule is "not once any submission
# exists"; but refusing only then would tell the agency, before the deadline, that a
# sealed submission exists. So these terms are fixed for everyone from publication on:
# every bidder answers the same terms, and the refusal reveals nothing.
LOCKED_AFTER_PUBLICATION = ("budget_ceiling", "criteria", "eligible_kinds",
                            "consortia_allowed")
SOLVER_KIND_VALUES = tuple(k.value for k in OrgKind if k.is_solver)


@dataclass
class CriterionInput:
    name: str
    weight: int
    description: str = ""


@dataclass
class ChallengeInput:
    """Everything an officer types about a challenge; a draft may leave most of it empty."""

    title: str
    problem: str = ""
    expected_outcomes: str = ""
    technology_group_id: int | None = None
    sector: str = ""
    pilot_site: str = ""
    province: str = ""
    budget_ceiling: int = 0
    pilot_duration_months: int = 0
    eligible_kinds: list[str] = field(default_factory=list)
    consortia_allowed: bool = True
    parallel_pilots_allowed: bool = False
    blind_review: bool = False
    min_evaluators: int = 2
    clarification_deadline: datetime | None = None
    submission_deadline: datetime | None = None
    criteria: list[CriterionInput] = field(default_factory=list)


class Incomplete(DomainError):
    """A challenge that cannot be published (or stay published) as it is; `problems`
    says each thing that is missing or wrong."""

    def __init__(self, problems: list[str]):
        super().__init__(_("This challenge is not complete yet: %(problems)s",
                           problems=" ".join(problems)))
        self.problems = problems


# --- reading and comparing -----------------------------------------------------------

def input_from(challenge: Challenge, **changes) -> ChallengeInput:
    """What the challenge holds now, as input, with `changes` applied (for amendments
    made by code, e.g. the demo data)."""
    data = {name: getattr(challenge, name) for name in SCALAR_FIELDS}
    data["eligible_kinds"] = list(challenge.eligible_kinds or [])
    data["criteria"] = [CriterionInput(c.name, c.weight, c.description)
                        for c in challenge.criteria]
    data.update(changes)
    return ChallengeInput(**data)


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def snapshot(challenge: Challenge) -> dict:
    data = {name: _jsonable(getattr(challenge, name)) for name in SCALAR_FIELDS}
    data["eligible_kinds"] = sorted(challenge.eligible_kinds or [])
    data["criteria"] = [{"name": c.name, "description": c.description, "weight": c.weight}
                        for c in challenge.criteria]
    return data


def _input_snapshot(data: ChallengeInput) -> dict:
    result = {name: _jsonable(getattr(data, name)) for name in SCALAR_FIELDS}
    result["eligible_kinds"] = sorted(data.eligible_kinds)
    result["criteria"] = [{"name": c.name, "description": c.description, "weight": c.weight}
                          for c in data.criteria]
    return result


def diff(before: dict, after: dict) -> dict:
    return {name: {"before": before[name], "after": after[name]}
            for name in after if before.get(name) != after[name]}


# --- checks --------------------------------------------------------------------------

def _clean(data: ChallengeInput) -> ChallengeInput:
    data.title = (data.title or "").strip()
    for name in ("problem", "expected_outcomes", "sector", "pilot_site", "province"):
        setattr(data, name, (getattr(data, name) or "").strip())
    data.eligible_kinds = [k for k in dict.fromkeys(data.eligible_kinds)
                           if k in SOLVER_KIND_VALUES]
    data.criteria = [CriterionInput(c.name.strip(), c.weight, (c.description or "").strip())
                     for c in data.criteria]
    return data


def _check_storable(data: ChallengeInput) -> None:
    """What even a draft must respect (the database refuses it otherwise)."""
    if not data.title:
        raise DomainError(_("Please give the challenge a title."), field="title")
    if data.budget_ceiling is not None and data.budget_ceiling < 0:
        raise DomainError(_("The budget ceiling cannot be negative."), field="budget_ceiling")
    if data.pilot_duration_months is not None and data.pilot_duration_months < 0:
        raise DomainError(_("The pilot duration cannot be negative."),
                          field="pilot_duration_months")
    if data.min_evaluators is None or data.min_evaluators < 1:
        raise DomainError(_("At least one evaluator is needed."), field="min_evaluators")
    if (data.clarification_deadline and data.submission_deadline
            and data.clarification_deadline > data.submission_deadline):
        raise DomainError(_("The deadline for questions must not come after the submission "
                            "deadline."), field="clarification_deadline")
    for criterion in data.criteria:
        if not criterion.name or not 1 <= (criterion.weight or 0) <= 100:
            raise DomainError(_("Each criterion needs a name and a weight from 1 to 100."),
                              field="criteria")


def completeness_problems(challenge: Challenge | ChallengeInput, now: datetime | None = None,
                          *, questions_closed_at: datetime | None = None) -> list[str]:
    """Everything that keeps this challenge (or what an officer typed for it) from being
    published, in words. `questions_closed_at`: when amending, a deadline for questions
    that has already passed unchanged is fine."""
    now = now or utcnow()
    problems = []
    if not (challenge.title or "").strip():
        problems.append(_("The title is missing."))
    if not (challenge.problem or "").strip():
        problems.append(_("The problem statement is missing."))
    if challenge.technology_group_id is None:
        problems.append(_("No strategic technology group is chosen."))
    if not challenge.budget_ceiling or challenge.budget_ceiling <= 0:
        problems.append(_("The budget ceiling must be more than 0 ₫."))
    if not challenge.eligible_kinds:
        problems.append(_("No kind of solver is eligible."))
    if not challenge.criteria:
        problems.append(_("There are no evaluation criteria."))
    else:
        total = sum(c.weight for c in challenge.criteria)
        if total != 100:
            problems.append(_("The criteria weights add up to %(total)d, not 100.", total=total))
    clarify, submit = challenge.clarification_deadline, challenge.submission_deadline
    if submit is None:
        problems.append(_("The submission deadline is missing."))
    elif submit <= now:
        problems.append(_("The submission deadline must be in the future."))
    if clarify is None:
        problems.append(_("The deadline for questions is missing."))
    elif clarify <= now and clarify != questions_closed_at:
        problems.append(_("The deadline for questions must be in the future."))
    elif submit is not None and clarify > submit:
        problems.append(_("The deadline for questions must come before the submission "
                          "deadline."))
    return problems


def _apply(challenge: Challenge, data: ChallengeInput) -> None:
    for name in SCALAR_FIELDS:
        setattr(challenge, name, getattr(data, name))
    challenge.eligible_kinds = list(data.eligible_kinds)
    current = [(c.name, c.description, c.weight) for c in challenge.criteria]
    wanted = [(c.name, c.description, c.weight) for c in data.criteria]
    if current != wanted:  # keep criterion rows (and their ids) when nothing changed
        challenge.criteria = [Criterion(position=i, name=c.name, description=c.description,
                                        weight=c.weight) for i, c in enumerate(data.criteria)]


# --- drafting, publishing, amending --------------------------------------------------

def agencies_for(user: User) -> list[Organization]:
    """The agencies in which the user may draft a challenge."""
    return [m.organization for m in user.memberships
            if policy.can(user, "challenge.create", m.organization)]


def create_draft(session, user: User, agency: Organization, data: ChallengeInput) -> Challenge:
    policy.require(user, "challenge.create", agency)
    data = _clean(data)
    _check_storable(data)
    challenge = Challenge(agency=agency, created_by_id=user.id, title=data.title,
                          status=ChallengeStatus.DRAFT)
    _apply(challenge, data)
    session.add(challenge)
    session.flush()
    record(session, user, "challenge.created", challenge,
           after={"title": challenge.title, "agency_id": agency.id})
    return challenge


def update(session, user: User, challenge: Challenge, data: ChallengeInput,
           summary: str = "") -> Amendment | None:
    """Save a draft, or amend a published challenge (returns the amendment)."""
    policy.require(user, "challenge.edit", challenge)
    data = _clean(data)
    _check_storable(data)
    before = snapshot(challenge)
    changes = diff(before, _input_snapshot(data))
    if challenge.status is ChallengeStatus.DRAFT:
        _apply(challenge, data)
        session.flush()
        if changes:
            record(session, user, "challenge.updated", challenge,
                   before={k: v["before"] for k, v in changes.items()},
                   after={k: v["after"] for k, v in changes.items()})
        return None
    return _amend(session, user, challenge, data, changes, summary)


def _amend(session, user, challenge, data, changes, summary) -> Amendment:
    if not changes:
        raise DomainError(_("Nothing has changed."))
    old, new = challenge.submission_deadline, data.submission_deadline
    if old is not None and new is not None and new < old:
        raise DomainError(_("After publication the submission deadline may only be extended, "
                          "never brought forward."), field="submission_deadline")
    locked = [name for name in LOCKED_AFTER_PUBLICATION if name in changes]
    if locked:
        raise DomainError(_("After publication the budget ceiling, the criteria and the "
                            "eligibility are fixed, so that every bidder answers the same "
                            "terms. To change them, cancel this challenge and publish a new "
                            "one."), field=locked[0])
    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_("Please say in a sentence what this amendment changes."),
                          field="amendment_summary")
    problems = completeness_problems(data, questions_closed_at=challenge.clarification_deadline)
    if problems:
        raise Incomplete(problems)
    _apply(challenge, data)
    session.flush()
    return _record_amendment(session, user, challenge, summary, changes)


def _record_amendment(session, user, challenge, summary, changes) -> Amendment:
    amendment = Amendment(challenge=challenge, created_by_id=user.id, summary=summary,
                          changes=changes)
    session.add(amendment)
    session.flush()
    record(session, user, "challenge.amended", challenge, after={
        "amendment_id": amendment.id, "summary": summary, "changes": changes}, public=True)
    notify(session, interested_solvers(session, challenge), "challenge.amended",
           lambda: _("The challenge “%(title)s” has been amended: %(summary)s",
                     title=challenge.title, summary=summary),
           link=f"/challenges/{challenge.id}#amendments", data={"challenge_id": challenge.id})
    return amendment


def interested_solvers(session, challenge: Challenge) -> list[User]:
    """Members of the organizations with a draft or a submission on the challenge, and
    of their accepted consortium partners."""
    submissions = session.scalars(select(Submission).where(
        Submission.challenge_id == challenge.id).options(selectinload(Submission.partners)))
    org_ids = set()
    for submission in submissions:
        org_ids.add(submission.organization_id)
        org_ids.update(p.organization_id for p in submission.partners
                       if p.status is PartnerStatus.ACCEPTED)
    if not org_ids:
        return []
    return list(session.scalars(select(User).join(Membership).where(
        Membership.organization_id.in_(org_ids)).order_by(User.id).distinct()))


def publish(session, user: User, challenge: Challenge, *, justification: str = "") -> None:
    """Publish a complete draft. Highly similar to a proven catalogue entry, it needs
    `justification` (issue 17: public on the page, counted on the dashboard); raises
    `DomainError` (field `similarity_justification`) without one."""
    if not policy.can(user, "challenge.edit", challenge):
        raise NotAllowed(_("You are not allowed to do this."))
    if not challenge.agency.is_verified:
        raise DomainError(_("Your agency is waiting for verification by an administrator; "
                            "until then its challenges cannot be published."))
    from marketplace.phases.services import publish_problems

    problems = completeness_problems(challenge) + publish_problems(session, challenge)
    if problems:
        raise Incomplete(problems)
    from marketplace.outcomes import similarity  # the outcomes domain builds on this one

    similarity.record_justification(session, challenge, justification)
    transition(session, challenge, ChallengeStatus.PUBLISHED, user,
               lifecycle=CHALLENGE_LIFECYCLE, data={"title": challenge.title})


def cancel(session, user: User, challenge: Challenge, reason: str, *,
           no_suitable_solution: bool = False) -> None:
    """Cancel a challenge with a public reason: the one rule, whichever page calls it
    (the challenge's cancel page, or the panel's "no suitable solution"; issue 14).
    Under evaluation, it is refused while an award is proposed or in effect. The
    submissions are settled and their bidders told: before the close, each sealed one is
    returned unopened (`submitted → withdrawn` by the system); after it (closed, or under
    evaluation), each still in the evaluation is decided "not awarded" (issue 14).
    Raises `InvalidTransition` (not cancellable in its status), `NotAllowed` (policy
    `challenge.cancel`) or `DomainError` (no reason; an award is proposed)."""
    from marketplace.evaluation import awards  # the evaluation domain builds on this one
    from marketplace.evaluation.services import live_award

    challenge = awards.lock_challenge(session, challenge)
    CHALLENGE_LIFECYCLE.find(challenge.status, ChallengeStatus.CANCELLED)
    policy.require(user, "challenge.cancel", challenge)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the public reason for cancelling."), field="reason")
    was = challenge.status
    evaluating = was is ChallengeStatus.EVALUATING
    if evaluating and live_award(session, challenge) is not None:
        raise DomainError(_("An award has already been proposed for this challenge."))
    challenge.cancel_reason = reason
    data = {"reason": reason}
    if no_suitable_solution:
        data["no_suitable_solution"] = True
    transition(session, challenge, ChallengeStatus.CANCELLED, user,
               lifecycle=CHALLENGE_LIFECYCLE, data=data)
    if was is ChallengeStatus.PUBLISHED:
        awards.return_sealed(session, challenge)
    elif was in (ChallengeStatus.CLOSED, ChallengeStatus.EVALUATING):
        awards.decide_all(session, challenge, set(), cancelled=True)


def start_evaluation(session, user: User, challenge: Challenge) -> None:
    """Open a closed challenge's submissions to its panel; the opening record as
    disclosed now is issued as a PDF (archived, `documents.services`)."""
    from marketplace.documents import services as documents  # built on this domain

    transition(session, challenge, ChallengeStatus.EVALUATING, user,
               lifecycle=CHALLENGE_LIFECYCLE)
    documents.opening_record_issued(session, user, challenge)


# --- attachments ---------------------------------------------------------------------

def add_attachments(session, user: User, challenge: Challenge, uploads, *,
                    max_total: int | None = None) -> list[Attachment]:
    """`uploads`: (stream, filename) pairs. After publication, adding files is an
    amendment of its own."""
    policy.require(user, "challenge.edit", challenge)
    added = [files.attach(session, user, owner_field="challenge_id", owner_id=challenge.id,
                          stream=stream, filename=filename, max_total=max_total)
             for stream, filename in uploads if filename]
    if not added:
        raise DomainError(_("Please choose a file to upload."), field="files")
    if challenge.status is ChallengeStatus.PUBLISHED:
        names = ", ".join(a.original_name for a in added)
        _record_amendment(session, user, challenge, _("Documents added: %(names)s", names=names),
                          {"attachments": {"before": None, "after": names}})
    return added


def remove_attachment(session, user: User, challenge: Challenge, attachment: Attachment
                      ) -> None:
    policy.require(user, "challenge.edit", challenge)
    if attachment.challenge_id != challenge.id:
        raise NotAllowed(_("You are not allowed to do this."))
    name = attachment.original_name
    files.remove(session, user, attachment)
    if challenge.status is ChallengeStatus.PUBLISHED:
        _record_amendment(session, user, challenge, _("Document withdrawn: %(name)s", name=name),
                          {"attachments": {"before": name, "after": None}})


# --- the clock -----------------------------------------------------------------------

def _expired_query(now: datetime):
    return (select(Challenge)
            .where(Challenge.status == ChallengeStatus.PUBLISHED,
                   Challenge.submission_deadline <= now)
            .order_by(Challenge.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True))


@functools.cache
def _expired_statement(limit: int | None):
    """`_expired_query` with the time a parameter (`now`), at most `limit` rows: built
    once per limit (every list request asks it; building the statement and its cache key
    cost more than running it on the (status, submission_deadline) index)."""
    query = _expired_query(bindparam("now", type_=Challenge.submission_deadline.type))
    return query.limit(limit) if limit is not None else query


def _close(session, challenge: Challenge) -> None:
    transition(session, challenge, ChallengeStatus.CLOSED, None, lifecycle=CHALLENGE_LIFECYCLE,
               by_system=True, data={"deadline": _jsonable(challenge.submission_deadline)})
    sealed = session.scalars(select(Submission).where(
        Submission.challenge_id == challenge.id,
        Submission.status == SubmissionStatus.SUBMITTED).order_by(Submission.id))
    for submission in sealed:
        transition(session, submission, SubmissionStatus.OPENED, None,
                   lifecycle=SUBMISSION_LIFECYCLE, by_system=True)
    record_opening(session, challenge)  # the opening record, in the same transaction


def close_if_expired(session, challenge: Challenge, now: datetime | None = None) -> bool:
    """Close `challenge` if its deadline has passed. No query unless it has."""
    now = now or utcnow()
    if (challenge.status is not ChallengeStatus.PUBLISHED or challenge.submission_deadline is None
            or challenge.submission_deadline > now):
        return False
    locked = session.scalar(_expired_query(now).where(Challenge.id == challenge.id))
    if locked is None:  # another process got there first
        return False
    _close(session, locked)
    return True


def close_expired(session, now: datetime | None = None, limit: int | None = None) -> int:
    """Close every published challenge whose deadline has passed — at most `limit` of
    them (lowest ids first) when given; one indexed query when there is none. Returns
    how many were closed."""
    expired = list(session.scalars(_expired_statement(limit), {"now": now or utcnow()}))
    for challenge in expired:
        _close(session, challenge)
    return len(expired)
