"""Who may download an attachment: whoever may see what it belongs to."""

from marketplace.policy.core import can, rule


@rule("attachment.download")
def download_attachment(user, attachment) -> bool:
    """Asks the rule of the attachment's owner (its relationships, joined into one
    statement by `policy.existence.lookup`)."""
    if attachment.challenge_id is not None:
        return can(user, "challenge.view", attachment.challenge)
    if attachment.submission_id is not None:
        return can(user, "submission.view", attachment.submission)
    if attachment.complaint_id is not None:  # the evidence: never public
        return can(user, "complaint.view", attachment.complaint)
    if attachment.kpi_result_id is not None:  # the evidence of an outcome: public with it
        result = attachment.kpi_result
        return result is not None and can(user, "outcome.view", result.outcome)
    if attachment.delivery_id is not None:
        return can(user, "delivery.view", attachment.delivery)
    return False
