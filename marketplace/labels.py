"""Human names for every status, kind and role, in the user's language.

Each domain registers the names of its enums next to their definitions; templates use
the `label` filter: `{{ org.status|label }}`."""

from __future__ import annotations

from enum import StrEnum

_LABELS: dict[tuple[str, str], object] = {}


def register(enum_cls: type[StrEnum], names: dict) -> None:
    missing = [m for m in enum_cls if m not in names]
    if missing:
        raise RuntimeError(f"no label for {missing}")
    for member, name in names.items():
        _LABELS[(enum_cls.__name__, member.value)] = name


def label(value) -> str:
    if isinstance(value, StrEnum):
        name = _LABELS.get((type(value).__name__, value.value))
        if name is not None:
            return str(name)
        return value.value
    return "" if value is None else str(value)
