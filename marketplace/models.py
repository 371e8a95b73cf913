"""Every domain's models, imported in one place so that the mapper registry and
Alembic's autogenerate see the whole schema."""

from marketplace.accounts.models import Invitation, Membership, Organization, User
from marketplace.audit.models import AuditEvent
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup

__all__ = [
    "AuditEvent", "Invitation", "Membership", "Organization", "TaxonomyVersion",
    "TechnologyGroup", "User",
]
