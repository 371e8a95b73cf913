"""Vietnamese-first text analysis: NFC, diacritics folded (đ → d), lower case.

The same analyzer runs over documents and queries, so "ha noi" finds "Hà Nội",
"duong" finds "đường", and text typed in decomposed form (NFD) finds the same."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, Token

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


def chained_analyzer():
    """The analyzer as three Whoosh steps (indexes built before `VietnameseTokenizer`
    keep it in their schema; the tests compare both)."""
    return RegexTokenizer(WORD) | LowercaseFilter() | FoldFilter()


class VietnameseTokenizer(RegexTokenizer):
    """`chained_analyzer` in one step: the same tokens (words lower-cased and folded, with
    the same positions and character offsets), without two generators per token — the
    analyzer runs over every word of every document a rebuild indexes."""

    def __init__(self) -> None:
        super().__init__(WORD)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = value
            token.text = fold_word(value.lower())
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, match in enumerate(self.expression.finditer(value)):
            word = match.group(0)
            token.text = fold_word(word.lower())
            token.boost = 1.0
            if keeporiginal:
                token.original = word
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token

    def positions(self, value: str) -> dict[str, list[int]]:
        """Each word of `value` (as `__call__` gives them, in index mode) with the positions
        it is found at: what an index of positions stores, without a token per word."""
        found: dict[str, list[int]] = {}
        for pos, match in enumerate(self.expression.finditer(value)):
            word = fold_word(match.group(0).lower())
            at = found.get(word)
            if at is None:
                found[word] = [pos]
            else:
                at.append(pos)
        return found


def vietnamese_analyzer():
    return VietnameseTokenizer()
