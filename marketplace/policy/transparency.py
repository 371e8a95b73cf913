"""Who may do what in the transparency domain."""

from marketplace.policy.core import rule  # noqa: F401
