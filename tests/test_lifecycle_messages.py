"""The message of a refused status change names the statuses as the user reads them
(their labels, in the page's language), never the enum values: the second click on a
form already sent (the back button, a double submit) meets it."""

from io import BytesIO

import pytest
from flask_babel import force_locale

from marketplace.errors import InvalidTransition
from marketplace.lifecycle import Lifecycle, Transition
from marketplace.orders.models import MilestoneStatus
from tests.orders_factories import make_order

PDF = b"%PDF-1.4 bien ban nghiem thu"


def test_a_second_delivery_of_the_same_milestone_says_so_in_vietnamese(session, client, login):
    order = make_order(session)
    milestone = order.milestones[0]
    session.commit()
    login(order.parties.member)
    url = f"/orders/{order.id}/milestones/{milestone.id}/deliver"
    for expected in (302, 400):  # the second: the back button, then "Report" again
        response = client.post_form(url, {"notes": "Đã bàn giao báo cáo khảo sát.",
                                          "files": (BytesIO(PDF), "bien-ban.pdf")},
                                    content_type="multipart/form-data")
        assert response.status_code == expected
    page = response.get_data(as_text=True)
    assert "Việc này đã được thực hiện: trạng thái hiện đã là “Đã bàn giao”." in page
    assert "delivered" not in page


def test_an_impossible_change_names_both_statuses_by_their_labels(app):
    table = Lifecycle("milestone", [Transition(MilestoneStatus.PLANNED,
                                               MilestoneStatus.DELIVERED, "milestone.deliver")])
    with (app.test_request_context(), force_locale("vi"),
          pytest.raises(InvalidTransition) as refused):
        table.find(MilestoneStatus.PAID, MilestoneStatus.PLANNED)
    assert refused.value.message == "Không thể chuyển trạng thái: Đã thanh toán → Theo kế hoạch."
