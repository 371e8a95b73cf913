"""The public activity stream and its Atom feed."""

from xml.etree import ElementTree as ET  # noqa: S405 - we only build XML, never parse it

from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext as _

from marketplace.activity import services
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.params import query_int
from marketplace.types import utcnow

bp = Blueprint("activity", __name__, url_prefix="/activity")
ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _before() -> int | None:
    return query_int("before")


@bp.route("")
def index():
    page = services.activity_page(db.session, before=_before())
    return render_template("activity/index.html", page=page)


@bp.route("/feed.atom")
def feed():
    page = services.activity_page(db.session, limit=FEED_SIZE, external=True)
    home = url_for("activity.index", _external=True)
    root = ET.Element("feed", {"xmlns": ATOM, "xml:lang": current_language()})
    ET.SubElement(root, "title").text = _("First Customer Marketplace: public activity")
    ET.SubElement(root, "id").text = home
    updated = page.items[0].created_at if page.items else utcnow()
    ET.SubElement(root, "updated").text = updated.isoformat()
    ET.SubElement(root, "link", rel="self", type="application/atom+xml",
                  href=url_for("activity.feed", _external=True))
    ET.SubElement(root, "link", rel="alternate", type="text/html", href=home)
    ET.SubElement(ET.SubElement(root, "author"), "name").text = _("First Customer Marketplace")
    for item in page.items:
        entry = ET.SubElement(root, "entry")
        ET.SubElement(entry, "id").text = f"{home}#event-{item.id}"
        ET.SubElement(entry, "title", type="text").text = item.text
        ET.SubElement(entry, "updated").text = item.created_at.isoformat()
        ET.SubElement(entry, "link", rel="alternate", href=item.link or home)
        ET.SubElement(entry, "summary", type="text").text = item.text
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")
