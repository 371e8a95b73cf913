"""Text that lies about itself (issue 14): bidi controls in file names and user text, and
spreadsheet formulas hidden behind full-width signs or a quote."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select

from marketplace.evaluation import report
from marketplace.files.models import Attachment
from marketplace.files.routes import content_disposition
from marketplace.files.storage import safe_filename
from marketplace.opendata import csv_export
from marketplace.textsafety import BIDI_CONTROLS, FSI, PDI
from tests.security.matrix import Clients
from tests.submissions_factories import PDF

# one worker builds this module's world (a second would build it again): xdist_group
pytestmark = [pytest.mark.shared_world, pytest.mark.xdist_group("security-text_that_lies")]

RLO = "\u202e"


@pytest.mark.parametrize("control", list(BIDI_CONTROLS))
def test_file_names_lose_every_bidi_control(control):
    assert safe_filename(f"rtl{control}fdp.exe.pdf") == "rtlfdp.exe.pdf"
    assert control not in content_disposition(f"rtl{control}fdp.exe.pdf")


def test_an_uploaded_name_is_stored_and_downloaded_without_them(app, client, session, world):
    officer = Clients(app, client).for_user(world.officer)
    officer.post_form(f"/challenges/{world.draft.id}/attachments",
                      {"files": (BytesIO(PDF), f"hop-dong{RLO}fdp.exe.pdf")}, token_from="/",
                      content_type="multipart/form-data")
    added = session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
    assert added.original_name == "hop-dongfdp.exe.pdf"
    assert RLO not in officer.get(f"/files/{added.id}").headers["Content-Disposition"]


def test_user_text_with_bidi_controls_is_shown_isolated(app, client, session, world):
    """A title holding an override is printed inside an isolate (FSI … PDI), which ends
    the override with the title: nothing else on the page moves. Ordinary text gains
    nothing."""
    world.open.title = f"Giao thông {RLO}gnáhc iảig"
    session.flush()
    html = client.get(f"/challenges/{world.open.id}").get_data(as_text=True)
    assert f"{FSI}Giao thông {RLO}gnáhc iảig{PDI}" in html
    assert html.count(RLO) == html.count(f"{FSI}Giao thông {RLO}")
    plain = client.get(f"/challenges/{world.awarded.id}").get_data(as_text=True)
    assert FSI not in plain and PDI not in plain


@pytest.mark.parametrize("value", ["＝1+1", "＋1", "－1", "＠SUM(A1)", '"=1+1', '"+1',
                                   "=1+1", "@x", "\t=1"])
def test_formulas_in_disguise_are_neutralised_in_every_csv(value):
    assert csv_export.safe_cell(value) == "'" + value
    assert report.safe_cell(value) == "'" + value


def test_ordinary_cells_are_left_alone():
    for value in ("Hà Nội", '"trích dẫn"', "1.500.000", "Ｈà"):
        assert csv_export.safe_cell(value) == value
