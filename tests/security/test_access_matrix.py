"""The access-control matrix: every route of the app (from `app.url_map`, so a new route
cannot be forgotten), requested as each role against a realistic world, with the status
each role must get.

Roles: a visitor (anonymous), a member of another solver, an officer of another agency,
an evaluator appointed elsewhere (unassigned), an evaluator who declared a conflict on
the submission (recused), an administrator, and the owner: the legitimate party of that
route (named per row as a path in the world of `world.py`).

For each row the GET is requested (routes without GET answer 405 to everyone) and, for
rules with POST, a POST with a valid CSRF token and an empty form. A GET never changes
the database; a refused POST (302 to the login page, 400, 403, 404, 405) changes nothing
either. Each request runs in a savepoint that is rolled back, so one role's successful
POST never changes the world the next row sees.

Sealed things answer 404, not 403: drafts of challenges and orders not yet offered,
submissions before the deadline (to everyone outside the solver, admins included),
their files, an invitation or notification of someone else."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from marketplace import policy
from marketplace.extensions import db
from tests.security.matrix import (
    BAD,
    FORBIDDEN,
    LOGIN,
    MEMBERS,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    ONLY_POST,
    PUBLIC,
    REDIRECT,
    REFUSALS,
    ROLE_USERS,
    SECRET_ARGS,
    SECRETS,
    Case,
    Clients,
    build_url,
    outcome,
    request_rolled_back,
    resolve,
    row,
    secret_urls,
    session_csrf_token,
    snapshot,
)
from tests.security.world import ROLES

pytestmark = pytest.mark.shared_world

L, R, B, F, N, M = LOGIN, REDIRECT, BAD, FORBIDDEN, NOT_FOUND, NOT_ALLOWED
ADMIN_ONLY = row(L, F, F, F, F, OK, OK)
AGENCY_ONLY = row(L, F, F, F, F, F, OK)

# endpoint, object, owner, GET (anonymous, other solver, other officer, unassigned
# evaluator, recused evaluator, admin, owner), POST (the same columns)
TABLE = [
    # --- public pages, open data, API ------------------------------------------------
    Case("public.home", "none", None, PUBLIC),
    Case("public.healthz", "none", None, PUBLIC),
    Case("public.favicon", "none", None, row(R, R, R, R, R, R, R)),
    Case("public.readyz", "none", None, PUBLIC),
    Case("public.set_language", "en", None, None, row(R, R, R, R, R, R, R)),
    Case("static", "static", None, PUBLIC),
    Case("bootstrap.static", "bootstrap", None, PUBLIC),
    Case("challenges.index", "none", None, PUBLIC),
    Case("dashboard.index", "none", None, PUBLIC),
    Case("search.index", "none", None, PUBLIC, query={"q": "giao thông"}),
    Case("confirm.page", "none", None, PUBLIC, query={"action": "/challenges/1/publish"}),
    Case("activity.index", "none", None, PUBLIC),
    Case("activity.feed", "none", None, PUBLIC),
    Case("opendata.index", "none", None, PUBLIC),
    Case("opendata.csv", "csv", None, PUBLIC),
    Case("opendata.xlsx", "csv", None, PUBLIC),
    Case("opendata.ocds", "none", None, PUBLIC),
    # issue 18: scorecards of verified organizations, the ranking, the methodology
    Case("scorecards.agency", "agency_org", None, PUBLIC),
    Case("scorecards.agency", "solver_org", None, row(N, N, N, N, N, N, N)),
    Case("scorecards.agency", "pending_org", None, row(N, N, N, N, N, N, N)),
    Case("scorecards.solver", "solver_org", None, PUBLIC),
    Case("scorecards.solver", "agency_org", None, row(N, N, N, N, N, N, N)),
    Case("scorecards.solver", "pending_org", None, row(N, N, N, N, N, N, N)),
    Case("scorecards.ranking", "none", None, PUBLIC, query={"by": "province"}),
    Case("scorecards.ranking_download", "xlsx", None, PUBLIC),
    Case("scorecards.methodology", "none", None, PUBLIC),
    Case("live.version", "none", None, PUBLIC),
    Case("api.index", "none", None, PUBLIC),
    Case("api.openapi", "none", None, PUBLIC),
    Case("opendata.records", "none", None, PUBLIC),
    # public, but 404 for everyone until the worker wrote the file (test_opendata_ocds)
    Case("opendata.bulk", "bulk", None, row(*[NOT_FOUND] * 7)),
    Case("api.challenges", "none", None, PUBLIC),
    Case("api.challenge", "open", None, PUBLIC),
    # the opening record: nothing before the close (not even that it will exist), then public
    Case("api.opening_record", "open", None, row(N, N, N, N, N, N, N)),
    Case("api.opening_record", "evaluating", None, PUBLIC),
    Case("api.awards", "none", None, PUBLIC),
    Case("api.award", "awarded", None, PUBLIC),
    Case("api.orders", "none", None, PUBLIC),
    Case("api.order", "awarded", None, PUBLIC),
    # Stripe is not configured in tests: the webhook is not there (signed: test_csrf.py)
    Case("payments.stripe_webhook", "none", None, None, row(N, N, N, N, N, N, N)),

    # --- accounts --------------------------------------------------------------------
    Case("accounts.login", "none", None, row(OK, R, R, R, R, R, OK),
         row(B, R, R, R, R, R, B)),
    Case("accounts.register", "none", None, row(OK, R, R, R, R, R, OK),
         row(OK, R, R, R, R, R, OK)),
    Case("accounts.logout", "none", "solver_owner", None, row(L, R, R, R, R, R, R)),
    # sign-in with a national identity provider: off in tests (tests/test_accounts_oidc.py)
    Case("oidc.start", "none", None, None, row(N, N, N, N, N, N, N)),
    Case("oidc.callback", "none", None, row(N, N, N, N, N, N, N)),
    Case("accounts.forgot_password", "none", None, PUBLIC, PUBLIC),
    Case("accounts.reset_password", "reset_token", None, PUBLIC, PUBLIC),
    # (a field left out of the POST keeps its saved value: the profile is saved again)
    Case("accounts.profile", "none", "solver_owner", MEMBERS, row(L, R, R, R, R, R, R)),
    Case("accounts.change_password", "none", "solver_owner", MEMBERS, MEMBERS),
    Case("accounts.reauthenticate", "none", "solver_owner", MEMBERS, MEMBERS),
    Case("organizations.show", "solver_org", "solver_owner", PUBLIC),
    Case("organizations.show", "pending_org", "admin", row(N, N, N, N, N, OK, OK)),
    Case("organizations.members", "solver_org", "solver_owner", row(L, F, F, F, F, OK, OK),
         row(L, F, F, F, F, OK, OK)),
    Case("organizations.change_role", "solver_org", "solver_owner", None,
         row(L, F, F, F, F, F, R)),
    Case("organizations.remove_member", "solver_org", "solver_owner", None,
         row(L, F, F, F, F, F, R)),
    Case("organizations.resubmit", "solver_org", "solver_owner", None,
         row(L, F, F, F, F, F, R)),
    # anyone holding the secret link sees the invitation; accepting needs its addressee
    Case("organizations.invitation", "invitation_token", None, PUBLIC,
         row(L, OK, OK, OK, OK, OK, L)),

    # --- administration --------------------------------------------------------------
    Case("admin.index", "none", "admin", ADMIN_ONLY),
    Case("admin.organization_list", "none", "admin", ADMIN_ONLY),
    Case("admin.verify_organization", "pending_org", "admin", None, row(L, F, F, F, F, R, R)),
    Case("admin.reject_organization", "pending_org", "admin", ADMIN_ONLY, ADMIN_ONLY),
    Case("admin.user_list", "none", "admin", ADMIN_ONLY),
    Case("admin.set_user_active", "user", "admin", None, row(L, F, F, F, F, R, R)),
    Case("admin.taxonomy_index", "none", "admin", ADMIN_ONLY),
    Case("admin.new_version", "none", "admin", ADMIN_ONLY, ADMIN_ONLY),
    Case("admin.edit_group", "taxonomy", "admin", ADMIN_ONLY, row(L, F, F, F, F, R, R)),

    # --- challenges ------------------------------------------------------------------
    Case("challenges.show", "draft", "officer", row(N, N, N, N, N, OK, OK)),
    Case("challenges.show", "open", "officer", PUBLIC),
    Case("challenges.mine", "none", "officer", MEMBERS),
    # drafting is open to any agency's officer (the other officer drafts for their own)
    Case("challenges.new", "none", "officer", row(L, F, OK, F, F, F, OK),
         row(L, F, B, F, F, F, B)),
    Case("challenges.edit", "draft", "officer", row(L, N, N, N, N, F, OK),
         row(L, N, N, N, N, F, B)),
    Case("challenges.publish", "draft", "officer", None, row(L, N, N, N, N, F, R)),
    Case("challenges.upload", "draft", "officer", None, row(L, N, N, N, N, F, R)),
    Case("challenges.remove_attachment", "draft", "officer", None,
         row(L, N, N, N, N, F, R)),
    Case("challenges.cancel", "open", "officer", AGENCY_ONLY, row(L, F, F, F, F, F, B)),
    Case("challenges.start_evaluation", "open", "officer", None, row(L, F, F, F, F, F, R)),
    Case("challenges.questions", "open", "officer", AGENCY_ONLY),
    # any solver may ask (an empty question is refused with 400)
    Case("challenges.ask", "open", "solver_owner", None, row(L, B, F, F, F, F, B)),
    Case("challenges.answer", "open", "officer", None, row(L, F, F, F, F, F, B)),

    # --- submissions: sealed until the deadline ---------------------------------------
    Case("submissions.index", "none", "solver_owner", MEMBERS),
    Case("submissions.new", "none", "partner_owner", row(L, OK, R, R, R, R, OK),
         row(L, OK, R, R, R, R, OK), query={"challenge": "OPEN"}),
    Case("submissions.show", "sealed", "solver_owner", row(N, N, N, N, N, N, OK)),
    Case("submissions.show", "draft_sub", "solver_owner", row(N, N, N, N, N, N, OK)),
    Case("submissions.edit", "draft_sub", "solver_owner", row(L, N, N, N, N, N, OK),
         row(L, N, N, N, N, N, R)),
    Case("submissions.add_attachments", "draft_sub", "solver_owner", None,
         row(L, N, N, N, N, N, R)),
    Case("submissions.remove_attachment", "draft_sub", "solver_owner", None,
         row(L, N, N, N, N, N, R)),
    Case("submissions.change", "draft_sub", "solver_owner", None, row(L, N, N, N, N, N, R)),
    Case("submissions.invite_partner", "draft_sub", "solver_owner", None,
         row(L, N, N, N, N, N, OK)),  # an empty invitation: the form again, with its error
    Case("submissions.remove_partner", "draft_sub", "solver_owner", None,
         row(L, N, N, N, N, N, R)),
    Case("submissions.invitations", "none", "partner_owner", MEMBERS),
    Case("submissions.respond", "invite", "partner_owner", None, row(L, N, N, N, N, N, R)),

    # --- evaluation ------------------------------------------------------------------
    Case("evaluation.index", "none", "evaluator", MEMBERS),
    # the recused evaluator reaches the page of its panel, without the content
    # (test_recused_evaluator_sees_no_content)
    Case("evaluation.submission", "evaluating", "evaluator", row(L, N, N, N, OK, N, OK)),
    Case("evaluation.declare", "evaluating", "evaluator", None, row(L, N, N, N, B, N, B)),
    # (an empty form saves an empty draft of the evaluator's own scores)
    Case("evaluation.scores", "evaluating", "evaluator", None, row(L, N, N, N, F, N, R)),
    Case("evaluation.attachment", "evaluating", "evaluator", row(L, N, N, N, N, N, OK)),
    Case("evaluation.moderate", "evaluating", "evaluator", row(L, N, N, N, F, N, OK),
         row(L, N, N, N, F, N, OK)),
    Case("evaluation.panel", "evaluating", "officer", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("evaluation.start", "open", "officer", None, row(L, F, F, F, F, F, R)),
    # a panel member is the agency's business: 404 outside it, as a missing member id
    # (issue 14: remove_member answered 403 where its neighbours answer 404)
    Case("evaluation.make_chair", "evaluating", "officer", None, row(L, N, N, N, N, N, R)),
    # a submission is the agency's and its panel's business: 404 for everyone else
    Case("evaluation.disqualify", "evaluating", "officer", None, row(L, N, N, N, F, N, R)),
    Case("evaluation.shortlist", "evaluating", "officer", None, row(L, N, N, N, F, N, R)),
    # (an empty form is refused with a message, back to the panel or the submission)
    Case("evaluation.remove_member", "evaluating", "officer", None, row(L, N, N, N, N, N, R)),
    Case("evaluation.amend_declaration", "evaluating", "evaluator", None,
         row(L, N, N, N, R, N, R)),
    Case("evaluation.propose", "evaluating", "officer", AGENCY_ONLY, AGENCY_ONLY),
    Case("evaluation.no_award", "evaluating", "officer", None, row(L, F, F, F, F, F, R)),
    Case("evaluation.report_page", "evaluating", "officer", AGENCY_ONLY),
    Case("evaluation.report_csv", "evaluating", "officer", AGENCY_ONLY),
    Case("evaluation.award", "proposed_award", "approver", AGENCY_ONLY),
    Case("evaluation.approve", "proposed_award", "approver", None, row(L, F, F, F, F, F, R)),
    Case("evaluation.reject", "proposed_award", "approver", None, row(L, F, F, F, F, F, B)),
    Case("evaluation.award_page", "awarded", None, PUBLIC),
    Case("evaluation.feedback", "awarded", "solver_owner", row(L, N, N, N, N, N, OK)),

    # --- pilot orders: public once signed, the parties' business before -------------
    Case("orders.show", "awarded", None, PUBLIC),
    Case("orders.show", "draft_order", "draft_order.parties.officer",
         row(N, N, N, N, N, N, OK)),
    Case("orders.new", "free_item", "free_item_parties.officer", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("orders.edit", "draft_order", "draft_order.parties.officer",
         row(L, N, N, N, N, N, OK), row(L, N, N, N, N, N, B)),
    Case("orders.offer", "draft_order", "draft_order.parties.officer", None,
         row(L, N, N, N, N, N, R)),
    Case("orders.withdraw_offer", "offered", "offered.parties.officer", None,
         row(L, N, N, N, N, N, R)),
    Case("orders.sign", "offered", "offered.parties.owner", row(L, N, N, N, N, N, OK),
         row(L, N, N, N, N, N, B)),
    Case("orders.sign", "signed", "signed.parties.approver", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("orders.terminate", "active", "active.parties.officer", AGENCY_ONLY, AGENCY_ONLY),
    Case("orders.amend", "active", "active.parties.officer", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("orders.sign_amendment", "active", "active.parties.approver", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("orders.withdraw_amendment", "active", "active.parties.officer", None,
         row(L, F, F, F, F, F, R)),
    Case("orders.deliver", "active_planned", "solver_member", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("orders.accept", "active_delivered", "active.parties.officer", None,
         row(L, F, F, F, F, F, R)),
    Case("orders.reject", "active_delivered", "active.parties.officer", AGENCY_ONLY,
         AGENCY_ONLY),
    # (an empty Treasury payment form: every field refused, 400)
    Case("orders.pay", "active_accepted", "active.parties.officer", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("orders.abandon_payment", "stuck_payment", "active.parties.officer", None,
         row(L, F, F, F, F, F, R)),
    Case("orders.rate", "completed", "completed.parties.officer", AGENCY_ONLY, AGENCY_ONLY),
    Case("orders.recommend", "completed", "completed.parties.officer", AGENCY_ONLY,
         AGENCY_ONLY),

    # --- issue 17: outcomes, the catalogue, follow-on orders ---------------------------
    Case("outcomes.record", "completed", "completed.parties.officer", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("outcomes.publish", "draft_outcome", "draft_outcome.parties.officer", None,
         row(L, F, F, F, F, F, R)),
    Case("outcomes.sandbox", "active", "active.parties.officer", AGENCY_ONLY,
         row(L, F, F, F, F, F, R)),
    Case("outcomes.approve", "follow_on_draft", "buyer.approver", None,
         row(L, N, N, N, N, N, R)),
    Case("catalogue.index", "none", None, PUBLIC),
    Case("api.catalogue", "none", None, PUBLIC),
    Case("api.catalogue_entry", "entry", None, PUBLIC),
    Case("catalogue.entry", "entry", None, PUBLIC),
    Case("catalogue.offer", "entry", "entry.parties.owner", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("catalogue.confirm", "pending_entry", "pending_entry.parties.officer", None,
         row(L, F, F, F, F, F, R)),
    Case("catalogue.withdraw", "entry", "entry.parties.owner", None,
         row(L, F, F, F, F, F, R)),
    Case("catalogue.relist", "entry", "entry.parties.owner", None,
         row(L, F, F, F, F, F, R)),
    # any verified agency's officer may buy again (the other agency's officer too)
    Case("catalogue.follow_on", "entry", "buyer.officer", row(L, F, OK, F, F, F, OK),
         row(L, F, B, F, F, F, B)),

    # --- citizens' feedback on a running pilot: anyone rates (an empty form: 400); the
    # agency's officers moderate; a waiting comment is nobody else's to know ----------
    Case("feedback.give", "active", None, PUBLIC, row(B, B, B, B, B, B, B)),
    Case("feedback.give", "draft_order", "draft_order.parties.officer",
         row(N, N, N, N, N, N, N), row(N, N, N, N, N, N, N)),
    Case("feedback.qr_code", "active", None, PUBLIC),
    Case("feedback.moderation", "active", "active.parties.officer", AGENCY_ONLY),
    Case("feedback.approve", "citizen_comment", "active.parties.officer", None,
         row(L, N, N, N, N, N, R)),
    Case("feedback.reject", "citizen_comment", "active.parties.officer", None,
         row(L, N, N, N, N, N, R)),

    # --- alerts: anyone follows a public thing (an empty form names nothing: 404); each
    # user manages their own; the signed links work for whoever holds them -----------
    Case("alerts.follow", "none", None, PUBLIC, row(N, N, N, N, N, N, N),
         query={"kind": "search", "on": "challenges", "q": "giao thông"}),
    Case("alerts.index", "none", "solver_owner", MEMBERS),
    Case("alerts.stop", "follow", "solver_owner", None, row(L, N, N, N, N, N, R)),
    Case("alerts.confirm", "confirm_link", None, PUBLIC, PUBLIC),
    Case("alerts.unsubscribe", "unsubscribe_link", None, PUBLIC, PUBLIC),
    Case("alerts.agency_feed", "agency", None, PUBLIC),
    Case("alerts.search_feed", "none", None, PUBLIC,
         query={"on": "challenges", "q": "giao thông"}),

    # --- official documents (PDF): the policy's document.* rules ----------------------
    Case("documents.award_decision", "awarded", None, PUBLIC),
    Case("documents.award_decision", "proposed_award", "approver", row(N, N, N, N, N, N, N)),
    Case("documents.order_contract", "active", "active.parties.owner",
         row(L, N, N, N, N, N, OK)),
    Case("documents.order_public", "active", None, PUBLIC),
    Case("documents.order_public", "offered", "offered.parties.owner",
         row(N, N, N, N, N, N, OK)),
    # signed with typed names: there is no digitally signed PDF to download
    Case("documents.order_signed", "active", "active.parties.owner",
         row(L, N, N, N, N, N, N)),
    Case("documents.amendment", "active", "active.parties.officer",
         row(L, N, N, N, N, N, OK)),
    Case("documents.receipt", "sealed", "solver_owner", row(L, N, N, N, N, N, OK)),
    Case("documents.opening_record", "open", None, row(N, N, N, N, N, N, N)),
    Case("documents.opening_record", "evaluating", None, PUBLIC),
    Case("documents.amendment_signed", "active", "active.parties.officer",
         row(L, N, N, N, N, N, N)),
    Case("documents.sign_amendment", "active", "active.parties.approver", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    # no trust list in the matrix's world: the certificate form is refused with 400
    Case("documents.sign_order", "offered", "offered.parties.owner",
         row(L, N, N, N, N, N, OK), row(L, N, N, N, N, N, B)),
    Case("documents.sign_order", "signed", "signed.parties.approver", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),

    # --- files: whoever may see what they belong to; 404 for everyone else ----------
    Case("files.download", "file_open", None, PUBLIC),
    Case("files.download", "file_draft", "officer", row(N, N, N, N, N, OK, OK)),
    Case("files.download", "file_sealed", "solver_owner", row(N, N, N, N, N, N, OK)),
    Case("files.download", "file_evaluated", "evaluator", row(N, N, N, N, N, N, OK)),
    Case("files.download", "file_delivery", "active.parties.officer",
         row(N, N, N, N, N, N, OK)),

    # --- complaints: the register and decided summaries are public; a complaint, its
    # grounds and its evidence are the agency's and the complainant's only -----------
    # --- phases with down-selection (issue 17) -------------------------------------
    Case("phases.funnel", "phased", None, PUBLIC),
    Case("phases.define", "phase_draft", "officer", row(L, N, N, N, N, F, OK),
         row(L, N, N, N, N, F, R)),
    Case("phases.manage", "phased", "phased.officer", row(L, F, F, F, F, F, OK)),
    Case("phases.open_results", "phase_planned", "phased_planned.officer", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),
    Case("phases.start_evaluation", "phase_due", "phased_due.officer", None,
         row(L, F, F, F, F, F, R)),
    Case("phases.my_result", "phased", "phased.solver", row(L, F, F, F, F, F, R),
         row(L, F, F, F, F, F, R)),
    # sealed until the deadline: 404 to everyone but its solver, the agency included
    Case("phases.result", "phased", "phased.solver", row(L, N, N, N, N, N, OK)),
    Case("phases.reopen_result", "phased", "phased.solver", None, row(L, N, N, N, N, N, R)),
    Case("phases.score", "phase_eval", "phased_eval.evaluator", row(L, N, N, N, N, N, OK),
         row(L, N, N, N, N, N, B)),
    Case("phases.select_", "phase_eval", "phased_eval.officer", AGENCY_ONLY,
         row(L, F, F, F, F, F, B)),

    Case("complaints.register", "none", None, PUBLIC),
    Case("complaints.show", "complaint", "protest.loser_user", row(N, N, N, N, N, N, OK)),
    Case("complaints.show", "decided_complaint", None, PUBLIC),
    Case("complaints.file", "complaint", "protest.loser_user", row(L, F, F, F, F, F, OK),
         row(L, F, F, F, F, F, B)),
    Case("complaints.review", "complaint", "protest.officer", None, row(L, N, N, N, N, N, R)),
    Case("complaints.withdraw", "complaint", "protest.loser_user", None,
         row(L, N, N, N, N, N, R)),
    Case("complaints.decide", "complaint", "protest.officer", None, row(L, N, N, N, N, N, B)),
    Case("files.download", "file_complaint", "protest.loser_user", row(N, N, N, N, N, N, OK)),

    # --- drafts: deleted by their authors; 404 for everyone else ----------------------
    Case("drafts.delete_challenge", "draft", "officer", None, row(L, N, N, N, N, N, R)),
    Case("drafts.delete_submission", "draft_sub", "solver_owner", None,
         row(L, N, N, N, N, N, R)),
    Case("drafts.delete_order", "draft_order", "draft_order.parties.officer", None,
         row(L, N, N, N, N, N, R)),

    # --- notifications: each user their own ------------------------------------------
    Case("notifications.index", "none", "solver_owner", MEMBERS),
    Case("todo.index", "none", "solver_owner", MEMBERS),
    Case("notifications.mark_read", "notification", "solver_owner", None,
         row(L, N, N, N, N, N, R)),
    Case("notifications.mark_all_read", "none", "solver_owner", None,
         row(L, R, R, R, R, R, R)),
    Case("notifications.preferences", "none", "solver_owner", MEMBERS,
         row(L, R, R, R, R, R, R)),
    Case("notifications.subscriptions", "none", "solver_owner", MEMBERS, MEMBERS),
    Case("notifications.unsubscribe", "subscription", "solver_owner", None,
         row(L, N, N, N, N, N, R)),
]


def _methods(app, endpoint):
    methods = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == endpoint:
            methods |= rule.methods
    return methods


def test_every_route_has_a_row(app):
    """A new route fails here until someone writes who may use it."""
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    covered = {case.endpoint for case in TABLE}
    assert routes - covered == set(), "routes without a row in the access matrix"
    assert covered - routes == set(), "rows for routes that do not exist"
    for rule in app.url_map.iter_rules():  # every variant of a rule (admin.edit_group)
        assert any(case.endpoint == rule.endpoint for case in TABLE)


def test_every_row_matches_its_methods(app):
    for case in TABLE:
        methods = _methods(app, case.endpoint)
        assert (case.get is not None) == ("GET" in methods), case.name
        assert (case.post is not None) == ("POST" in methods), case.name


def test_both_rules_of_a_two_rule_endpoint_are_requested(app, world):
    """admin.edit_group has a `new` rule and an `edit` rule: both refuse non-admins."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == "admin.edit_group"]
    assert len(rules) == 2
    clients = Clients(app, None)
    for path in (f"/admin/taxonomy/versions/{world.version.id}/groups/new",
                 f"/admin/taxonomy/versions/{world.version.id}/groups/{world.group.id}"):
        assert outcome(clients.for_user(None).get(path)) == LOGIN
        assert clients.for_user(world.officer).get(path).status_code == 403
        assert clients.for_user(world.admin).get(path).status_code == 200


