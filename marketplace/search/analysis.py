"""Vietnamese-first text analysis: NFC, diacritics folded (đ → d), lower case.

The same analyzer runs over documents and queries, so "ha noi" finds "Hà Nội",
"duong" finds "đường", and text typed in decomposed form (NFD) finds the same."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer

# A word: letters and digits, with any combining marks that decomposed input carries.
WORD = r"(?:\w|[\u0300-\u036f])+"

_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """Lower case without diacritics: 'Đường Hà Nội' → 'duong ha noi'."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_EXTRA))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).lower()


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """`fold` of one word, remembered: a language has far fewer distinct words than an
    index has tokens, so indexing folds each distinct word once."""
    return fold(word)


class FoldFilter(Filter):
    """Folds each token's text; positions and character offsets stay those of the
    original text, so highlighting marks the right words in the stored text."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_word(token.text)
            yield token


def vietnamese_analyzer():
    return RegexTokenizer(WORD) | LowercaseFilter() | FoldFilter()
