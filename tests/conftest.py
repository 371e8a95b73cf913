"""The test harness.

- The app comes from `create_app("testing")`; the schema is built once per session by
  running the real migrations (SQLite in a temporary file, or the PostgreSQL database
  named by TEST_DATABASE_URL).
- Each test runs inside one outer transaction that is rolled back at its end; the code
  under test commits to savepoints inside it.
- The test client runs each request in an empty context, so every request gets its own
  application context, session and `g`, as it would in a real server.
"""

from __future__ import annotations

import contextvars
import os
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from marketplace import create_app
from marketplace.extensions import db, limiter
from tests import factories
from tests.search_swap import search_backend

ROOT = Path(__file__).resolve().parent.parent


def _uses_the_test_database(item) -> bool:
    """Whether the test reaches the database TEST_DATABASE_URL names: through the session's
    database (`database_url`, behind `app`, `session`, `client`, `search_engine`…), through
    the PostgreSQL variant of `own_database`/`migrated_database`, or by its own `database`
    mark (a test that reads TEST_DATABASE_URL itself)."""
    if "database_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("database"):
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    return "postgresql" in (params.get("own_database"), params.get("migrated_database"))


def pytest_collection_modifyitems(config, items):
    """Marks `database` the tests that use the test database: `make test`'s PostgreSQL pass
    runs those only (`-m "database and not browser"`); the others (formatting, catalogues,
    config parsing, the SQLite variants…) would prove again what the SQLite pass proved."""
    for item in items:
        if _uses_the_test_database(item):
            item.add_marker(pytest.mark.database)


class _XdistGroupIds:
    """`xdist_group` for pytest 9: pytest-xdist (3.8) groups a test by writing
    `item._nodeid += "@group"` in each worker, which pytest 9 no longer reads (a node's id is
    `item._id`), so `--dist loadgroup` spread every group over the workers. Runs after
    xdist's hook, so it takes the groups xdist saw: module or test marks, not the browser
    tests' (tests/browser/conftest.py marks them after xdist's hook: they stay spread, a
    live server on each worker, as CI has run them)."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        from _pytest.nodeid import NodeId

        for item in items:
            grouped = item.__dict__.get("_nodeid")
            if grouped and grouped != item.nodeid and hasattr(item, "_id"):
                item._id = NodeId.parse(grouped)


def pytest_configure(config):
    config.pluginmanager.register(_XdistGroupIds(), "xdist-group-ids")


_UNMARKED: list[str] = []  # the test running, when it is not marked `database`


@event.listens_for(Engine, "engine_connect")
def _unmarked_test_connects(conn) -> None:
    from config import TestingConfig

    if _UNMARKED and conn.engine.url.render_as_string(hide_password=False) == \
            TestingConfig.SQLALCHEMY_DATABASE_URI:
        _UNMARKED.append("connected")


@pytest.fixture(autouse=True)
def _database_mark_is_right(request):
    """A test not marked `database` that connects to the testing configuration's default
    database (TEST_DATABASE_URL: `create_app("testing")` without a URL of its own) fails:
    it would be left out of the PostgreSQL pass while its result depends on the database."""
    if request.node.get_closest_marker("database"):
        yield
        return
    _UNMARKED[:] = [request.node.nodeid]
    try:
        yield
    finally:
        connected = len(_UNMARKED) > 1
        _UNMARKED.clear()
    if connected:
        pytest.fail("this test uses the database of TEST_DATABASE_URL: mark it "
                    "@pytest.mark.database so that the PostgreSQL pass runs it")


class IsolatedClient(FlaskClient):
    """Each request in a fresh contextvars context: no app context leaks in from the test."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self, path: str = "/") -> str:
        html = self.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post_form(self, path: str, data: dict | None = None, *, token_from: str | None = None,
                  **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(token_from or path))
        return self.post(path, data=data, **kwargs)


