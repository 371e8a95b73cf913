"""Text that cannot lie about itself: bidi controls and spreadsheet formulas.

- Bidi controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates,
  U+200E/U+200F marks, U+061C the Arabic letter mark) make "rtl\u202efdp.exe.pdf" show as a
  PDF. They are stripped from file names (`strip_bidi`), and user text that holds them is
  shown isolated (`isolate`, applied by the templates to every value they print), so it
  cannot reorder the page around it.
- A cell that a spreadsheet would run as a formula — starting with = + - @, a tab or a
  carriage return, their full-width forms ＝ ＋ － ＠, or a quote followed by one of them
  (`"=`) — gets a leading apostrophe (`neutral_cell`, the one function every CSV uses).
Source of the rules: issue 14, "text that lies"; OWASP "CSV injection"."""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate … pop directional isolate

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def has_bidi(text: str) -> bool:
    return bool(_BIDI.search(text))


def strip_bidi(text: str) -> str:
    """`text` without any bidi control character."""
    return _BIDI.sub("", text)


def isolate(value):
    """A value about to be printed by a template: a plain string (user text; never
    Markup, which the templates built) holding bidi controls is wrapped in a first-strong
    isolate (FSI … PDI), which ends every embedding and override opened inside it: the
    text shows as its author wrote it, and nothing around it moves. Other values are
    returned unchanged (so ordinary text gains no invisible characters)."""
    if type(value) is str and has_bidi(value):
        return FSI + value + PDI
    return value


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would read the cell `text` as a formula."""
    if text.startswith('"'):
        text = text[1:]
    return text.startswith(FORMULA_STARTS)


def neutral_cell(text: str) -> str:
    """`text` as a cell no spreadsheet runs: a leading apostrophe when `is_formula`."""
    return "'" + text if is_formula(text) else text


__all__ = ["BIDI_CONTROLS", "FORMULA_STARTS", "has_bidi", "isolate", "is_formula",
           "neutral_cell", "strip_bidi"]
