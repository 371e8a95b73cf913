"""The security tests' world, built once per module.

A module marked `shared_world` (`pytestmark = pytest.mark.shared_world`) gets the
`world` fixture: the world of `world.py`, built once for the module (per xdist worker) on
one connection in one outer transaction, rolled back at the module's end. Each test of
the module runs in a savepoint of the world's session, rolled back at the test's end, so
a test sees the world exactly as it was built, whatever the tests before it did — as a
test that builds its own world sees it — without building it again (the world issues some
twenty PDF documents: 10-30 s a build on CI's machine, and these modules built it in every
test, 40 times on each database).

What the savepoint does not undo is put back too: the files the world stored (a POST that
removes an attachment deletes its file when its request commits) and the objects a test
loaded into the world's session. A test in such a module must not commit that session
(the world would stay changed): its end fails when it did."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from marketplace.extensions import db
from tests.conftest import rolled_back
from tests.security.world import build_world


def _shared(request) -> bool:
    return request.node.get_closest_marker("shared_world") is not None


class SharedWorld:
    """The module's connection, its session (in the module's app context), the world, and
    what each test's end puts back."""

    def __init__(self, connection, session):
        self.connection = connection
        self.session = session
        self.world = None
        self.files: dict[Path, bytes] = {}
        self.objects: list = []  # the world's session's objects, held
        self.identities: set = set()

    def build(self, upload_dir: Path) -> None:
        before = _stored_files(upload_dir)
        self.world = build_world(self.session)
        self.session.flush()
        self.files = {path: path.read_bytes() for path in _stored_files(upload_dir) - before}
        self.objects = list(self.session.identity_map.values())
        self.identities = set(self.session.identity_map.keys())

    def restore(self) -> None:
        """After a test's savepoint is rolled back: the objects it loaded into the session
        leave it (their rows are gone; an id may be taken again by the next test), the
        world's own are read afresh, and the world's files are as they were stored."""
        session = self.session
        for key, obj in list(session.identity_map.items()):
            if key not in self.identities:
                session.expunge(obj)
        session.expire_all()
        for path, data in self.files.items():
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)


def _stored_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()} if root.is_dir() else set()


@pytest.fixture(scope="module")
def _shared_world(app):
    """One connection, one outer transaction and one app context for the whole module."""
    with rolled_back(app) as conn, app.app_context():
        yield SharedWorld(conn, db.session)


@pytest.fixture(scope="module")
def _built_world(app, _shared_world):
    if _shared_world.world is None:
        _shared_world.build(Path(app.config["UPLOAD_DIR"]))
    return _shared_world


@pytest.fixture
def connection(request, app):
    """As tests/conftest.py's; in a `shared_world` module, a savepoint of the module's
    session on the module's connection, rolled back at the test's end."""
    if not _shared(request):
        with rolled_back(app) as conn:
            yield conn
        return
    shared = request.getfixturevalue("_shared_world")
    savepoint = shared.session.begin_nested()
    shared.session.connection()  # the SAVEPOINT now, not at the session's first statement
    try:
        yield shared.connection
    finally:
        committed = not savepoint.is_active
        if not committed:
            savepoint.rollback()
        shared.restore()
    if committed:
        pytest.fail("a test of a shared_world module committed (or rolled back) the "
                    "world's session: the world would not be the same for the next test")


@pytest.fixture
def session(request, app, connection):
    """As tests/conftest.py's; in a `shared_world` module, the module's session (the
    world's objects are in it)."""
    if _shared(request):
        yield request.getfixturevalue("_shared_world").session
        return
    with app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def world(request, _built_world, connection):
    """The world of `world.py` (a copy of its namespace: a name a test sets stays in the
    test). Only in a `shared_world` module."""
    if not _shared(request):
        pytest.fail("the `world` fixture is for modules marked shared_world")
    return copy.copy(_built_world.world)
