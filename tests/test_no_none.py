"""Nothing prints `None`: every page of the access-matrix world, as its legitimate party
and as a visitor, shows no bare None, null or undefined in its visible text."""

import html
import re

from tests.security.matrix import Clients, build_url, resolve
from tests.security.test_access_matrix import TABLE
from tests.security.world import build_world

BARE = re.compile(r"\b(None|null|undefined)\b")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_no_page_prints_none(app, client, session):
    world = build_world(session)
    clients = Clients(app, client)
    problems, pages = [], 0
    for case in TABLE:
        if case.get is None or case.endpoint in {"static", "bootstrap.static"}:
            continue
        url = build_url(app, world, case).replace("OPEN", str(world.open.id))
        for user in {None, resolve(world, case.owner)}:
            response = clients.for_user(user).get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                response.close()
                continue
            pages += 1
            text = visible_text(response.get_data(as_text=True))
            response.close()
            for match in BARE.finditer(text):
                around = " ".join(text[max(match.start() - 60, 0):match.end() + 40].split())
                problems.append(f"{case.name}: …{around}…")
    assert pages > 60, pages
    assert not problems, "\n".join(problems)


def test_every_page_links_a_favicon_that_exists(client):
    page = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page).group(1)
    icon = client.get(href)
    icon.close()
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_favicon_ico_leads_to_the_icon(client):
    """Clients that ask for /favicon.ico without reading the page get the icon, not a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response.headers["Location"])
    icon.close()
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
