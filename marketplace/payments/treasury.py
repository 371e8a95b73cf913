"""What a State Treasury (Kho bạc Nhà nước, KBNN) payment carries, and its checks.

A public agency pays a supplier through the State Treasury: it sends a payment order
(giấy rút dự toán / ủy nhiệm chi) that names the budget unit paying — by its code, the
*mã đơn vị có quan hệ với ngân sách* (mã ĐVQHNS), seven digits (Thông tư
185/2015/TT-BTC) — with the order's number, date and amount, and the Treasury office executes it.
The site records exactly those facts; the beneficiary's bank account is not asked for,
so it is never stored nor published.

`check` is the rule (the payments service calls it); the form runs the same checks
field by field (`problems`) so that every wrong field is shown at once."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.i18n import vnd

BUDGET_UNIT_CODE = re.compile(r"[0-9]{7}")
TREASURY_MAX = 200
ORDER_NUMBER_MAX = 50
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class TreasuryPayment:
    """One executed Treasury payment order. `amount` in integer đồng; `order_date` the
    date on the payment order; `treasury` the name of the Treasury office that paid."""

    treasury: str
    budget_unit_code: str
    order_number: str
    order_date: date | None
    amount: int | None

    def normalized(self) -> TreasuryPayment:
        """Blanks collapsed, control and format characters (NUL, bidi overrides) dropped,
        text in NFC; the code without spaces (`1 234 567`)."""

        def clean(text: str | None) -> str:
            text = unicodedata.normalize("NFC", text or "")
            text = "".join(" " if char.isspace() else char for char in text
                           if char.isspace() or unicodedata.category(char)[0] != "C")
            return _SPACES.sub(" ", text).strip()

        return replace(self, treasury=clean(self.treasury),
                       budget_unit_code=_SPACES.sub("", clean(self.budget_unit_code)),
                       order_number=clean(self.order_number))


def problems(record: TreasuryPayment, *, amount_due: int, paid_on: date | None,
             today: date) -> list[DomainError]:
    """Every refusal for this record, one per field (field names as in the payment form:
    `treasury`, `budget_unit_code`, `order_number`, `order_date`, `amount`, `paid_on`).
    `amount_due` is the milestone's amount in đồng; `today` the local date in Vietnam."""
    record = record.normalized()
    found: list[DomainError] = []
    if not record.treasury:
        found.append(DomainError(_("Enter the State Treasury office that executed the payment, "
                                   "e.g. Kho bạc Nhà nước Đà Nẵng."), field="treasury"))
    elif len(record.treasury) > TREASURY_MAX:
        found.append(DomainError(_("The Treasury's name may have at most %(n)d characters.",
                                   n=TREASURY_MAX), field="treasury"))
    if not record.budget_unit_code:
        found.append(DomainError(_("Enter the budget unit code (mã ĐVQHNS) shown on the payment "
                                   "order."), field="budget_unit_code"))
    elif not BUDGET_UNIT_CODE.fullmatch(record.budget_unit_code):
        found.append(DomainError(_("The budget unit code (mã ĐVQHNS) has exactly 7 digits, "
                                   "e.g. 1012345."), field="budget_unit_code"))
    if not record.order_number:
        found.append(DomainError(_("Enter the payment order's number."), field="order_number"))
    elif len(record.order_number) > ORDER_NUMBER_MAX:
        found.append(DomainError(_("The payment order's number may have at most %(n)d "
                                   "characters.", n=ORDER_NUMBER_MAX), field="order_number"))
    if record.order_date is None:
        found.append(DomainError(_("Enter the payment order's date."), field="order_date"))
    elif record.order_date > today:
        found.append(DomainError(_("The payment order's date may not be in the future."),
                                 field="order_date"))
    elif paid_on is not None and record.order_date > paid_on:
        found.append(DomainError(_("The payment order cannot be dated after the day the "
                                   "Treasury paid it."), field="order_date"))
    if record.amount is None:
        found.append(DomainError(_("Enter the amount on the payment order."), field="amount"))
    elif record.amount != amount_due:
        found.append(DomainError(
            _("The amount on the payment order must be the milestone's amount, %(amount)s.",
              amount=vnd(amount_due)), field="amount"))
    if paid_on is None:
        found.append(DomainError(_("Enter the date the Treasury paid."), field="paid_on"))
    elif paid_on > today:
        found.append(DomainError(_("The transfer date may not be in the future."),
                                 field="paid_on"))
    return found


def check(record: TreasuryPayment, *, amount_due: int, paid_on: date | None,
          today: date) -> TreasuryPayment:
    """The normalized record, or the first refusal as a `DomainError` naming its field."""
    found = problems(record, amount_due=amount_due, paid_on=paid_on, today=today)
    if found:
        raise found[0]
    return record.normalized()
