"""Numbers, money, dates and amounts in words, the way the reader's language writes them.

Every figure the site shows goes through this module (templates through its filters):

- Vietnamese: dotted thousands and a decimal comma ("1.500.000.000 ₫", "79,50"), times as
  "14:30 02/09/2026"; English: "₫1,500,000,000", "79.50", "2 Sep 2026, 14:30". The
  language is the current request's (`flask_babel.get_locale`).
- Times are stored as aware UTC and always shown in Viet Nam's time (Asia/Ho_Chi_Minh,
  `BABEL_DEFAULT_TIMEZONE`); where a deadline is shown, `deadline` says so once
  ("giờ Việt Nam") — the zone's technical name is never shown.
- `amount_in_words` writes a binding amount in Vietnamese words, as contracts and payment
  documents do ("Một tỷ năm trăm triệu đồng"), with num2words.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale, dates
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern
from flask import Flask
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from markupsafe import Markup
from num2words import num2words

from marketplace.babel_context import babel_context, current_locale

# Babel (CLDR) patterns of the one date-time format of the site, per language.
DATETIME_PATTERNS = {"vi": "HH:mm dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
# Named formats ("short", "medium", …) other code passes: all mean the site's one format.
NAMED_FORMATS = {None, "short", "medium", "long", "full"}


def language() -> str:
    """'vi' or 'en': the language of the current request (Vietnamese outside one)."""
    locale = current_locale()
    return locale.language if locale is not None else "vi"


# A page formats dozens of figures: Babel would parse the language's name and the number
# pattern again for each. The same Locale and NumberPattern objects serve every call.
@cache
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


@cache
def _number_pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def _reader_locale() -> Locale:
    return _locale(language())


def vnd(amount: int | None) -> str:
    """An integer amount of đồng: "1.500.000.000 ₫" (vi), "₫1,500,000,000" (en); "—" for
    None."""
    if amount is None:
        return "—"
    return _vnd(int(amount), language())


@lru_cache(maxsize=4096)
def _vnd(amount: int, language: str) -> str:
    """Babel's currency formatting (about 0.1 ms an amount: the currency's digits and
    pattern looked up each time), remembered for the amounts pages show again."""
    return format_currency(amount, "VND", locale=_locale(language))


def thousands(amount: int | None) -> str:
    """A whole number with the language's thousands separator and no currency: what a
    money field shows ("1.500.000.000" in Vietnamese); "" for None."""
    if amount is None:
        return ""
    return format_decimal(int(amount), format=_number_pattern("#,##0"), locale=_reader_locale())


def vietnamese_thousands(amount: int) -> str:
    """1500000000 → "1.500.000.000": Vietnamese digit grouping whatever the reader's
    language, for what is always written in Vietnamese (official documents, OCDS text)."""
    return format_decimal(int(amount), format=_number_pattern("#,##0"), locale=_locale("vi"))


def number(value, digits: int | None = None) -> str:
    """A number in the reader's conventions: `digits` fixed decimal places
    (number(79.5, 2) → "79,50" in Vietnamese, "79.50" in English), or as many as it has
    (up to 3) when None; "—" for None."""
    if value is None:
        return "—"
    return _number(value, digits, language())


@lru_cache(maxsize=4096)
def _number(value, digits: int | None, language: str) -> str:
    """Babel's decimal formatting (about 35 us a figure: a panel page shows some thirty
    scores), remembered for the figures pages show again. Values equal as keys (79.5 and
    Decimal("79.50"), 1 and 1.0) are the same number, which Babel writes the same way."""
    if digits is None:
        return format_decimal(value, locale=_locale(language))
    pattern = _number_pattern("#,##0" + ("." + "0" * digits if digits else ""))
    return format_decimal(Decimal(str(value)), format=pattern, locale=_locale(language))


def local_datetime(value: datetime | None, fmt: str | None = None) -> str:
    """An aware time in Viet Nam's time, in the site's one format ("14:30 02/09/2026");
    `fmt` may still give an explicit CLDR pattern (feeds, exports). "—" for None."""
    if value is None:
        return "—"
    if fmt in NAMED_FORMATS:
        fmt = DATETIME_PATTERNS.get(language(), DATETIME_PATTERNS["en"])
    context = babel_context()
    if context is not None:
        locale, zone = context.get("babel_locale"), context.get("babel_tzinfo")
        if locale is not None and zone is not None:
            return _zoned_datetime(value, fmt, zone, locale)
    return format_datetime(value, fmt)


@lru_cache(maxsize=4096)
def _zoned_datetime(value: datetime, fmt: str, zone, locale: Locale) -> str:
    """What flask_babel.format_datetime does once it has chosen the zone and locale,
    remembered for the times pages show again (Babel converts the zone and formats the
    pattern field by field on every call: about 20 us a time, twenty times on a list).
    Equal keys give the same text: two aware datetimes are equal only at the same
    instant, which the zone writes the same way; a naive one (Babel takes it as UTC)
    never equals an aware one."""
    return dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)


def local_date(value: date | datetime | None) -> str:
    """A date ("02/09/2026" in Vietnamese); a datetime is taken in Viet Nam's time."""
    if value is None:
        return "—"
    return format_date(value, DATE_PATTERNS.get(language(), DATE_PATTERNS["en"]))