def _request(client, method, url, connection, session):
    """One request in a savepoint rolled back afterwards: (outcome, changed?)."""
    token = session_csrf_token(client) if method == "POST" else None
    savepoint = connection.begin_nested()
    try:
        before = snapshot(session)
        if method == "GET":
            response = client.get(url)
            response.close()
        else:
            response = client.post(url, data={"csrf_token": token})
        response.close()
        after = snapshot(session)
    finally:
        savepoint.rollback()
        session.expire_all()
    assert response.status_code != 500, f"{method} {url}: 500"
    return outcome(response), before != after


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, session, connection, world, role):
    clients = Clients(app, client)
    problems = []
    # every GET first: a POST that removes a file is rolled back, the stored file is not
    requests = [(case, "GET", (case.get or ONLY_POST)[role]) for case in TABLE]
    requests += [(case, "POST", case.post[role]) for case in TABLE if case.post is not None]
    for case, method, expected in requests:
        user = resolve(world, case.owner if role == "owner" else ROLE_USERS[role])
        url = build_url(app, world, case).replace("OPEN", str(world.open.id))
        the_client = clients.for_user(user)
        if case.endpoint == "accounts.logout" and user is not None:
            the_client = Clients(app, client).for_user(user)  # a session of its own
        got, changed = _request(the_client, method, url, connection, session)
        if got != expected:
            problems.append(f"{method} {case.name} as {role}: {got}, expected {expected}")
        if changed and (method == "GET" or expected in REFUSALS):
            problems.append(f"{method} {case.name} as {role} changed the database")
    assert not problems, "\n".join(problems)


