"""Who may do what in the submissions domain."""

from marketplace.policy.core import rule  # noqa: F401
