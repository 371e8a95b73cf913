"""One money field: budget, price, award amount, order value and milestone amount accept
the same inputs and refuse the same ones with the same Vietnamese message."""

import importlib
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm

from marketplace import forms as site_forms
from marketplace.challenges.forms import ChallengeForm, FilterForm
from marketplace.forms import MONEY_MAX, MoneyField, parse_money
from marketplace.orders.forms import AmendmentForm, MilestoneRow, OrderForm
from marketplace.submissions.forms import SubmissionForm
from tests.evaluation_factories import make_evaluation, score_everything
from tests.security.matrix import login

ACCEPTED = ["1500000000", "1.500.000.000", "1.500.000.000 đ", "1.500.000.000 đồng",
            "1,500,000,000", "1 500 000 000", " 1.500.000.000 ", "1\u00a0500\u00a0000\u00a0000 ₫",
            "1.500.000.000đ", "1.500.000.000 VND"]
REFUSED = ["abc", "-1500000000", "1.5", "1.500,50", "15.00.000", "1.500 000.000",
           "đ 1.500.000", "1e9", "1.500.000.000 USD"]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted(text):
    assert parse_money(text) == 1_500_000_000


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text):
    with pytest.raises(ValueError, match="Enter a whole number of đồng"):
        parse_money(text)


@pytest.mark.parametrize("text", ["1.000.000.000.000.001", "9" * 25, "9223372036854775808"])
def test_more_than_the_largest_amount_is_refused(text):
    with pytest.raises(ValueError, match="Enter at most 1.000.000.000.000.000 đồng"):
        parse_money(text)


def test_the_largest_amount_is_accepted():
    assert parse_money("1.000.000.000.000.000 đ") == MONEY_MAX == 10**15


@pytest.mark.parametrize("text", ["-5", "1e9", "một tỷ", "9" * 25])
def test_an_amount_that_does_not_read_gets_one_message(app, text):
    class PriceForm(FlaskForm):  # the submission form's price field and its validators
        proposed_price = SubmissionForm.proposed_price

    with app.test_request_context(method="POST", data={"proposed_price": text}):
        form = PriceForm(meta={"csrf": False})
        form.validate()
    assert len(form.proposed_price.errors) == 1, form.proposed_price.errors


@pytest.mark.parametrize("field, text", [(SubmissionForm.trl, "abc"),
                                         (ChallengeForm.min_evaluators, "1,5"),
                                         (ChallengeForm.pilot_duration_months, "sáu")])
def test_a_number_that_does_not_read_gets_one_message(app, field, text):
    class NumberForm(FlaskForm):
        number = field

    with app.test_request_context(method="POST", data={"number": text}):
        form = NumberForm(meta={"csrf": False})
        form.validate()
    assert len(form.number.errors) == 1, form.number.errors


def test_every_number_field_of_the_site_is_the_house_one():
    """WTForms' own IntegerField and DecimalField show two messages for "abc"."""
    import marketplace

    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        if module.name.endswith(".forms"):
            source = importlib.import_module(module.name)
            for name in ("IntegerField", "DecimalField"):
                used = getattr(source, name, None)
                assert used in (None, getattr(site_forms, name)), (module.name, name)


def test_blank_is_no_amount():
    assert parse_money("") is None and parse_money("  ") is None


def test_every_money_input_is_the_one_money_field():
    fields = [ChallengeForm.budget_ceiling, FilterForm.budget_min, FilterForm.budget_max,
              SubmissionForm.proposed_price, OrderForm.value, AmendmentForm.value,
              MilestoneRow.amount]
    assert all(f.field_class is MoneyField for f in fields)


def test_the_award_amount_is_a_text_field_prefilled_with_the_price(app, session):
    world = make_evaluation(session, submissions=2, prices=[1_500_000_000, 900_000_000])
    score_everything(session, world, [[[9, 9, 9], [7, 7, 7]], [[9, 9, 9], [7, 7, 7]]])
    session.flush()
    client = login(app, world.officer)
    page = client.get(f"/evaluation/challenges/{world.challenge.id}/award"
                      ).get_data(as_text=True)
    first = world.submissions[0]
    field = re.search(rf'<input[^>]*name="amount_{first.id}"[^>]*>', page).group(0)
    assert 'type="text"' in field
    assert 'value="1.500.000.000"' in field
    assert "Bằng chữ: Một tỷ năm trăm triệu đồng" in page  # the entered amount, in words
    assert "Vui lòng" not in page