def test_recused_evaluator_sees_no_content(app, client, session, world):
    """The recused evaluator reaches the panel's page of the submission, but neither its
    content nor its files; the evaluator without a conflict sees both."""
    world.evaluated.summary = "Nội dung bí mật của hồ sơ dự thi"
    session.flush()
    clients = Clients(app, client)
    url = f"/evaluation/submissions/{world.evaluated.id}"
    recused = clients.for_user(world.recused).get(url).get_data(as_text=True)
    assert "Nội dung bí mật" not in recused
    assert clients.for_user(world.recused).get(url + "/attachments/1").status_code == 404
    evaluator = clients.for_user(world.evaluator).get(url).get_data(as_text=True)
    assert "Nội dung bí mật" in evaluator


def test_sealed_submission_is_404_even_for_its_agency_and_admins(app, client, world):
    """Before the deadline nobody outside the solver — not the agency that owns the
    challenge, not an administrator — learns anything of a submission or its files."""
    clients = Clients(app, client)
    paths = [f"/submissions/{world.sealed.id}", f"/files/{world.sealed_attachment.id}",
             f"/submissions/{world.sealed.id}/edit",
             f"/evaluation/submissions/{world.sealed.id}",
             f"/evaluation/submissions/{world.sealed.id}/attachments/1"]
    for user in (world.officer, world.approver, world.admin, world.evaluator):
        for path in paths:
            assert clients.for_user(user).get(path).status_code == 404, (user, path)
    owner = clients.for_user(world.solver_owner)
    assert owner.get(paths[0]).status_code == 200
    assert owner.get(paths[1]).status_code == 200
    # a number that does not exist answers exactly the same
    assert clients.for_user(world.officer).get("/submissions/999999").status_code == 404