def _reset_postgres(app) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, migrated_templates) -> str:
    """SQLite in a temporary file, or the PostgreSQL database named by TEST_DATABASE_URL;
    migrated to head (`app` checks it with `flask db upgrade`).

    Under pytest-xdist (`make test` runs `-n auto`) each worker gets a database of its own on
    that server, `<name>_<worker>` (e.g. `test_gw1`), made afresh for the run. Both are
    copies of the worker's `migrated_templates`, which the tests with a migrated database of
    their own copy too: the migrations run once per worker."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return migrated_templates.sqlite_copy(tmp_path_factory.mktemp("db") / "test.sqlite3")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url  # the database itself: `app` empties and migrates it
    template = migrated_templates.postgresql_template()
    server = make_url(url)
    name = f"{server.database}_{worker}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("search-index")),
        "OPENDATA_DIR": str(tmp_path_factory.mktemp("opendata")),
    })
    app.test_client_class = IsolatedClient
    if database_url == os.environ.get("TEST_DATABASE_URL"):  # not a copy of the template
        _reset_postgres(app)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def _throwaway_postgres(template: str | None = None):
    """The URL of a new PostgreSQL database on TEST_DATABASE_URL's server (a copy of
    `template` when given, else empty), dropped at the end."""
    server = os.environ["TEST_DATABASE_URL"]
    name = f"own_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'
                          + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    """`flask db upgrade` (the real migrations, from empty to head) on the database `url`."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path):
    """The URL of a fresh, empty database of the test's own, outside the shared rolled-back
    transaction (for migrations and for races between real connections): a SQLite file,
    and a throw-away PostgreSQL database when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'own.sqlite3'}"
        return
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL not set: the PostgreSQL variant is not tested")
    with _throwaway_postgres() as url:
        yield url


class MigratedTemplates:
    """Databases migrated once per session (per xdist worker) by `_migrate`, copied for each
    test that needs a migrated database of its own: the copy is what `flask db upgrade`
    from empty makes (tests/test_migrations.py runs that from empty every time), without
    running the migrations again for every test (18-25 s each on a loaded machine)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.sqlite: Path | None = None
        self.postgresql: str | None = None

    def sqlite_copy(self, destination: Path) -> str:
        import sqlite3

        if self.sqlite is None:
            template = self.base / "migrated.sqlite3"
            _migrate(f"sqlite:///{template}")
            self.sqlite = template
        source, target = sqlite3.connect(self.sqlite), sqlite3.connect(destination)
        try:
            source.backup(target)  # a consistent copy, whatever the journal mode
        finally:
            target.close()
            source.close()
        return f"sqlite:///{destination}"

    def postgresql_template(self) -> str:
        """The name of the migrated template database on TEST_DATABASE_URL's server."""
        if self.postgresql is None:
            server = make_url(os.environ["TEST_DATABASE_URL"])
            name = f"{server.database}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_migrated"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            _migrate(server.set(database=name).render_as_string(hide_password=False))
            self.postgresql = name
        return self.postgresql

    def drop(self) -> None:
        if self.postgresql is not None:
            admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.postgresql}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory):
    templates = MigratedTemplates(tmp_path_factory.mktemp("migrated"))
    yield templates
    templates.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_database(request, tmp_path, migrated_templates):
    """As `own_database`, but migrated to head: a copy of a database the real migrations
    made once for the session (`MigratedTemplates`). A SQLite file, and a throw-away
    PostgreSQL database when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield migrated_templates.sqlite_copy(tmp_path / "own.sqlite3")
        return
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL not set: the PostgreSQL variant is not tested")
    with _throwaway_postgres(migrated_templates.postgresql_template()) as url:
        yield url


@contextmanager
def rolled_back(app):
    """One connection in one outer transaction, `db.session` bound to it; rolled back at
    the end."""
    with app.app_context():
        conn = db.engine.connect()
        outer = conn.begin()
    original = db.session
    # A plain SQLAlchemy session: Flask-SQLAlchemy's own ignores a session-level bind.
    db.session = scoped_session(
        sessionmaker(bind=conn, join_transaction_mode="create_savepoint"),
        scopefunc=_app_ctx_id,
    )
    try:
        yield conn
    finally:
        with app.app_context():
            db.session.remove()
        db.session = original
        outer.rollback()
        conn.close()


@pytest.fixture
def connection(app):
    """One connection in one outer transaction for the whole test; rolled back after."""
    with rolled_back(app) as conn:
        yield conn


@pytest.fixture
def session(app, connection):
    """The session a test uses to arrange and inspect data, inside an app context."""
    with app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def client(app, session):
    limiter.reset()
    return app.test_client()


@pytest.fixture
def outbox(app):
    backend = app.extensions["mail_backend"]
    backend.outbox.clear()
    return backend.outbox


@pytest.fixture
def make_user(session):
    return lambda **kw: factories.make_user(session, **kw)


@pytest.fixture
def make_org(session):
    return lambda **kw: factories.make_org(session, **kw)


@pytest.fixture
def login(client):
    def do_login(user, password: str = factories.PASSWORD):
        response = client.post_form("/login", {"email": user.email, "password": password},
                                    token_from="/login")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    return do_login


@pytest.fixture(params=["whoosh", "postgresql"])
def search_engine(request, app, tmp_path):
    """Each search engine in turn, fresh and empty, as the application's: Whoosh in a
    folder of the test's own; PostgreSQL's table (rolled back with the test) when the
    tests run on PostgreSQL (TEST_DATABASE_URL), skipped otherwise."""
    from marketplace.search.backend import WhooshBackend
    from marketplace.search.postgres import PostgresBackend

    if request.param == "whoosh":
        backend = WhooshBackend(str(tmp_path / "index"))
    elif not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL not set: the PostgreSQL search engine is not tested")
    else:
        backend = PostgresBackend(lambda: db.session)
    with search_backend(app, backend):
        yield backend
    if isinstance(backend, WhooshBackend):
        backend.close()
