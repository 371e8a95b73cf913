"""Who may do what in the notifications domain."""

from marketplace.policy.core import rule  # noqa: F401