_TOKEN = re.compile(r'name="csrf_token" value="[^"]+"')


def _answer(client, token, method, url, connection, session):
    """(status, Location, body) of one request in a savepoint rolled back afterwards,
    with the URL itself (a login redirect carries it in `next`) and the page's fresh
    CSRF tokens taken out."""
    response, _ = request_rolled_back(client, token, method, url, connection, session)

    def clean(text):
        text = _TOKEN.sub('name="csrf_token" value=""', text)
        return text.replace(quote(url, safe=""), "URL").replace(url, "URL")

    return (response.status_code, clean(response.headers.get("Location", "")),
            clean(response.get_data(as_text=True)))


@pytest.mark.parametrize("arg", sorted(SECRET_ARGS))
def test_secret_objects_answer_like_missing_ids(app, client, session, connection, world, arg):
    """Every route of the URL map that names a sealed or draft submission, its files, a
    draft challenge, an unsigned order, another user's notification, subscription or
    consortium invitation — GET and POST (with a valid CSRF token and an empty form) —
    answers each outsider exactly (status, Location, body) what it answers for an id
    that does not exist. One test per URL argument that names a secret (xdist spreads
    them), each over every route that takes that argument."""
    clients = Clients(app, client)
    problems, covered, compared, tokens, missing = [], set(), 0, {}, {}
    for secret in (secret for secret in SECRETS if secret.arg == arg):
        for path in secret.outsiders:
            user = resolve(world, path)
            obj_values = secret.values(world)
            assert not policy.knows(user, _secret_object(world, secret, obj_values)), \
                (secret.name, path)
            the_client = clients.for_user(user)
            token = tokens.setdefault(path, the_client.csrf_token("/"))
            for rule, method, url, missing_url in secret_urls(app, world, secret):
                covered.add((rule.rule, secret.arg))
                got = _answer(the_client, token, method, url, connection, session)
                key = (path, method, missing_url)
                if key not in missing:
                    missing[key] = _answer(the_client, token, method, missing_url,
                                           connection, session)
                expected = missing[key]
                compared += 1
                if got != expected:
                    problems.append(f"{method} {rule.rule} [{secret.name}] as {path}: "
                                    f"{got[0]} {got[1]!r}, a missing id: {expected[0]} "
                                    f"{expected[1]!r}" + _first_difference(got, expected))
    assert not problems, "\n".join(problems)
    # every rule of the URL map that takes the argument
    assert covered == {(rule.rule, arg) for rule in app.url_map.iter_rules()
                       if arg in rule.arguments}
    print(f"{compared} requests of a secret object, {len(missing)} of a missing id, "
          f"{len(covered)} (route, argument) pairs")



