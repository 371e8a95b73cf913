"""Who may do what in the evaluation domain."""

from marketplace.policy.core import rule  # noqa: F401
