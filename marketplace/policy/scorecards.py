"""Who may see the scorecards, the ranking and the methodology (issue 18)."""

from marketplace.policy.core import rule


@rule("scorecard.view")
def view_scorecard(user, organization) -> bool:
    """Anyone may read the scorecard of a verified organization: its figures are made of
    public records only. A pending or rejected organization has none (404)."""
    return organization is not None and organization.is_verified


@rule("ranking.view")
def view_ranking(user, _obj=None) -> bool:
    return True


@rule("methodology.view")
def view_methodology(user, _obj=None) -> bool:
    return True
