"""Issue 14, the timing class: a secret object costs what a missing id costs.

Every route of the URL map that names a secret object of the access-matrix world (a sealed
or draft submission, its files, a draft challenge, an unsigned order, another user's
notification, subscription or consortium invitation, a sealed phase result) — GET and POST
(a valid CSRF token, an empty form) — does, for each outsider, exactly the work it does for
an id that does not exist: the same SQL statements in the same order (their text, the
parameters aside), no form validated, no stored file opened or written, no password hashed,
the same templates rendered. The 404 is decided by one lookup, before anything else."""

from __future__ import annotations

import pytest

from marketplace import policy
from tests.security.matrix import (
    SECRET_ARGS,
    SECRETS,
    Clients,
    request_rolled_back,
    resolve,
    secret_urls,
)
from tests.security.test_access_matrix import _secret_object
from tests.statements import recording

pytestmark = pytest.mark.shared_world


def _work(app, client, token, method, url, connection, session):
    """(status, Work) of one request in a savepoint rolled back afterwards."""
    response, work = request_rolled_back(client, token, method, url, connection, session,
                                         around=recording(app))
    return response.status_code, work


@pytest.mark.parametrize("arg", sorted(SECRET_ARGS))
def test_secret_objects_cost_what_missing_ids_cost(app, client, session, connection, world,
                                                    monkeypatch, arg):
    """One test per URL argument that names a secret (xdist spreads them)."""
    # the process keeps the public data version for CACHE_VERSION_TTL seconds: an expiry
    # between two compared requests reads it again in one of them only (CI: 1 of 921)
    monkeypatch.setitem(app.config, "CACHE_VERSION_TTL", 3600)
    clients = Clients(app, client)
    problems, compared, tokens = [], 0, {}
    for secret in (secret for secret in SECRETS if secret.arg == arg):
        for path in secret.outsiders:
            user = resolve(world, path)
            assert not policy.knows(user, _secret_object(world, secret, secret.values(world)))
            the_client = clients.for_user(user)
            token = tokens.setdefault(path, the_client.csrf_token("/"))
            for rule, method, url, missing_url in secret_urls(app, world, secret):
                # the missing id first (warms any cache), then the secret, then the missing id
                # again: what is compared is measured warm
                _work(app, the_client, token, method, missing_url, connection, session)
                got_status, got = _work(app, the_client, token, method, url, connection,
                                        session)
                status, missing = _work(app, the_client, token, method, missing_url,
                                        connection, session)
                compared += 1
                where = f"{method} {rule.rule} [{secret.name}] as {path}"
                if status == 404 and (missing.forms or missing.files or missing.passwords):
                    problems.append(f"{where}: a missing id did work before its 404: "
                                    f"{missing.forms} {missing.files} {missing.passwords}")
                if got.summary() != missing.summary():
                    problems.append(f"{where}: {got_status} vs {status}; "
                                    + _difference(got, missing))
    assert not problems, f"{len(problems)} of {compared}:\n" + "\n".join(problems)


def _difference(got, missing) -> str:
    for name in ("statements", "forms", "files", "passwords", "templates"):
        a, b = getattr(got, name), getattr(missing, name)
        if a != b:
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                      min(len(a), len(b)))
            return (f"{name}: {len(a)} vs {len(b)}; first difference at {at}: "
                    f"{a[at][:160] if at < len(a) else None!r} / "
                    f"{b[at][:160] if at < len(b) else None!r}")
    return "?"


# --- the clock: a bounded statistical check on representative routes -----------------

SAMPLES = 30  # interleaved requests of each kind, after WARM_UP of each
WARM_UP = 3
FLOOR = 0.003  # seconds: below this a difference of medians is scheduler noise here
RELATIVE = 0.25


def medians(client, first: tuple, second: tuple, *, samples: int = SAMPLES,
            warm_up: int = WARM_UP, seed: int = 14) -> tuple[float, float]:
    """The median time (seconds) of `samples` requests of each of two (method, url, data)
    after `warm_up` of each, interleaved in pairs whose order is shuffled (a drift of the
    machine's load touches both alike, and neither always goes first)."""
    import random
    import statistics
    import time

    order = random.Random(seed)
    times: dict[int, list[float]] = {0: [], 1: []}

    def one(which, request):
        method, url, data = request
        started = time.perf_counter()
        response = client.open(url, method=method, data=data)
        elapsed = time.perf_counter() - started
        response.close()
        if which is not None:
            times[which].append(elapsed)

    for _ in range(warm_up):
        one(None, first)
        one(None, second)
    for _ in range(samples):
        pair = [(0, first), (1, second)]
        order.shuffle(pair)
        for which, request in pair:
            one(which, request)
    return statistics.median(times[0]), statistics.median(times[1])


def same_class(a: float, b: float) -> bool:
    """Two medians are of one timing class when they differ by less than FLOOR or than
    RELATIVE of the larger: what a loaded 2-core machine's noise allows, while a route
    that opens a file, hashes a password or renders the object stays outside it."""
    return abs(a - b) < max(FLOOR, RELATIVE * max(a, b))


def test_secret_objects_take_the_time_missing_ids_take(app, client, world):
    """Representative routes (a sealed submission's page and its shortlisting POST, its
    file, a draft order's page, a draft challenge's page), each as an outsider: the median
    time of 30 requests naming the secret object and of 30 naming a missing id, interleaved,
    are of one timing class (`same_class`)."""
    from tests.security.matrix import MISSING_ID

    clients = Clients(app, client)
    solver = clients.for_user(world.other_solver_user)
    visitor = clients.for_user(None)
    token = solver.csrf_token("/")
    routes = [
        (solver, "GET", "/submissions/{}", world.sealed.id),
        (solver, "POST", "/evaluation/submissions/{}/shortlist", world.sealed.id),
        (solver, "GET", "/files/{}", world.sealed_attachment.id),
        (visitor, "GET", "/orders/{}", world.draft_order.id),
        (visitor, "GET", "/challenges/{}", world.draft.id),
    ]
    problems = []
    for the_client, method, pattern, secret_id in routes:
        data = {"csrf_token": token} if method == "POST" else None
        secret, missing = medians(the_client, (method, pattern.format(secret_id), data),
                                  (method, pattern.format(MISSING_ID), data))
        line = (f"{method} {pattern}: secret {secret * 1000:.2f} ms, "
                f"missing {missing * 1000:.2f} ms")
        print(line)
        if not same_class(secret, missing):
            problems.append(line)
    assert not problems, "\n".join(problems)
