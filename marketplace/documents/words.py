"""Amounts of đồng in Vietnamese words ("bằng chữ"), as official documents write them.

`num2words(n, lang="vi")` spells each group of three digits, but it reads a group below
one hundred after a larger unit as "lẻ": 2 024 becomes "hai nghìn lẻ hai mươi bốn",
where Vietnamese accounting writes "hai nghìn không trăm hai mươi bốn" (and 1 000 001
"một triệu không trăm lẻ một"). So the groups come from num2words and the units and the
"không trăm" of an inner group from here."""

from __future__ import annotations

from num2words import num2words

_UNITS = ("", "nghìn", "triệu")  # then "tỷ" repeats: a thousand tỷ is "nghìn tỷ"
_BILLION = 1_000_000_000


def _group(value: int, *, leading: bool) -> str:
    """0 < value < 1000; an inner group says its hundreds even when they are zero."""
    words = num2words(value, lang="vi")
    if leading or value >= 100:
        return words
    if value < 10:
        return f"không trăm lẻ {words}"
    return f"không trăm {words}"


def _below_billion(value: int, *, leading: bool) -> list[str]:
    parts: list[str] = []
    for index in (2, 1, 0):
        group = value // 1000 ** index % 1000
        if group == 0:
            continue
        parts.append(_group(group, leading=leading and not parts))
        if _UNITS[index]:
            parts.append(_UNITS[index])
    return parts


def number_in_words(amount: int) -> str:
    """A non-negative integer in Vietnamese words, lower case: 1_500_000_000 →
    "một tỷ năm trăm triệu", 2_024 → "hai nghìn không trăm hai mươi bốn",
    1_500_000_000_000 → "một nghìn năm trăm tỷ". Raises ValueError when negative."""
    if amount < 0:
        raise ValueError("negative amount")
    if amount == 0:
        return "không"
    high, low = divmod(amount, _BILLION)
    parts = [number_in_words(high), "tỷ"] if high else []
    parts += _below_billion(low, leading=not high)
    return " ".join(parts)


def dong_in_words(amount: int) -> str:
    """An amount of đồng as the line "Bằng chữ" writes it, capitalized, with its unit:
    250_000_000 → "Hai trăm năm mươi triệu đồng"."""
    words = number_in_words(amount)
    return f"{words[0].upper()}{words[1:]} đồng"
