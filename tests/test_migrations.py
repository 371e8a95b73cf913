"""`flask db upgrade` from empty reaches head, `downgrade base` empties it, and the
models match the migrated schema, on SQLite and (when configured) PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from marketplace import create_app
from marketplace.extensions import db
from marketplace.search.postgres import include_object


def test_upgrade_downgrade_upgrade(own_database):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": own_database})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "organizations", "memberships", "audit_events", "technology_groups",
                "challenges", "submissions", "awards", "pilot_orders", "payments"} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()
