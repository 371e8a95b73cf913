"""Who may do what in the payments domain."""

from marketplace.policy.core import rule  # noqa: F401
