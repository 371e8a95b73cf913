"""Who may do what in the evaluation domain."""

from marketplace.policy.core import rule


@rule("submission.view_as_evaluator")
def view_as_evaluator(user, submission) -> bool:
    """An appointed evaluator who declared no conflict for this submission, after the
    deadline. (Filled in by the evaluation domain.)"""
    return False