def deadline(value: datetime | None) -> str:
    """A deadline, saying once that it is Viet Nam's time: "17:00 02/09/2026 (giờ Việt
    Nam)"."""
    if value is None:
        return "—"
    return _("%(time)s (Viet Nam time)", time=local_datetime(value))


# num2words (lang="vi") reads 1,005,000 as "một triệu năm nghìn" and 2,015 as "hai nghìn
# lẻ mười lăm", where Vietnamese contracts and payment orders write every group after the
# first with its hundreds ("một triệu không trăm lẻ năm nghìn", "hai nghìn không trăm mười
# lăm"), and it is wrong from 10^15 on (5·10^15 comes out as "năm trăm nghìn tỷ"). So each
# group of three digits is written by num2words with its scale word, the hundreds added
# where num2words leaves them out, and amounts from 10^15 đồng on are refused.
AMOUNT_IN_WORDS_LIMIT = 10**15


def _words_below_a_billion(number: int, leading: bool) -> str:
    """0 < number < 10^9 in words, group by group of three digits."""
    groups = []
    power = 0
    while number:
        number, group = divmod(number, 1000)
        groups.append((group, power))
        power += 1
    return " ".join(_group_words(group, power, leading=leading and index == 0)
                    for index, (group, power) in enumerate(reversed(groups)) if group)


def _group_words(group: int, power: int, leading: bool) -> str:
    words = num2words(group * 1000**power, lang="vi")
    if not leading and group < 100:
        words = ("không trăm lẻ " if group < 10 else "không trăm ") + words
    return words


@lru_cache(maxsize=4096)
def amount_in_words(amount: int) -> str:
    """An amount of đồng in Vietnamese words, first letter capitalised, ending in "đồng"
    (1_500_000_000 → "Một tỷ năm trăm triệu đồng"; 1_005_000 → "Một triệu không trăm lẻ
    năm nghìn đồng"). Always Vietnamese: it is the wording of the legal documents.

    Raises ValueError for a negative amount or one of 10^15 đồng or more (see above)."""
    amount = int(amount)
    if amount < 0 or amount >= AMOUNT_IN_WORDS_LIMIT:
        raise ValueError(f"no words for {amount} đồng")
    if amount == 0:
        return "Không đồng"
    # From a thousand tỷ on, Vietnamese counts in tỷ: 1,500,000,000,000 is "một nghìn năm
    # trăm tỷ", never num2words' "một nghìn tỷ năm trăm tỷ".
    billions, rest = divmod(amount, 10**9)
    parts = []
    if billions:
        parts.append(_words_below_a_billion(billions, leading=True) + " tỷ")
    if rest:
        parts.append(_words_below_a_billion(rest, leading=not billions))
    text = " ".join(parts) + " đồng"
    return text[0].upper() + text[1:]


def score(value, digits: int = 2) -> str:
    """A score or an average with fixed decimals: "79,50" (vi), "79.50" (en); "—" when there
    is none (never "None")."""
    return number(value, digits)


def amount_in_words_or_dash(amount: int | None) -> str:
    """The Jinja filter: `amount_in_words`, or "—" for None or an amount without words
    (negative, or from 10^15 đồng on: only a typed amount can be one)."""
    try:
        return "—" if amount is None else amount_in_words(amount)
    except ValueError:
        return "—"


def vnd_with_words(amount: int | None) -> Markup:
    """The Jinja filter for a binding amount (award, order value, milestone, payment): the
    amount, then on its own line in Vietnamese words ("Bằng chữ: Một tỷ năm trăm triệu
    đồng"); "—" for None."""
    if amount is None:
        return Markup("—")
    return Markup('{}<span class="d-block small text-body-secondary amount-in-words">{}'
                  "</span>").format(vnd(amount),
                                    _("In words: %(words)s", words=amount_in_words(amount)))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        vnd=vnd, number=number, thousands=thousands, local_datetime=local_datetime,
        local_date=local_date, deadline=deadline, in_words=amount_in_words_or_dash,
        score=score, vnd_with_words=vnd_with_words)
