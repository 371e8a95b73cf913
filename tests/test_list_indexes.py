"""Costs that stay flat (issue 21): the officer's "my challenges" and the public list
filtered by province read the challenges through an index, not by sorting or scanning
the table — what the realistic mix at 100,000 challenges found (my challenges' p50 grew
1.5× from 1,000 to 100,000; the province filter's count read the whole table, 81 ms).
On SQLite the plan of each statement the page runs is read (`EXPLAIN QUERY PLAN`); on
PostgreSQL, whose planner prefers a scan of a test's few rows, the indexes' columns."""

from __future__ import annotations

from sqlalchemy import inspect, text

from marketplace.accounts.models import MemberRole
from marketplace.extensions import db
from tests import factories
from tests.statements import capture_statements

INDEXES = {("agency_id", "created_at", "id"), ("province", "status", "published_at")}


def _plans(statements, where: str) -> list[str]:
    """The SQLite plan of each statement whose text holds `where`, one string each."""
    connection = db.session.connection()
    plans = []
    for statement, parameters in statements:
        if where not in statement:
            continue
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        plans.append(" | ".join(row[-1] for row in rows))
    return plans


def test_my_challenges_and_a_province_read_an_index(client, session, login):
    officer = factories.make_user(session)
    agency = factories.make_org(session, members={officer: MemberRole.OWNER},
                                kind=factories.OrgKind.AGENCY)
    for _n in range(3):
        factories.make_challenge(session, agency=agency, creator=officer)
    session.commit()
    if session.get_bind().dialect.name != "sqlite":
        columns = {tuple(index["column_names"])
                   for index in inspect(session.connection()).get_indexes("challenges")}
        assert columns >= INDEXES, columns
        return
    session.execute(text("ANALYZE"))
    login(officer)
    response, mine = capture_statements(client, "/challenges/mine")
    assert response.status_code == 200
    response, listed = capture_statements(client, f"/challenges/?province={agency.province}")
    assert response.status_code == 200
    # the count and the page of each: from the index, and my challenges in its order
    mine, listed = _plans(mine, "challenges.agency_id IN"), _plans(listed, "province =")
    assert len(mine) == 2 and len(listed) == 2, (mine, listed)
    assert all("INDEX ix_challenges_agency_created" in plan and "TEMP B-TREE" not in plan
               for plan in mine), mine
    assert all("INDEX ix_challenges_province_status_published" in plan
               for plan in listed), listed
