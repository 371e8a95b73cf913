"""Who may do what in the files domain."""

from marketplace.policy.core import rule  # noqa: F401
