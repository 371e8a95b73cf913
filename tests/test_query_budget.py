"""A query budget on every page (issue 21): each page of the access-matrix world, requested
by its legitimate party (the visitor for public pages), runs at most `BUDGET` SQL
statements (`REPORT_BUDGET` for the evaluation report), and no more once the world has
grown — more submissions, evaluators, milestones, users and rows listed. Measured cold:
no page cache."""

from __future__ import annotations

import pytest

from marketplace import cache
from tests.security.matrix import OK, Clients, build_url, resolve
from tests.security.test_access_matrix import TABLE
from tests.security.world import build_world
from tests.statements import count_statements

BUDGET = 10
REPORT_BUDGET = 12
LARGER = {"evaluation.report_page", "evaluation.report_csv"}  # allowed REPORT_BUDGET
# Pages still above the budget, each at a fixed count (not growing: asserted below) — the
# work left of issue 21, with the statements each runs today. Lower a number, never raise.
KNOWN_OVER: dict[str, int] = {}


def _measure(app, client, session, world) -> dict[str, int]:
    clients = Clients(app, client)
    counts = {}
    for case in TABLE:
        if case.get is None or case.get["owner"] != OK:
            continue
        url = build_url(app, world, case).replace("OPEN", str(world.open.id))
        response, n = count_statements(clients.for_user(resolve(world, case.owner)), url)
        response.close()
        session.expire_all()
        if response.status_code == 200:
            counts[case.name] = n

    return counts


@pytest.fixture
def no_page_cache(app):
    original, ttl = app.extensions["cache"], app.config["CACHE_VERSION_TTL"]
    app.extensions["cache"] = cache.NullCache()
    # a page that reads the data version (the API's ETag) reads it on every request, not
    # from the process's copy of the last second: counts that do not depend on the clock
    app.config["CACHE_VERSION_TTL"] = 0
    try:
        yield
    finally:
        app.extensions["cache"] = original
        app.config["CACHE_VERSION_TTL"] = ttl


def _grow(session, world) -> None:
    """More of everything a page lists: submissions under evaluation (with their
    organizations and members), evaluators on the panel, users, consortium partners."""
    from marketplace.evaluation import services as evaluation
    from marketplace.submissions.models import SubmissionStatus
    from marketplace.types import utcnow
    from tests import factories

    for _n in range(6):
        factories.make_submission(session, challenge=world.evaluating,
                                  status=SubmissionStatus.OPENED, opened_at=utcnow())
    for _n in range(4):
        evaluation.appoint(session, world.officer, world.evaluating,
                           factories.make_user(session).email)
    for _n in range(6):
        factories.make_user(session)
    session.commit()


def test_every_page_keeps_its_budget_as_the_data_grows(app, client, session, no_page_cache):
    world = build_world(session)
    session.commit()
    small = _measure(app, client, session, world)
    _grow(session, world)
    large = _measure(app, client, session, world)
    grew = {name: (small[name], n) for name, n in large.items()
            if name in small and n > small[name]}
    assert not grew, f"pages whose statements grow with the data (small, large): {grew}"
    over = {name: n for name, n in large.items()
            if n > (REPORT_BUDGET if name.split("[")[0] in LARGER else BUDGET)
            and KNOWN_OVER.get(name, 0) < n}
    assert not over, f"pages over their budget of statements: {over}"
    assert len(small) > 80  # every page the matrix world can show its owner


def test_a_blind_scoring_page_keeps_its_budget_as_the_bidder_grows(app, client, session,
                                                                     no_page_cache):
    """Under blind review the scoring page reads the names to hide (every member of the
    bidder and its partners): one statement for 1 member or 7 (it was one more per member,
    the `users` lazy load of each membership), and the chair's page (the standing) too;
    the names are still hidden."""
    from marketplace.accounts.models import MemberRole, Membership
    from tests import factories

    world = build_world(session)
    world.evaluating.blind_review = True
    session.commit()
    clients = Clients(app, client)
    url = f"/evaluation/submissions/{world.evaluated.id}"

    def measure():
        response, n = count_statements(clients.for_user(world.evaluator), url)
        html = response.get_data(as_text=True)
        response.close()
        session.expire_all()
        assert response.status_code == 200
        return n, html

    small, _html = measure()
    members = [factories.make_user(session, full_name=f"Thành viên Ẩn Danh {n}")
               for n in range(6)]
    session.add_all(Membership(user=user, organization_id=world.evaluated.organization_id,
                               role=MemberRole.MEMBER) for user in members)
    world.evaluated.summary = f"Nhóm do {members[3].full_name} dẫn dắt."
    session.commit()
    large, html = measure()
    assert large == small <= BUDGET, (small, large)
    assert members[3].full_name not in html and "Nhóm do […] dẫn dắt." in html


def test_a_completed_orders_page_keeps_its_budget_with_12_delivered_paid_milestones(
        app, client, session, no_page_cache):
    """The parties' page of a completed pilot — deliveries with files, payments, the
    transfer dates, the outcome, follow-ons, signatures — at 1 paid milestone and at 12,
    each delivered with a file (the benchmark's data: 13 statements before, the files,
    the transfer dates and the outcome each read apart)."""
    from marketplace.orders.models import MilestoneDelivery
    from tests import transparency_factories
    from tests.security.world import _attach

    world = build_world(session)
    session.commit()
    order, officer = world.completed, world.completed.parties.officer
    clients = Clients(app, client)

    def measure():
        response, n = count_statements(clients.for_user(officer), f"/orders/{order.id}")
        html = response.get_data(as_text=True)
        response.close()
        session.expire_all()
        assert response.status_code == 200
        return n, html

    small, _html = measure()
    for n in range(11):
        milestone = transparency_factories.make_paid_milestone(session, order, amount=1)
        delivery = MilestoneDelivery(milestone_id=milestone.id, notes=f"Bàn giao số {n}",
                                     delivered_by_id=officer.id)
        session.add(delivery)
        session.flush()
        _attach(session, officer, "delivery_id", delivery.id, name=f"ban-giao-{n}.pdf")
    session.commit()
    large, html = measure()
    assert large == small <= BUDGET, (small, large)
    assert "ban-giao-10.pdf" in html and "Bàn giao số 10" in html
