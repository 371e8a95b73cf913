import pytest
from sqlalchemy import select, text, update

from marketplace.audit.models import AuditEvent
from marketplace.audit.services import record, verify_chain


@pytest.fixture
def chain(session, make_user):
    user = make_user()
    events = [record(session, user, f"test.event{i}", user, after={"i": i, "text": "Hà Nội"})
              for i in range(4)]
    return events


def test_intact_chain_verifies(session, chain):
    report = verify_chain(session)
    assert report.ok and report.checked >= 4


def test_each_event_links_to_the_previous(session, chain):
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash


def test_modified_event_is_detected(session, chain):
    session.execute(update(AuditEvent).where(AuditEvent.id == chain[1].id)
                    .values(after={"i": 99, "text": "Hà Nội"}))
    report = verify_chain(session)
    assert not report.ok and report.broken_id == chain[1].id
    assert "hash" in report.reason


def test_deleted_event_is_detected(session, chain):
    session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": chain[2].id})
    report = verify_chain(session)
    assert not report.ok and report.broken_id == chain[3].id


def test_reordered_events_are_detected(session, chain):
    a, b = chain[1], chain[2]
    columns = ["created_at", "actor_id", "action", "object_type", "object_id", "before",
               "after", "public", "prev_hash", "hash"]
    row_a = session.execute(select(*[getattr(AuditEvent, c) for c in columns])
                            .where(AuditEvent.id == a.id)).one()
    row_b = session.execute(select(*[getattr(AuditEvent, c) for c in columns])
                            .where(AuditEvent.id == b.id)).one()
    # swap the two rows' contents (ids keep their order), parking one on the side first
    parked = {**row_a._asdict(), "prev_hash": "p" * 64, "hash": "h" * 64}
    session.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(**parked))
    session.execute(update(AuditEvent).where(AuditEvent.id == b.id).values(**row_a._asdict()))
    session.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(**row_b._asdict()))
    report = verify_chain(session)
    assert not report.ok and report.broken_id == a.id


def test_cli_exit_status(app, session, chain):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output
    session.execute(update(AuditEvent).where(AuditEvent.id == chain[0].id)
                    .values(action="test.tampered"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {chain[0].id}" in result.output


def test_a_forked_chain_is_impossible(session, chain):
    """Two events can never claim the same predecessor (unique prev_hash)."""
    from sqlalchemy.exc import IntegrityError

    fork = AuditEvent(created_at=chain[0].created_at, action="x", prev_hash=chain[-1].prev_hash,
                      hash="f" * 64)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(fork)
        session.flush()
