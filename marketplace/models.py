"""Every domain's models, imported in one place so that the mapper registry and
Alembic's autogenerate see the whole schema."""

from marketplace.accounts.models import (
    ExternalIdentity,
    Invitation,
    Membership,
    Organization,
    User,
)
from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import Amendment, Challenge, Clarification, Criterion
from marketplace.complaints.models import Complaint
from marketplace.dashboard.models import DashboardChallenge, DashboardCounter, DashboardDuration
from marketplace.documents.models import DocumentSignature, IssuedDocument
from marketplace.evaluation.models import (
    Award,
    AwardItem,
    ConflictDeclaration,
    Evaluation,
    Moderation,
    PanelMember,
    Score,
)
from marketplace.files.models import Attachment
from marketplace.notifications.models import Notification
from marketplace.orders.models import (
    Kpi,
    Milestone,
    MilestoneDelivery,
    OrderAmendment,
    PilotOrder,
    Rating,
)
from marketplace.outcomes.models import CatalogueEntry, KpiResult, PilotOutcome
from marketplace.payments.models import Payment, StripeEvent
from marketplace.phases.models import ChallengePhase, PhaseCriterion, PhaseResult, PhaseScore
from marketplace.scorecards.models import RedFlag
from marketplace.search.models import SearchPending  # noqa: F401
from marketplace.submissions.models import ConsortiumPartner, Submission
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup

__all__ = [
    "Amendment", "Attachment", "AuditEvent", "Award", "AwardItem", "CatalogueEntry",
    "Challenge", "Clarification", "KpiResult", "PilotOutcome",
    "Complaint", "ConflictDeclaration", "DashboardChallenge", "DashboardCounter",
    "DashboardDuration", "ConsortiumPartner", "Criterion", "DocumentSignature",
    "Evaluation", "ExternalIdentity", "IssuedDocument", "Invitation", "Kpi",
    "Membership", "Milestone", "MilestoneDelivery", "Moderation", "Notification",
    "OrderAmendment", "Organization", "PanelMember", "Payment", "PilotOrder", "Rating",
    "RedFlag", "Score",
    "StripeEvent", "Submission", "TaxonomyVersion", "TechnologyGroup", "User",
    "ChallengePhase", "PhaseCriterion", "PhaseResult", "PhaseScore",
]
