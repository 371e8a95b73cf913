"""Issue 21, "costs that stay flat": what visitors really cause, beside the one-URL pages.

- `mix_target`: the realistic mix — thousands of distinct public URLs drawn at random
  across the whole data set (challenge pages, order pages, list pages deep in every
  filter, the list's and /search's text queries with words of real titles), shuffled, so
  that nearly every request misses the 30-second page cache. A list page is a filter and
  a page drawn at random up to that filter's last page, addressed as the site's own
  "next" link addresses it: a cursor (`?after=`, `marketplace.keyset.encode` of the last
  row of the page before, read from the database in the list's order: `list_keys`,
  `cursor_path`), or `?page=N` for a site whose links carry page numbers.
- `ocds_paths`: pages of the OCDS feed spread over its whole range, by the cursor its
  `Link: rel="next"` gives (`keyset.encode_id` of the page before's last challenge id).
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

from sqlalchemy import create_engine, select, text

from bench.generate import PASSWORD
from marketplace import keyset

PUBLIC = "('published', 'closed', 'evaluating', 'awarded', 'cancelled')"
SHOWN_ORDERS = "('signed', 'active', 'completed', 'terminated')"
SESSIONS = 3  # users per logged-in page, each with a session of its own
MIX_SIZE = 4000  # distinct URLs in the mix
NEXT_LINK = re.compile(r'<a [^>]*href="([^"]+)"[^>]*rel="next"'
                       r'|<a [^>]*rel="next"[^>]*href="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WORD = re.compile(r"\w{3,}")


# ---- the public mix -------------------------------------------------------------------
def list_keys(conn) -> dict[tuple, list[tuple]]:
    """{filter arguments as sorted (name, value) pairs: [(published_at, id) of its rows in
    the list's order]} for the unfiltered list, every value of every single filter
    (status, province, agency, group) and every (group, status) pair — the list's order
    being newest first, (published_at, id) descending (`challenges.queries.search_public`).
    One statement; the times are aware UTC (the product's column type), as the site's
    cursors encode them."""
    from marketplace.models import Challenge, TechnologyGroup  # every model: the mappers configure

    rows = conn.execute(
        select(Challenge.published_at, Challenge.id, Challenge.status, Challenge.province,
               Challenge.agency_id, TechnologyGroup.code)
        .outerjoin(TechnologyGroup, TechnologyGroup.id == Challenge.technology_group_id)
        .where(Challenge.is_public)
        .order_by(Challenge.published_at.desc(), Challenge.id.desc()))
    out: dict[tuple, list[tuple]] = {(): []}
    for at, row_id, status, province, agency, group in rows:
        status = getattr(status, "value", status)
        key = (at, row_id)
        out[()].append(key)
        for name, value in (("status", status), ("province", province), ("agency", agency),
                            ("group", group)):
            if value:
                out.setdefault(((name, value),), []).append(key)
        if group and status:
            out.setdefault((("group", group), ("status", status)), []).append(key)
    return out


def cursor_path(args: tuple, keys: list[tuple], number: int, per_page: int) -> str:
    """Page `number` of the list under filter `args` as the site's "next" link of page
    `number - 1` addresses it: `?after=` the cursor of that page's last row (page 1:
    no cursor)."""
    query = dict(args)
    if number > 1:
        at, row_id = keys[(number - 1) * per_page - 1]
        query["after"] = keyset.encode(at, row_id, number)
    return "/challenges/" + ("?" + urllib.parse.urlencode(query) if query else "")


def draw_list_paths(by_filter: dict[tuple, list[tuple]], rng: random.Random, per_page: int,
                    count: int, mode: str = "cursor") -> set[str]:
    """`count` distinct list pages (fewer when the filters have fewer): a filter drawn at
    random, then a page at random between its first and its last — by cursor (`mode`
    "cursor") or by number ("page")."""
    filters = sorted(by_filter.items(), key=lambda item: repr(item[0]))
    paths: set[str] = set()
    attempts = 0
    while len(paths) < count and attempts < count * 5:
        attempts += 1
        args, keys = rng.choice(filters)
        number = rng.randint(1, max(1, -(-len(keys) // per_page)))
        paths.add(cursor_path(args, keys, number, per_page) if mode == "cursor"
                  else _list_path(dict(args), number))
    return paths


def list_depth(path: str) -> int:
    """The page number a list URL of the mix leads to (its cursor's, or `page=`)."""
    args = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    if "after" in args:
        cursor = keyset.decode(args["after"][0])
        return cursor.number if cursor else 1
    page = args.get("page", ["1"])[0]
    return int(page) if page.isdigit() else 1


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


def mix_target(url: str, seed: int, per_page: int, base: str | None = None,
               size: int = MIX_SIZE) -> dict:
    """The realistic mix as a target of `run.load_all` (paths shuffled; ~40 % challenge
    pages, 15 % order pages, 30 % list pages, 15 % text queries). List pages by cursor,
    as the site links them; with `base` (a running server) the list's pagination is
    asked of the site (page numbers for a site whose links carry them)."""
    rng = random.Random(seed * 7919 + size)
    engine = create_engine(url)
    with engine.connect() as conn:
        challenge_ids = list(conn.execute(text(
            f"SELECT id FROM challenges WHERE status IN {PUBLIC}")).scalars())  # noqa: S608
        order_ids = list(conn.execute(text(
            f"SELECT id FROM pilot_orders WHERE status IN {SHOWN_ORDERS}")).scalars())  # noqa: S608
        by_filter = list_keys(conn)
        words = _words(conn, rng, size // 6)
    engine.dispose()
    mode = list_mode(base) if base else "cursor"
    n_challenges, n_orders = int(size * 0.40), int(size * 0.15)
    n_lists = int(size * 0.30)
    paths = [f"/challenges/{i}" for i in rng.sample(challenge_ids,
                                                    min(n_challenges, len(challenge_ids)))]
    paths += [f"/orders/{i}" for i in rng.sample(order_ids, min(n_orders, len(order_ids)))]
    lists = draw_list_paths(by_filter, rng, per_page, n_lists,
                            "page" if mode == "page" else "cursor")
    paths += sorted(lists)
    for n, query in enumerate(words):
        paths.append(_list_path({"q": query}, None) if n % 2 else
                     "/search?" + urllib.parse.urlencode({"q": query}))
    rng.shuffle(paths)
    depths = sorted(list_depth(p) for p in lists)
    return {"name": f"mix: {len(paths):,} distinct public URLs", "key": "mix", "paths": paths,
            "mix": {"challenges": min(n_challenges, len(challenge_ids)),
                    "orders": min(n_orders, len(order_ids)), "lists": len(lists),
                    "queries": len(words), "list_mode": mode, "filters": len(by_filter),
                    "deepest_page": depths[-1] if depths else 1,
                    "median_page": depths[len(depths) // 2] if depths else 1,
                    "pages_over_10": sum(d > 10 for d in depths),
                    "pages_over_1000": sum(d > 1000 for d in depths)}}


def ocds_paths(conn, page_size: int, count: int = 20) -> tuple[list[str], int]:
    """([path], the feed's last page number): `count` pages of the OCDS release package
    spread evenly from the first to the last, each addressed as the feed's
    `Link: rel="next"` addresses it: `?after=` the cursor of the page before's last
    challenge id (`keyset.encode_id`); page 1 without one. The feed's processes are the
    public challenges by id (`opendata.ocds.process_releases`)."""
    from marketplace.models import Challenge  # every model: the mappers configure

    ids = list(conn.execute(select(Challenge.id).where(Challenge.is_public)
                            .order_by(Challenge.id)).scalars())
    last = max(1, -(-len(ids) // page_size))
    numbers = sorted({1 + round(n * (last - 1) / max(1, count - 1)) for n in range(count)})
    return ["/opendata/ocds.json" if number == 1 else
            "/opendata/ocds.json?after=" + keyset.encode_id(ids[(number - 1) * page_size - 1],
                                                            number)
            for number in numbers], last


def kind(path: str) -> str:
    """The kind of a mix URL, for latencies per kind."""
    split = urllib.parse.urlsplit(path)
    args = urllib.parse.parse_qs(split.query)
    if split.path == "/search":
        return "search"
    if split.path == "/challenges/":
        if "q" in args:
            return "list: text query"
        page = list_depth(path)
        depth = "first page" if page == 1 else "pages 2-10" if page <= 10 else "page > 10"
        filtered = set(args) - {"page", "after", "before"}
        return f"list: {depth}" + (", filtered" if filtered else "")
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
