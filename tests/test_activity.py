"""The public activity stream shows public audit events only, as sentences naming
organizations (never people or emails), newest first, paginated by id; the Atom feed
is valid XML."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from marketplace.activity import services
from marketplace.audit.services import record
from tests import factories

ATOM = "{http://www.w3.org/2005/Atom}"


def _challenge(session):
    officer = factories.make_user(session, email="officer.private@agency.test",
                                  full_name="Trần Văn Bí Mật")
    agency = factories.make_agency(session, officer=officer, name_vi="Sở Y tế Đà Nẵng")
    challenge = factories.make_challenge(session, agency=agency, creator=officer,
                                         title="Bệnh án điện tử <liên thông>")
    return officer, challenge


def test_stream_shows_public_events_only_without_people(client, session):
    officer, challenge = _challenge(session)
    record(session, officer, "challenge.published", challenge, public=True)
    record(session, officer, "challenge.draft_saved", challenge, public=False,
           after={"secret": "nội dung riêng"})
    record(session, None, "challenge.closed", challenge, public=True)
    session.commit()
    html = client.get("/activity").get_data(as_text=True)
    assert "Sở Y tế Đà Nẵng đã công bố bài toán" in html
    assert "Bệnh án điện tử &lt;liên thông&gt;" in html
    assert "draft_saved" not in html and "nội dung riêng" not in html
    assert "officer.private@agency.test" not in html and "Trần Văn Bí Mật" not in html
    # newest first
    assert html.index("đã đóng nhận giải pháp") < html.index("đã công bố bài toán")


def test_stream_is_paginated_by_id(session, app):
    officer, challenge = _challenge(session)
    ids = [record(session, officer, "challenge.amended", challenge, public=True).id
           for _ in range(7)]
    with app.test_request_context():
        first = services.activity_page(session, limit=3)
        assert [i.id for i in first.items] == ids[::-1][:3]
        second = services.activity_page(session, before=first.next_before, limit=3)
        assert [i.id for i in second.items] == ids[::-1][3:6]
        third = services.activity_page(session, before=second.next_before, limit=3)
        assert [i.id for i in third.items] == ids[:1] and third.next_before is None


def test_older_link_and_bad_before(client, session):
    officer, challenge = _challenge(session)
    for _ in range(services.PAGE_SIZE + 2):
        record(session, officer, "challenge.amended", challenge, public=True)
    session.commit()
    html = client.get("/activity").get_data(as_text=True)
    assert "/activity?before=" in html
    assert client.get("/activity?before=abc").status_code == 200


def test_atom_feed_is_valid_and_escaped(client, session):
    officer, challenge = _challenge(session)
    record(session, officer, "challenge.published", challenge, public=True)
    record(session, officer, "challenge.secret", challenge, public=False)
    session.commit()
    response = client.get("/activity/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 - our own output
    assert feed.tag == f"{ATOM}feed"
    for name in ("title", "id", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert "Bệnh án điện tử <liên thông>" in entry.find(f"{ATOM}title").text
    assert entry.find(f"{ATOM}id").text.startswith("http")
    assert entry.find(f"{ATOM}updated").text.endswith("+00:00")
    assert b"officer.private" not in response.data


def test_unknown_public_events_get_a_neutral_sentence(session, app):
    record(session, None, "taxonomy.version_added", object_type="taxonomy_versions",
           object_id=1, public=True)
    with app.test_request_context():
        item = services.activity_page(session).items[0]
    assert item.link is None and "taxonomy.version_added" in item.text
