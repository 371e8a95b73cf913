"""One sentence per red flag, from its kind and the figures stored with it."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.formatting import number
from marketplace.scorecards.models import FlagKind


def describe(kind, detail: dict) -> str:
    """The flag's sentence in the current language ("look here", never "guilty")."""
    kind = FlagKind(kind)
    d = detail or {}
    threshold = d.get("threshold")
    if kind is FlagKind.SINGLE_BID:
        return _("Only one valid submission when the challenge closed.")
    if kind is FlagKind.SHORT_PERIOD:
        return _("Submission period of %(days)s days; the minimum is %(threshold)s.",
                 days=number(d.get("days"), 1), threshold=threshold)
    if kind is FlagKind.NOT_TOP_RANKED:
        return _("The award went to the solution ranked %(rank)s, not to the first.",
                 rank=d.get("rank"))
    if kind is FlagKind.NEAR_CEILING:
        return _("The award is %(percent)s%% of the budget ceiling (flagged within "
                 "%(threshold)s%%).", percent=number(d.get("percent"), 2),
                 threshold=number(threshold, 1))
    if kind is FlagKind.MANY_AMENDMENTS:
        return _("%(count)s amendments; flagged above %(threshold)s.",
                 count=d.get("amendments"), threshold=threshold)
    if kind is FlagKind.LATE_AMENDMENT:
        return _("An amendment %(hours)s hours before the submission deadline (flagged within "
                 "%(threshold)s days).", hours=d.get("hours_before"), threshold=threshold)
    if kind is FlagKind.UNPAID_ACCEPTED:
        return _("A milestone accepted %(days)s days ago is not paid (flagged after "
                 "%(threshold)s days).", days=d.get("days"), threshold=threshold)
    if kind is FlagKind.UNDECIDED_DELIVERY:
        return _("A milestone delivered %(days)s days ago is neither accepted nor rejected "
                 "(flagged after %(threshold)s days).", days=d.get("days"),
                 threshold=threshold)
    if kind is FlagKind.STALLED_PILOT:
        return _("No recorded activity on the pilot for %(days)s days (flagged after "
                 "%(threshold)s days).", days=d.get("days"), threshold=threshold)
    return _("This solver was awarded %(wins)s challenges of this agency within %(window)s "
             "days (flagged from %(threshold)s).", wins=d.get("wins"),
             window=d.get("window_days"), threshold=threshold)
