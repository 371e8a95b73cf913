"""Who may do what in the submissions domain.

Sealed until the deadline: before the challenge closes only the lead organization and
its accepted consortium partners may see a submission. After the close the agency that
owns the challenge (and its evaluators, through `submission.view_as_evaluator`) may see
the submissions that take part in the evaluation; drafts and withdrawn ones stay with
the solver for ever."""

from marketplace.accounts.models import SOLVER_ROLES
from marketplace.policy.challenges import is_agency_member
from marketplace.policy.core import can, rule
from marketplace.submissions.clock import accepting_submissions, closed_while_waiting, is_sealed
from marketplace.submissions.models import IN_EVALUATION, PartnerStatus, SubmissionStatus

REOPENABLE = (SubmissionStatus.SUBMITTED, SubmissionStatus.WITHDRAWN)


def is_lead_member(user, submission) -> bool:
    return user is not None and user.role_in(submission.organization_id) in SOLVER_ROLES


def is_partner_member(user, submission) -> bool:
    if user is None:
        return False
    return any(user.role_in(org_id) in SOLVER_ROLES
               for org_id in submission.accepted_partner_ids())


def sealed_view(user, submission, *, sealed: bool, in_evaluation: bool, as_evaluator) -> bool:
    """The one sealing rule, for first submissions and for the phase results of a phased
    challenge (issue 17) alike: the bidding organizations (lead and accepted partners)
    always; nobody else while `sealed`; after that the owning agency's members and the
    panel (`as_evaluator()`, asked last) see what takes part in the evaluation
    (`in_evaluation`) — never a draft or a withdrawn piece."""
    if submission is None or user is None:
        return False
    if is_lead_member(user, submission) or is_partner_member(user, submission):
        return True
    if sealed or not in_evaluation:
        return False
    return is_agency_member(user, submission.challenge.agency_id) or as_evaluator()


@rule("submission.view")
def view_submission(user, submission) -> bool:
    if submission is None:
        return False
    return sealed_view(user, submission, sealed=is_sealed(submission.challenge),
                       in_evaluation=submission.status in IN_EVALUATION,
                       as_evaluator=lambda: can(user, "submission.view_as_evaluator",
                                                submission))


def _lead_while_open(user, submission, statuses) -> bool:
    return (submission is not None and is_lead_member(user, submission)
            and submission.status in statuses
            and accepting_submissions(submission.challenge))


@rule("submission.edit")
def edit_submission(user, submission) -> bool:
    """Change a draft — its content, files and partners: the lead organization, before
    the deadline. The one rule "only a draft can be edited" (issue 14), asked by the
    services and the templates alike; a submitted or withdrawn one is reopened first
    (`submission.reopen`)."""
    return _lead_while_open(user, submission, (SubmissionStatus.DRAFT,))


@rule("submission.reopen")
def reopen_submission(user, submission) -> bool:
    """Take a submitted or withdrawn submission back to draft, to edit it."""
    return _lead_while_open(user, submission, REOPENABLE)


@rule("submission.submit")
def submit_submission(user, submission) -> bool:
    """The lead, before the deadline — judged at the request's arrival, so also when the
    clock closed the challenge while the request waited for the lock."""
    if submission is not None and closed_while_waiting(submission.challenge):
        return is_lead_member(user, submission) and submission.status is SubmissionStatus.DRAFT
    return _lead_while_open(user, submission, (SubmissionStatus.DRAFT,))


@rule("submission.withdraw")
def withdraw_submission(user, submission) -> bool:
    return _lead_while_open(user, submission, (SubmissionStatus.SUBMITTED,))


@rule("submission.open")
def open_submission(_user, _submission) -> bool:
    """Nobody: submissions open by the clock, when the challenge closes (by_system)."""
    return False


@rule("consortium.invite")
def invite_partner(user, submission) -> bool:
    """The lead invites (or removes) partners while its submission is a draft."""
    return (_lead_while_open(user, submission, (SubmissionStatus.DRAFT,))
            and submission.challenge.consortia_allowed)


@rule("consortium.invite_again")
def invite_again(user, partner) -> bool:
    """The lead invites again an organization that declined."""
    return (partner is not None and partner.status is PartnerStatus.DECLINED
            and can(user, "consortium.invite", partner.submission))


@rule("consortium.respond")
def respond_to_invitation(user, partner) -> bool:
    """A member of the invited organization accepts or declines, while the lead's
    submission is a draft (what is submitted is what the receipt covers)."""
    if partner is None or user is None or partner.status is not PartnerStatus.INVITED:
        return False
    submission = partner.submission
    return (user.role_in(partner.organization_id) in SOLVER_ROLES
            and submission.status is SubmissionStatus.DRAFT
            and accepting_submissions(submission.challenge))


@rule("submission.start")
def start_submission(user, challenge) -> bool:
    """The challenge is open and the user belongs to a verified solver organization of a
    kind that may bid. (Whether that organization already has a submission is for the
    rule that starts one to say.)"""
    if user is None or challenge is None or not accepting_submissions(challenge):
        return False
    return any(m.role in SOLVER_ROLES and m.organization.is_verified
               and m.organization.kind.value in (challenge.eligible_kinds or [])
               for m in user.memberships)


@rule("submission.list")
def list_submissions(user, _obj=None) -> bool:
    """The solver's own list: for members of a solver organization."""
    return user is not None and any(m.role in SOLVER_ROLES and not m.organization.is_agency
                                    for m in user.memberships)
