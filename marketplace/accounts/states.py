"""The organization verification lifecycle.

| from     | to       | who (policy action)             | public |
| -------- | -------- | ------------------------------- | ------ |
| pending  | verified | administrator (organization.verify) | yes |
| pending  | rejected | administrator (organization.reject) | no  |
| rejected | pending  | the organization's owner (organization.resubmit) | no |
| verified | rejected | administrator (organization.reject), e.g. false papers | no |
"""

from marketplace.accounts.models import OrgStatus
from marketplace.lifecycle import Lifecycle, Transition

ORGANIZATION_LIFECYCLE = Lifecycle(
    name="organization",
    transitions=[
        Transition(OrgStatus.PENDING, OrgStatus.VERIFIED, "organization.verify", public=True),
        Transition(OrgStatus.PENDING, OrgStatus.REJECTED, "organization.reject"),
        Transition(OrgStatus.VERIFIED, OrgStatus.REJECTED, "organization.reject"),
        Transition(OrgStatus.REJECTED, OrgStatus.PENDING, "organization.resubmit"),
    ],
    stamps={OrgStatus.VERIFIED: "verified_at", OrgStatus.REJECTED: "rejected_at"},
)
