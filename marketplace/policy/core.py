"""The policy registry: each domain's rules register with `@rule("domain.action")`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from werkzeug.local import LocalProxy

from marketplace.errors import NotAllowed

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        if action in _RULES:
            raise RuntimeError(f"policy rule {action!r} defined twice")
        _RULES[action] = fn
        return fn

    return register


def _is_active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can(user, action: str, obj: Any = None) -> bool:
    try:
        check = _RULES[action]
    except KeyError:
        raise LookupError(f"no policy rule for {action!r}") from None
    if isinstance(user, LocalProxy):  # `current_user`: the rule reads the user, not the proxy
        user = user._get_current_object()
    if not _is_active(user):
        user = None
    return bool(check(user, obj))


def require(user, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def actions() -> list[str]:
    return sorted(_RULES)
