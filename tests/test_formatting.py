"""One formatting module: Vietnamese conventions on the Vietnamese page, English ones on
the English page, one date-time format, amounts in words."""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from babel import dates
from babel.numbers import format_decimal
from flask_babel import force_locale, get_timezone

from marketplace import formatting

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2026, 9, 2, 7, 30, tzinfo=UTC)  # 14:30 in Viet Nam


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", {"vnd": "1.500.000.000\xa0₫", "thousands": "1.500.000.000", "score": "79,50",
            "avg": "2,0", "dt": "14:30 02/09/2026", "date": "02/09/2026",
            "deadline": "14:30 02/09/2026 (giờ Việt Nam)"}),
    ("en", {"vnd": "₫1,500,000,000", "thousands": "1,500,000,000", "score": "79.50",
            "avg": "2.0", "dt": "2 Sep 2026, 14:30", "date": "2 Sep 2026",
            "deadline": "2 Sep 2026, 14:30 (Viet Nam time)"}),
])
def test_each_language_writes_its_own_way(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        got = {"vnd": formatting.vnd(1_500_000_000),
               "thousands": formatting.thousands(1_500_000_000),
               "score": formatting.score(Decimal("79.5")),
               "avg": formatting.score(2, 1),
               "dt": formatting.local_datetime(WHEN),
               "date": formatting.local_date(date(2026, 9, 2)),
               "deadline": formatting.deadline(WHEN)}
    assert got == expected


def test_named_formats_all_give_the_one_format(app):
    with app.test_request_context(), force_locale("vi"):
        assert {formatting.local_datetime(WHEN, f) for f in ("short", "medium", None)} == \
            {"14:30 02/09/2026"}


def _times() -> list[datetime]:
    """Instants around the edges of a day, month and year in Viet Nam (UTC+7) and in UTC,
    with and without microseconds, a leap day, the same instant in other zones, and
    naive values (taken as UTC)."""
    edges = [datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC),  # 23:59:59 in Viet Nam
             datetime(2026, 12, 31, 17, 0, tzinfo=UTC),  # 00:00 on 1 January there
             datetime(2027, 1, 1, 0, 0, tzinfo=UTC), datetime(2028, 2, 28, 17, 30, tzinfo=UTC),
             datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 16, 59, tzinfo=UTC),
             datetime(2026, 9, 2, 7, 30, 59, 999_999, tzinfo=UTC),
             datetime(2026, 9, 2, 14, 30, tzinfo=timezone(timedelta(hours=7))),
             datetime(2026, 9, 1, 21, 30, tzinfo=timezone(timedelta(hours=-3))),
             datetime(2026, 9, 2, 7, 30), datetime(2026, 12, 31, 17, 0)]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return edges + [start + timedelta(minutes=7919 * n, seconds=n) for n in range(300)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_times_are_written_as_babel_writes_them(app, lang):
    """local_datetime remembers what it wrote: each time (asked twice, and after the same
    instant in another zone or the other language) reads exactly as Babel writes it in
    Viet Nam's time, in the language's format or an explicit pattern."""
    patterns = [None, "yyyy-MM-dd'T'HH:mm:ssXXX", "EEEE d MMMM yyyy, HH:mm:ss.SSS"]
    with app.test_request_context():
        for other in ("en", "vi"):  # the other language first: nothing of it is reused
            with force_locale(other):
                for value in _times():
                    formatting.local_datetime(value)
        with force_locale(lang):
            zone = get_timezone()
            for _round in range(2):
                for value in _times():
                    for pattern in patterns:
                        babel = dates.format_datetime(
                            value, pattern or formatting.DATETIME_PATTERNS[lang], tzinfo=zone,
                            locale=lang)
                        assert formatting.local_datetime(value, pattern) == babel, (value, pattern)


def _figures() -> list:
    """Scores, averages and counts as pages pass them: ints, floats, Decimals with
    trailing zeros, values equal across types (79.5, Decimal("79.50"); 1, 1.0), rounding
    edges, negatives, large ones."""
    values = [0, 1, 1.0, Decimal("1.000"), 79.5, Decimal("79.50"), Decimal("79.5"), 2.675,
              Decimal("2.675"), 0.005, Decimal("0.005"), 99.995, -3.25, Decimal("-0.5"),
              1234567.891, Decimal("1234567.8915"), 10**12, 1e-7]
    return values + [Decimal(n) / 7 for n in range(1, 200)] + [n / 3 for n in range(200)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_figures_are_written_as_babel_writes_them(app, lang):
    """number remembers what it wrote: each figure (asked twice, after the other language,
    and after a value equal to it of another type) reads exactly as Babel writes it in the
    language, with fixed decimals or as many as it has."""
    with app.test_request_context():
        with force_locale("en" if lang == "vi" else "vi"):
            for value in _figures():
                formatting.number(value, 2)
        with force_locale(lang):
            for _round in range(2):
                for value in _figures():
                    assert formatting.number(value) == format_decimal(value, locale=lang)
                    for digits in (0, 1, 2, 3):
                        pattern = "#,##0" + ("." + "0" * digits if digits else "")
                        babel = format_decimal(Decimal(str(value)), format=pattern,
                                               locale=lang)
                        assert formatting.number(value, digits) == babel, (value, digits)
                        if digits == 2:
                            assert formatting.score(value) == babel


def test_labels_follow_the_language_of_each_request(app):
    """A status's label, remembered per catalogue, is still the current language's."""
    from marketplace.challenges.models import ChallengeStatus
    from marketplace.labels import label

    with app.test_request_context():
        for lang, draft, open_ in [("vi", "Bản nháp", "Đang nhận giải pháp"),
                                   ("en", "Draft", "Open for solutions")] * 2:
            with force_locale(lang):
                assert [label(ChallengeStatus.DRAFT), label(ChallengeStatus.PUBLISHED)] == \
                    [draft, open_], lang
        assert label(None) == "" and label("x") == "x"


def test_nothing_is_shown_as_none(app):
    with app.test_request_context():
        assert {formatting.score(None), formatting.vnd(None), formatting.local_datetime(None),
                formatting.deadline(None), formatting.amount_in_words_or_dash(None)} == {"—"}


@pytest.mark.parametrize(("amount", "words"), [
    (1_500_000_000, "Một tỷ năm trăm triệu đồng"),
    # num2words alone says "một triệu năm nghìn" and "hai nghìn lẻ mười lăm"
    (1_005_000, "Một triệu không trăm lẻ năm nghìn đồng"),
    (2_015, "Hai nghìn không trăm mười lăm đồng"),
    (1_000_000_001, "Một tỷ không trăm lẻ một đồng"),
    (1_021_000, "Một triệu không trăm hai mươi mốt nghìn đồng"),
    (150_000_000, "Một trăm năm mươi triệu đồng"),
    (105_000_000_000, "Một trăm lẻ năm tỷ đồng"),
    # from a thousand tỷ on, counted in tỷ (num2words: "một nghìn tỷ năm trăm tỷ")
    (1_500_000_000_000, "Một nghìn năm trăm tỷ đồng"),
    (2_000_000_500_000, "Hai nghìn tỷ năm trăm nghìn đồng"),
    (0, "Không đồng"),
])
def test_amounts_in_words(amount, words):
    assert formatting.amount_in_words(amount) == words


@pytest.mark.parametrize("amount", [-1, 10**15])
def test_amounts_without_words_are_refused(amount):
    with pytest.raises(ValueError):
        formatting.amount_in_words(amount)


def test_no_code_formats_numbers_by_hand():
    """Thousands separators come from the formatting module, never from `f"{x:,}"`."""
    by_hand = re.compile(r":,\}[^\n]*\.replace\(")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "marketplace").rglob("*.py")
                 if p.name != "formatting.py" and by_hand.search(p.read_text())]
    assert offenders == []


