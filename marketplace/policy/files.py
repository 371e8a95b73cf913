"""Who may download an attachment: whoever may see what it belongs to."""

from marketplace.challenges.models import Challenge
from marketplace.complaints.models import Complaint
from marketplace.extensions import db
from marketplace.orders.models import MilestoneDelivery
from marketplace.policy.core import can, rule
from marketplace.submissions.models import Submission


@rule("attachment.download")
def download_attachment(user, attachment) -> bool:
    if attachment.challenge_id is not None:
        return can(user, "challenge.view", db.session.get(Challenge, attachment.challenge_id))
    if attachment.submission_id is not None:
        return can(user, "submission.view",
                   db.session.get(Submission, attachment.submission_id))
    if attachment.complaint_id is not None:  # the evidence: never public
        return can(user, "complaint.view", db.session.get(Complaint, attachment.complaint_id))
    if attachment.kpi_result_id is not None:  # the evidence of an outcome: public with it
        from marketplace.outcomes.models import KpiResult

        result = db.session.get(KpiResult, attachment.kpi_result_id)
        return result is not None and can(user, "outcome.view", result.outcome)
    if attachment.delivery_id is not None:
        return can(user, "delivery.view",
                   db.session.get(MilestoneDelivery, attachment.delivery_id))
    return False
