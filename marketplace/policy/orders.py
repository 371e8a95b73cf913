"""Who may do what in the orders domain."""

from marketplace.policy.core import rule  # noqa: F401