def test_each_deadline_of_a_challenge_says_viet_nam_time_not_the_zone(app, client, session):
    from tests.security.world import build_world

    world = build_world(session)
    page = client.get(f"/challenges/{world.open.id}").get_data(as_text=True)
    assert "Asia/Ho_Chi_Minh" not in page
    # both deadlines of an open challenge, each once: the bids' and the questions'
    for label in ("Hạn nộp giải pháp", "Hạn đặt câu hỏi"):
        shown = re.search(label + r"</dt>\s*<dd>([^<]*)<", page)
        assert shown, label
        assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4} \(giờ Việt Nam\)( \(.*\))?",
                            shown.group(1).strip()), (label, shown.group(1))
    assert page.count("(giờ Việt Nam)") == 2


def test_binding_amounts_are_shown_in_words(app, client, session):
    from flask import url_for

    from tests.security.world import build_world

    world = build_world(session)
    with app.test_request_context():
        award = url_for("evaluation.award_page", challenge_id=world.awarded.id)
        order = url_for("orders.show", order_id=world.active.id)
    for path, amount in ((award, world.award.total_amount), (order, world.active.value)):
        page = client.get(path).get_data(as_text=True)
        assert f"Bằng chữ: {formatting.amount_in_words(amount)}" in page, path


def test_every_deadline_says_viet_nam_time(app, session):
    """Each deadline a page shows says "giờ Việt Nam" once: beside it, or once in the
    column heading of a table of deadlines (issue 13)."""
    from tests.security.matrix import Clients
    from tests.security.world import build_world

    world = build_world(session)
    session.commit()
    clients = Clients(app, app.test_client())

    def page(user, path):
        response = clients.for_user(user).get(path)
        assert response.status_code == 200, path
        return response.get_data(as_text=True)

    listed = page(None, "/challenges/")
    times = re.findall(r"\d\d:\d\d \d\d/\d\d/\d{4}( \(giờ Việt Nam\))?", listed)
    assert times and all(times), "a deadline on /challenges/ without its time zone"
    assert "<th scope=\"col\">Hạn nộp giải pháp (giờ Việt Nam)</th>" in \
        page(world.solver_owner, "/submissions/")
    assert "<th scope=\"col\">Hạn nộp giải pháp (giờ Việt Nam)</th>" in \
        page(world.officer, "/challenges/mine")
    assert "Hạn trả lời (giờ Việt Nam)" in page(None, "/complaints/")
    decided = page(None, f"/complaints/{world.decided_complaint.id}")
    assert re.search(r"Hạn trả lời</dt><dd>\d\d:\d\d \d\d/\d\d/\d{4} \(giờ Việt Nam\)", decided)
    awarded = page(None, f"/challenges/{world.protest.challenge.id}")
    assert re.search(r"đến \d\d:\d\d \d\d/\d\d/\d{4} \(giờ Việt Nam\)", awarded)
