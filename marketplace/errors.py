"""Domain errors. Rules raise them; views turn them into messages or status codes."""


class DomainError(Exception):
    """A rule refused a change. `message` is already translated for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this."""


class InvalidTransition(DomainError):
    """The object's lifecycle does not allow this change from its current state."""
