"""The outcome and catalogue entry lifecycles (issue 17).

Pilot outcome (one per pilot order that completed or was terminated):

| from  | to        | who (policy action)                                    | public |
| ----- | --------- | ------------------------------------------------------ | ------ |
| draft | published | the pilot agency's officer (outcome.publish)           | yes    |

A published outcome is final; its result (proven / not proven, risk accepted /
terminated) is a field, not a status. Publishing a proven outcome opens its catalogue
entry (pending).

Catalogue entry:

| from      | to        | who (policy action)                                          | public |
| --------- | --------- | ------------------------------------------------------------ | ------ |
| pending   | listed    | the system, once offer and facts are in (catalogue.list)     | yes    |
| listed    | withdrawn | the solver's owner (catalogue.withdraw)                      | yes    |
| withdrawn | listed    | the solver's owner, with a valid offer (catalogue.relist)    | yes    |
"""

from marketplace.lifecycle import Lifecycle, Transition
from marketplace.outcomes.models import EntryStatus as E
from marketplace.outcomes.models import OutcomeStatus as S

OUTCOME_LIFECYCLE = Lifecycle(
    name="outcome",
    transitions=[Transition(S.DRAFT, S.PUBLISHED, "outcome.publish", public=True)],
    stamps={S.PUBLISHED: "published_at"},
)

CATALOGUE_LIFECYCLE = Lifecycle(
    name="catalogue",
    transitions=[
        Transition(E.PENDING, E.LISTED, "catalogue.list", public=True),
        Transition(E.LISTED, E.WITHDRAWN, "catalogue.withdraw", public=True),
        Transition(E.WITHDRAWN, E.LISTED, "catalogue.relist", public=True),
    ],
    stamps={E.LISTED: "listed_at", E.WITHDRAWN: "withdrawn_at"},
)
