"""Who may delete a draft (issue 19): its authors — the officers of the agency for a
challenge or an order, the members of the leading organization for a submission — and
only while it is a draft. Anything published, submitted or offered stays for ever."""

from marketplace.accounts.models import SOLVER_ROLES
from marketplace.challenges.models import ChallengeStatus
from marketplace.orders.models import OrderStatus
from marketplace.policy.challenges import is_agency_officer
from marketplace.policy.core import rule
from marketplace.submissions.models import SubmissionStatus


@rule("challenge.delete")
def delete_challenge(user, challenge) -> bool:
    return (challenge is not None and challenge.status is ChallengeStatus.DRAFT
            and is_agency_officer(user, challenge.agency))


@rule("submission.delete")
def delete_submission(user, submission) -> bool:
    return (submission is not None and user is not None
            and submission.status is SubmissionStatus.DRAFT
            and user.role_in(submission.organization_id) in SOLVER_ROLES)


@rule("order.delete")
def delete_order(user, order) -> bool:
    return (order is not None and order.status is OrderStatus.DRAFT
            and is_agency_officer(user, order.agency))