def _first_difference(got, expected) -> str:
    at = next((i for i, (a, b) in enumerate(zip(got[2], expected[2], strict=False))
               if a != b), min(len(got[2]), len(expected[2])))
    return f" (bodies differ at {at}: {got[2][at - 60:at + 60]!r})" if got != expected else ""


def _secret_object(world, secret, values):
    from marketplace.challenges.models import Challenge
    from marketplace.files.models import Attachment
    from marketplace.notifications.models import Notification, Subscription
    from marketplace.orders.models import PilotOrder
    from marketplace.phases.models import PhaseResult
    from marketplace.submissions.models import ConsortiumPartner, Submission

    model = {"submission_id": Submission, "attachment_id": Attachment,
             "challenge_id": Challenge, "order_id": PilotOrder,
             "notification_id": Notification, "subscription_id": Subscription,
             "partner_id": ConsortiumPartner, "result_id": PhaseResult}[secret.arg]
    return db.session.get(model, values[secret.arg])


def test_shortlisting_a_sealed_submission_answers_like_a_missing_one(app, client, world):
    """The named instance: POST /evaluation/submissions/<id>/shortlist with a valid token,
    as a competing solver and as the agency's own officer, answered 403 for a sealed
    submission or another organization's draft and 404 for an id that does not exist."""
    clients = Clients(app, client)
    for user in (world.other_solver_user, world.officer):
        the_client = clients.for_user(user)
        token = the_client.csrf_token("/")
        answers = {the_client.post(f"/evaluation/submissions/{sid}/shortlist",
                                   data={"csrf_token": token}).status_code
                   for sid in (world.sealed.id, world.draft_sub.id, 2_000_000_000)}
        assert answers == {404}, (user, answers)
