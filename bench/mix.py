"""Issue 21, "costs that stay flat": what visitors really cause, beside the one-URL pages.

- `mix_target`: the realistic mix — thousands of distinct public URLs drawn at random
  across the whole data set (challenge pages, order pages, list pages deep in every
  filter, the list's and /search's text queries with words of real titles), shuffled, so
  that nearly every request misses the 30-second page cache. Deep list pages follow the
  site's own "next" links: with page numbers (`?page=N`) any page of a filter is drawn
  at random up to its last; with cursors (links without `page=`), the pages are the ones
  reached by following "next" from each filter (`discover_list_paths`).
- `logged_in_targets`: the work pages (officer's challenge list, panel page, evaluator's
  scoring page, solver's submission, party's order page), each for `SESSIONS` users of
  its role and the objects that user may open, drawn at random across the data set.
- `log_in`: a session over HTTP as a browser gets it (the login form's CSRF token, then
  the POST); returns the `Cookie` header to send.

Only 127.0.0.1 is ever contacted."""

from __future__ import annotations

import http.client
import random
import re
import urllib.parse
from html import unescape

from sqlalchemy import create_engine, text

from bench.generate import PASSWORD

PUBLIC = "('published', 'closed', 'evaluating', 'awarded', 'cancelled')"
SHOWN_ORDERS = "('signed', 'active', 'completed', 'terminated')"
SESSIONS = 3  # users per logged-in page, each with a session of its own
MIX_SIZE = 4000  # distinct URLs in the mix
CRAWL_BUDGET = 300  # requests spent following cursor links (cursor mode only)
NEXT_LINK = re.compile(r'<a [^>]*href="([^"]+)"[^>]*rel="next"'
                       r'|<a [^>]*rel="next"[^>]*href="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WORD = re.compile(r"\w{3,}")


# ---- the public mix -------------------------------------------------------------------
def _list_filters(conn, rng: random.Random, per_page: int) -> list[tuple[dict, int]]:
    """(filter arguments, number of pages) for every value of every single filter, the
    unfiltered list and some two-filter combinations."""
    out = []
    total = conn.execute(text(f"SELECT count(*) FROM challenges WHERE status IN {PUBLIC}")  # noqa: S608
                         ).scalar()
    out.append(({}, total))
    for column, arg, join in (
            ("status", "status", None),
            ("province", "province", None),
            ("agency_id", "agency", None),
            ("g.code", "group", "JOIN technology_groups g ON g.id = c.technology_group_id")):
        sql = (f"SELECT {column}, count(*) FROM challenges c {join or ''} "  # noqa: S608
               f"WHERE c.status IN {PUBLIC} GROUP BY {column}")
        out += [({arg: value}, count) for value, count in conn.execute(text(sql)) if value]
    pairs = conn.execute(text(
        "SELECT g.code, c.status, count(*) FROM challenges c JOIN technology_groups g "  # noqa: S608
        f"ON g.id = c.technology_group_id WHERE c.status IN {PUBLIC} GROUP BY 1, 2")).all()
    out += [({"group": code, "status": status}, count) for code, status, count in pairs]
    return [(args, max(1, -(-count // per_page))) for args, count in out]


def _words(conn, rng: random.Random, count: int) -> list[str]:
    """One- and two-word queries taken from the titles of random public challenges."""
    ids = list(conn.execute(text(f"SELECT id FROM challenges WHERE status IN {PUBLIC}")  # noqa: S608
                            ).scalars())
    chosen = rng.sample(ids, min(len(ids), count))
    listed = ",".join(map(str, chosen)) or "0"
    titles = conn.execute(text(f"SELECT title FROM challenges WHERE id IN ({listed})")  # noqa: S608
                          ).scalars()
    queries = []
    for title in titles:
        words = WORD.findall(title.lower())
        if not words:
            continue
        start = rng.randrange(len(words))
        queries.append(" ".join(words[start:start + rng.choice((1, 1, 2))]))
    return queries


def list_mode(base: str) -> str:
    """"page" when the list's "next" link carries `page=`, "cursor" otherwise (or
    "none" when the first page has no next link)."""
    found = _next_link(http_get(base, "/challenges/")[1])
    if found is None:
        return "none"
    return "page" if "page" in urllib.parse.parse_qs(urllib.parse.urlsplit(found).query) \
        else "cursor"


def _next_link(body: str) -> str | None:
    match = NEXT_LINK.search(body)
    if match is None:
        return None
    return unescape(match.group(1) or match.group(2))


def discover_list_paths(base: str, starts: list[str], budget: int = CRAWL_BUDGET,
                        rng: random.Random | None = None) -> list[str]:
    """Cursor mode: the list pages reached by following "next" from each start, as deep
    as `budget` requests allow, spread over the starts."""
    rng = rng or random.Random(0)
    found: list[str] = []
    frontier = list(starts)
    rng.shuffle(frontier)
    spent = 0
    while frontier and spent < budget:
        path = frontier.pop(0)
        status, body = http_get(base, path)
        spent += 1
        if status != 200:
            continue
        found.append(path)
        following = _next_link(body)
        if following:
            split = urllib.parse.urlsplit(following)
            frontier.append(split.path + ("?" + split.query if split.query else ""))
    return found


def mix_target(url: str, seed: int, per_page: int, base: str | None = None,
               size: int = MIX_SIZE) -> dict:
    """The realistic mix as a target of `run.load_all` (paths shuffled; ~40 % challenge
    pages, 15 % order pages, 30 % list pages, 15 % text queries). With `base` (a running
    server) the list's pagination is asked of the site; without, page numbers."""
    rng = random.Random(seed * 7919 + size)
    engine = create_engine(url)
    with engine.connect() as conn:
        challenge_ids = list(conn.execute(text(
            f"SELECT id FROM challenges WHERE status IN {PUBLIC}")).scalars())  # noqa: S608
        order_ids = list(conn.execute(text(
            f"SELECT id FROM pilot_orders WHERE status IN {SHOWN_ORDERS}")).scalars())  # noqa: S608
        filters = _list_filters(conn, rng, per_page)
        words = _words(conn, rng, size // 6)
    engine.dispose()
    mode = list_mode(base) if base else "page"
    n_challenges, n_orders = int(size * 0.40), int(size * 0.15)
    n_lists = int(size * 0.30)
    paths = [f"/challenges/{i}" for i in rng.sample(challenge_ids,
                                                    min(n_challenges, len(challenge_ids)))]
    paths += [f"/orders/{i}" for i in rng.sample(order_ids, min(n_orders, len(order_ids)))]
    lists: set[str] = set()
    if mode == "cursor":
        starts = [_list_path(args, None) for args, _pages in filters]
        lists.update(discover_list_paths(base, starts, rng=rng))
    else:
        attempts = 0
        while len(lists) < n_lists and attempts < n_lists * 5:
            attempts += 1
            args, pages = rng.choice(filters)
            lists.add(_list_path(args, rng.randint(1, pages)))
    paths += sorted(lists)
    for n, query in enumerate(words):
        paths.append(_list_path({"q": query}, None) if n % 2 else
                     "/search?" + urllib.parse.urlencode({"q": query}))
    rng.shuffle(paths)
    deepest = max((int(urllib.parse.parse_qs(urllib.parse.urlsplit(p).query).get(
        "page", ["1"])[0]) for p in paths if p.startswith("/challenges/?")), default=1)
    return {"name": f"mix: {len(paths):,} distinct public URLs", "key": "mix", "paths": paths,
            "mix": {"challenges": min(n_challenges, len(challenge_ids)),
                    "orders": min(n_orders, len(order_ids)), "lists": len(lists),
                    "queries": len(words), "list_mode": mode, "deepest_page": deepest}}


def kind(path: str) -> str:
    """The kind of a mix URL, for latencies per kind."""
    split = urllib.parse.urlsplit(path)
    args = urllib.parse.parse_qs(split.query)
    if split.path == "/search":
        return "search"
    if split.path == "/challenges/":
        if "q" in args:
            return "list: text query"
        page = int(args.get("page", ["1"])[0]) if args.get("page", ["1"])[0].isdigit() else 1
        depth = "first page" if page == 1 else "pages 2-10" if page <= 10 else "page > 10"
        return f"list: {depth}" + (", filtered" if args else "")
    if split.path.startswith("/orders/"):
        return "order page"
    return "challenge page"


def _list_path(args: dict, page: int | None) -> str:
    query = dict(args)
    if page and page > 1:
        query["page"] = page
    return "/challenges/" + ("?" + urllib.parse.urlencode(query) if query else "")


# ---- the logged-in pages --------------------------------------------------------------
def _by_user(rows, rng: random.Random, per_user: int = 20) -> list[tuple[str, list]]:
    """[(email, [object ids])] for SESSIONS users drawn at random among those with rows."""
    objects: dict[str, list] = {}
    for email, object_id in rows:
        objects.setdefault(email, []).append(object_id)
    emails = rng.sample(sorted(objects), min(SESSIONS, len(objects)))
    return [(email, rng.sample(objects[email], min(per_user, len(objects[email]))))
            for email in emails]


def logged_in_targets(url: str, seed: int) -> list[dict]:
    """The five work pages; each target's `sessions` is [(email, [paths])]."""
    rng = random.Random(seed * 104729)
    engine = create_engine(url)
    with engine.connect() as conn:
        officers = conn.execute(text(
            "SELECT u.email, c.id FROM challenges c JOIN memberships m ON m.organization_id = "
            "c.agency_id AND m.role = 'officer' JOIN users u ON u.id = m.user_id")).all()
        panels = conn.execute(text(
            "SELECT u.email, c.id FROM challenges c JOIN memberships m ON m.organization_id = "
            "c.agency_id AND m.role = 'officer' JOIN users u ON u.id = m.user_id "
            "WHERE c.status IN ('closed', 'evaluating')")).all()
        scoring = conn.execute(text(
            "SELECT u.email, s.id FROM panel_members p JOIN users u ON u.id = p.user_id "
            "JOIN challenges c ON c.id = p.challenge_id AND c.status = 'evaluating' "
            "JOIN submissions s ON s.challenge_id = c.id "
            "AND s.status IN ('submitted', 'shortlisted')")).all()
        solvers = conn.execute(text(
            "SELECT u.email, s.id FROM submissions s JOIN users u ON u.id = s.created_by_id")
        ).all()
        parties = conn.execute(text(
            "SELECT u.email, o.id FROM pilot_orders o JOIN memberships m ON m.organization_id "
            "= o.agency_id AND m.role = 'officer' JOIN users u ON u.id = m.user_id")).all()
    engine.dispose()
    officer_emails = _by_user(officers, rng, 1)

    def target(name, key, sessions, path):
        return {"name": name, "key": key, "logged_in": True, "paths": [],
                "sessions": [(email, [path.format(i) for i in ids]) for email, ids in sessions]}

    return [
        {"name": "officer: my challenges", "key": "li_mine", "logged_in": True, "paths": [],
         "sessions": [(email, ["/challenges/mine"]) for email, _ids in officer_emails]},
        target("officer: panel page", "li_panel", _by_user(panels, rng),
               "/evaluation/challenges/{}/panel"),
        target("evaluator: scoring page", "li_scoring", _by_user(scoring, rng),
               "/evaluation/submissions/{}"),
        target("solver: own submission", "li_submission", _by_user(solvers, rng),
               "/submissions/{}"),
        target("party: order page (agency officer)", "li_order", _by_user(parties, rng),
               "/orders/{}"),
    ]


# ---- HTTP -----------------------------------------------------------------------------
def http_get(base: str, path: str, headers: dict | None = None) -> tuple[int, str]:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookies(response: http.client.HTTPResponse, jar: dict) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]


def log_in(base: str, email: str, password: str = PASSWORD) -> str:
    """Log `email` in over HTTP; the `Cookie` header of its session. Raises RuntimeError
    when the site does not answer the POST with a redirect (wrong password, limits)."""
    parts = urllib.parse.urlsplit(base)
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        _cookies(response, jar)
        token = CSRF.search(body)
        form = urllib.parse.urlencode({"email": email, "password": password,
                                       "csrf_token": token.group(1) if token else ""})
        conn.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
        response = conn.getresponse()
        response.read()
        _cookies(response, jar)
        if response.status != 302:
            raise RuntimeError(f"login of {email}: HTTP {response.status}")
    finally:
        conn.close()
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def session_paths(base: str, target: dict) -> list[tuple[str, dict]]:
    """Log in each of the target's users; [(path, headers)] interleaved across them."""
    per_user = []
    for email, paths in target["sessions"]:
        cookie = log_in(base, email)
        per_user.append([(path, {"Cookie": cookie}) for path in paths])
    out = []
    for n in range(max((len(p) for p in per_user), default=0)):
        out += [paths[n] for paths in per_user if n < len(paths)]
    return out
