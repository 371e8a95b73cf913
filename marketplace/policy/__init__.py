"""Authorization in one place: `can(user, action, obj)`.

Each domain's rules live in a module of this package and register themselves in
`core`. Views, templates and lifecycle transitions all ask `can` or `require`; nothing
else decides who may do what."""

from marketplace.policy import (  # noqa: F401  (each module registers its rules)
    accounts,
    alerts,
    challenges,
    complaints,
    documents,
    drafts,
    evaluation,
    existence,
    feedback,
    files,
    notifications,
    orders,
    outcomes,
    payments,
    phases,
    scorecards,
    submissions,
    transparency,
)
from marketplace.policy.core import actions, can, require, rule
from marketplace.policy.existence import knows

__all__ = ["actions", "can", "knows", "require", "rule"]
