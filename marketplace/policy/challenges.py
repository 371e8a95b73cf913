"""Who may do what in the challenges domain."""

from marketplace.policy.core import rule  # noqa: F401
