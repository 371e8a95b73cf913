"""Human names for every status, kind and role, in the user's language.

Each domain registers the names of its enums next to their definitions; templates use
the `label` filter: `{{ org.status|label }}`."""

from __future__ import annotations

from enum import StrEnum
from weakref import WeakKeyDictionary

from marketplace.babel_context import translations

_LABELS: dict[tuple[str, str], object] = {}
# the names already translated, per catalogue (the request's language): a list page shows
# the same few statuses row after row, and each lazy name looked its catalogue up and
# translated itself again (about 8 us a row). Weak: a catalogue that goes away takes its
# names with it.
_TRANSLATED: WeakKeyDictionary = WeakKeyDictionary()


def register(enum_cls: type[StrEnum], names: dict) -> None:
    missing = [m for m in enum_cls if m not in names]
    if missing:
        raise RuntimeError(f"no label for {missing}")
    for member, name in names.items():
        _LABELS[(enum_cls.__name__, member.value)] = name


def label(value) -> str:
    if isinstance(value, StrEnum):
        key = (type(value).__name__, value.value)
        name = _LABELS.get(key)
        if name is not None:
            return _translated(key, name)
        return value.value
    return "" if value is None else str(value)


def _translated(key: tuple[str, str], name) -> str:
    """`str(name)` (a lazy string: its text in the catalogue of the current language),
    remembered per catalogue (`babel_context.translations`, the one it translates with)."""
    catalogue = translations()
    try:
        names = _TRANSLATED[catalogue]
    except KeyError:
        names = _TRANSLATED[catalogue] = {}
    except TypeError:  # a catalogue without weak references: nothing remembered
        return str(name)
    text = names.get(key)
    if text is None:
        text = names[key] = str(name)
    return text
