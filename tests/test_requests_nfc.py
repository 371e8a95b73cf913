"""Text as it was meant: every form value and query parameter reaches the views in Unicode
NFC, so a title pasted in decomposed form (NFD) is stored and searched like any other."""

import unicodedata
from urllib.parse import quote

from flask import request

from marketplace.accounts.models import User
from tests import factories

TITLE = "Chuyển đổi số giao thông Hà Nội"
NFD = unicodedata.normalize("NFD", TITLE)


def test_the_text_differs_before_normalisation():
    assert NFD != TITLE and unicodedata.normalize("NFC", NFD) == TITLE


def test_form_values_and_query_parameters_arrive_in_nfc(app):
    with app.test_request_context(f"/?q={quote(NFD)}&{quote(NFD)}=1", method="POST",
                                  data={"title": NFD, "nul": "a\x00b"}):
        assert request.args["q"] == TITLE
        assert request.args[TITLE] == "1"
        assert request.form["title"] == TITLE
        assert request.form["nul"] == "ab"


def test_a_name_typed_in_nfd_is_stored_in_nfc(client, session, make_user, login):
    user = make_user()
    login(user)
    response = client.post_form("/profile", {"full_name": NFD, "phone": "", "locale": "vi"},
                                token_from="/profile")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).full_name == TITLE


def test_an_nfd_query_finds_an_nfc_title(client, session, search_engine):
    from marketplace.search import services

    factories.make_challenge(session, title=TITLE)
    services.apply_pending(session)
    page = client.get(f"/challenges/?q={quote(unicodedata.normalize('NFD', 'Hà Nội'))}")
    assert TITLE in page.get_data(as_text=True)
