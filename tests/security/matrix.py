"""Helpers of the access-control matrix: URL arguments per fixture object, the clients
of each role, a snapshot of the database to prove that a request changed nothing."""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field

from flask import url_for
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, text

from marketplace.extensions import db
from tests.factories import PASSWORD

# Expected outcomes. LOGIN: a redirect to the login page; REDIRECT: any other redirect.
OK, BAD, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 400, 403, 404, 405
LOGIN, REDIRECT = "login", "redirect"
REFUSALS = {LOGIN, BAD, FORBIDDEN, NOT_FOUND, NOT_ALLOWED}


def row(anonymous, other_solver, other_officer, unassigned_evaluator, recused_evaluator,
        admin, owner) -> dict:
    return {"anonymous": anonymous, "other_solver": other_solver,
            "other_officer": other_officer, "unassigned_evaluator": unassigned_evaluator,
            "recused_evaluator": recused_evaluator, "admin": admin, "owner": owner}


PUBLIC = row(OK, OK, OK, OK, OK, OK, OK)
MEMBERS = row(LOGIN, OK, OK, OK, OK, OK, OK)  # any logged-in user, for their own things
ONLY_POST = row(*[NOT_ALLOWED] * 7)


@dataclass
class Case:
    endpoint: str
    obj: str  # a key of OBJECTS: which fixture objects fill the URL
    owner: str | None  # the legitimate party: an attribute path of the world, None = visitor
    get: dict | None = None  # None: the rule has no GET; every role gets 405
    post: dict | None = None  # None: the rule has no POST
    query: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.endpoint}[{self.obj}]"


def _first(items):
    return items[0]


# Which URL arguments each fixture object provides; a rule takes those it names.
OBJECTS = {
    "none": lambda w: {},
    "static": lambda w: {"filename": "css/site.css"},
    "bootstrap": lambda w: {"filename": "css/bootstrap.min.css"},
    "csv": lambda w: {"name": "challenges"},
    "bulk": lambda w: {"kind": "records"},
    "en": lambda w: {"lang": "en"},
    "reset_token": lambda w: {"token": w.reset_token},
    "invitation_token": lambda w: {"token": w.invitation_token},
    "solver_org": lambda w: {"org_id": w.solver.id, "membership_id": w.member_membership.id},
    "pending_org": lambda w: {"org_id": w.pending_org.id},
    "agency_org": lambda w: {"org_id": w.agency.id},
    "xlsx": lambda w: {"fmt": "xlsx"},
    "user": lambda w: {"user_id": w.other_solver_user.id, "action": "deactivate"},
    "taxonomy": lambda w: {"version_id": w.version.id, "group_id": w.group.id},
    "draft": lambda w: {"challenge_id": w.draft.id, "attachment_id": w.draft_attachment.id},
    "open": lambda w: {"challenge_id": w.open.id, "attachment_id": w.open_attachment.id,
                       "clarification_id": w.clarification.id},
    "evaluating": lambda w: {"challenge_id": w.evaluating.id, "submission_id": w.evaluated.id,
                             "member_id": w.panel_member.id, "number": 1},
    "awarded": lambda w: {"challenge_id": w.awarded.id, "award_id": w.award.id,
                          "submission_id": w.active_parties.item.submission_id,
                          "order_id": w.active.id},
    "proposed_award": lambda w: {"award_id": w.proposed_award.id},
    "sealed": lambda w: {"submission_id": w.sealed.id},
    "draft_sub": lambda w: {"submission_id": w.draft_sub.id,
                            "attachment_id": w.draft_sub_attachment.id,
                            "partner_id": w.partner_invite.id, "action": "submit"},
    "invite": lambda w: {"partner_id": w.partner_invite.id, "answer": "accept"},
    "active": lambda w: {"order_id": w.active.id, "amendment_id": w.amendment.id},
    "active_planned": lambda w: {"order_id": w.active.id,
                                 "milestone_id": w.active.milestones[2].id},
    "active_delivered": lambda w: {"order_id": w.active.id, "milestone_id": w.delivered.id},
    "active_accepted": lambda w: {"order_id": w.active.id, "milestone_id": w.accepted.id},
    "stuck_payment": lambda w: {"order_id": w.active.id, "milestone_id": w.accepted.id,
                                "payment_id": w.stuck_payment.id},
    "draft_order": lambda w: {"order_id": w.draft_order.id},
    "offered": lambda w: {"order_id": w.offered.id},
    "signed": lambda w: {"order_id": w.signed.id},
    "completed": lambda w: {"order_id": w.completed.id},
    "citizen_comment": lambda w: {"feedback_id": w.citizen_comment.id},
    "follow": lambda w: {"follow_id": w.follow.id},
    "confirm_link": lambda w: {"token": w.confirm_token},
    "unsubscribe_link": lambda w: {"token": w.unsubscribe_token},
    "agency": lambda w: {"agency_id": w.agency.id},
    "free_item": lambda w: {"award_item_id": w.free_item_parties.item.id},
    "file_open": lambda w: {"attachment_id": w.open_attachment.id},
    "file_draft": lambda w: {"attachment_id": w.draft_attachment.id},
    "file_sealed": lambda w: {"attachment_id": w.sealed_attachment.id},
    "file_evaluated": lambda w: {"attachment_id": w.evaluated_attachment.id},
    "file_delivery": lambda w: {"attachment_id": w.delivery_attachment.id},
    "notification": lambda w: {"notification_id": w.notification.id},
    "complaint": lambda w: {"complaint_id": w.complaint.id,
                            "challenge_id": w.protest.challenge.id},
    "decided_complaint": lambda w: {"complaint_id": w.decided_complaint.id},
    "file_complaint": lambda w: {"attachment_id": w.complaint_attachment.id},
    "subscription": lambda w: {"subscription_id": w.subscription.id},
    "entry": lambda w: {"entry_id": w.entry.id},
    "pending_entry": lambda w: {"entry_id": w.pending_entry.id},
    "draft_outcome": lambda w: {"order_id": w.draft_outcome.order_id},
    "follow_on_draft": lambda w: {"order_id": w.follow_on_draft.id},
    "phase_draft": lambda w: {"challenge_id": w.phase_draft.id},
    "phased": lambda w: {"challenge_id": w.phased.challenge.id,
                         "phase_id": w.phased.phase2.id, "result_id": w.phase_result.id},
    "phase_planned": lambda w: {"phase_id": w.phased_planned.phase2.id},
    "phase_due": lambda w: {"phase_id": w.phased_due.phase2.id},
    "phase_eval": lambda w: {"phase_id": w.phased_eval.phase2.id,
                             "result_id": w.phased_eval.result.id},
}

ROLE_USERS = {
    "anonymous": None,
    "other_solver": "other_solver_user",
    "other_officer": "other_officer",
    "unassigned_evaluator": "unassigned",
    "recused_evaluator": "recused",
    "admin": "admin",
}


def resolve(world, path: str | None):
    obj = world
    if path is None:
        return None
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def build_url(app, world, case: Case) -> str:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == case.endpoint]
    values = OBJECTS[case.obj](world)
    for rule in rules:  # the rule whose arguments the object fills (edit_group has two)
        if rule.arguments <= set(values):
            args = {k: v for k, v in values.items() if k in rule.arguments}
            with app.test_request_context():
                return url_for(case.endpoint, **args, **case.query)
    raise AssertionError(f"{case.name}: the object gives {sorted(values)}, "
                         f"the rule needs {[sorted(r.arguments) for r in rules]}")


def outcome(response):
    """The response as the table writes it. A 401 is the login form a post from an
    ended session gets, with what was typed (`marketplace.form_recovery`): "log in"."""
    if response.status_code == 401:
        return LOGIN
    if response.status_code == 302:
        location = response.headers.get("Location", "")
        return LOGIN if location.split("?")[0].endswith("/login") else REDIRECT
    return response.status_code


def snapshot(session) -> tuple:
    """The number of rows of every table: a refused request adds and removes none (and
    every change the rules make is audited, so a change writes an audit row)."""
    return tuple(session.execute(_count_every_table(session.get_bind().dialect)).one())


@functools.cache
def _count_every_table(dialect):
    """`SELECT (SELECT count(*) FROM t1), (SELECT count(*) FROM t2), …` over every table of
    the metadata, compiled once per dialect (an engine's): the access matrix takes two snapshots per
    request (building and compiling the statement each time took half their time)."""
    counts = [select(func.count()).select_from(table).scalar_subquery()
              for table in db.metadata.sorted_tables]
    return text(str(select(*counts).compile(dialect=dialect)))


def session_csrf_token(client) -> str:
    """A valid CSRF token of the client's session, as its pages print it (Flask-WTF's
    `generate_csrf`: the session's raw token signed with the app's key), without rendering
    a page; a page's token while the session holds none yet."""
    app = client.application
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    with client.session_transaction() as flask_session:
        raw = flask_session.get(field)
    if not raw:
        return client.csrf_token("/")
    key = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(raw)


class Clients:
    """One logged-in test client per user, created on first use."""

    def __init__(self, app, login_client):
        self.app = app
        self.anonymous = app.test_client()
        self._clients = {}

    def for_user(self, user):
        if user is None:
            return self.anonymous
        if user.id not in self._clients:
            self._clients[user.id] = login(self.app, user)
        return self._clients[user.id]


def login(app, user):
    client = app.test_client()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD},
                                token_from="/login")
    assert response.status_code == 302, response.status_code
    return client


# --- secret objects: every route that names one answers an outsider like a missing id ---

MISSING_ID = 2_000_000_000  # within every id column's range, and never a row of the world


@dataclass
class Secret:
    """An object whose existence is not the outsiders' to know, the URL argument that
    names it, the other arguments a route may need with it, and its outsiders (paths of
    the world; None is the visitor)."""

    name: str
    arg: str
    values: object  # world -> {argument: value}, the secret's own id included
    outsiders: tuple


def _submission(sub, attachment):
    return lambda w: {"submission_id": sub(w).id, "attachment_id": attachment(w).id,
                      "partner_id": w.partner_invite.id, "action": "submit", "number": 1}


def _order(order):
    return lambda w: {"order_id": order(w).id, "milestone_id": order(w).milestones[0].id,
                      "amendment_id": w.amendment.id}


# the other arguments of a route, when the secret does not give them
COMPANIONS = lambda w: {  # noqa: E731
    "challenge_id": w.open.id, "submission_id": w.evaluated.id, "order_id": w.active.id,
    "attachment_id": w.open_attachment.id, "number": 1, "action": "submit",
    "answer": "accept", "milestone_id": w.active.milestones[0].id}  # any other id: 1

# the closest outsiders of each kind (the mechanism is one function, `policy.knows`; these
# are the users most likely to be let through by mistake): the agency that owns the
# challenge and an administrator for a sealed bid, the other party for an order...
SUBMISSION_OUTSIDERS = (None, "other_solver_user", "officer", "admin", "partner_owner")
CHALLENGE_OUTSIDERS = (None, "other_officer", "solver_owner")
ORDER_OUTSIDERS = (None, "other_solver_user", "admin")
SECRETS = [
    Secret("sealed submission", "submission_id", _submission(lambda w: w.sealed,
                                                             lambda w: w.sealed_attachment),
           SUBMISSION_OUTSIDERS),
    Secret("draft submission", "submission_id",
           _submission(lambda w: w.draft_sub, lambda w: w.draft_sub_attachment),
           SUBMISSION_OUTSIDERS),
    Secret("file of a sealed submission", "attachment_id",
           lambda w: {"attachment_id": w.sealed_attachment.id, "submission_id": w.sealed.id},
           SUBMISSION_OUTSIDERS),
    Secret("file of a draft submission", "attachment_id",
           lambda w: {"attachment_id": w.draft_sub_attachment.id,
                      "submission_id": w.draft_sub.id}, SUBMISSION_OUTSIDERS),
    Secret("draft challenge", "challenge_id",
           lambda w: {"challenge_id": w.draft.id, "attachment_id": w.draft_attachment.id,
                      "clarification_id": w.clarification.id}, CHALLENGE_OUTSIDERS),
    Secret("challenge cancelled as a draft", "challenge_id",
           lambda w: {"challenge_id": w.cancelled_draft.id,
                      "attachment_id": w.draft_attachment.id,
                      "clarification_id": w.clarification.id}, CHALLENGE_OUTSIDERS),
    Secret("file of a draft challenge", "attachment_id",
           lambda w: {"attachment_id": w.draft_attachment.id, "challenge_id": w.draft.id},
           CHALLENGE_OUTSIDERS),
    Secret("draft order", "order_id", _order(lambda w: w.draft_order),
           (*ORDER_OUTSIDERS, "draft_order.parties.owner")),  # not yet offered to it
    Secret("offered order", "order_id", _order(lambda w: w.offered), ORDER_OUTSIDERS),
    Secret("terminated unsigned order", "order_id", _order(lambda w: w.terminated_unsigned),
           ORDER_OUTSIDERS),
    Secret("notification", "notification_id",
           lambda w: {"notification_id": w.notification.id},
           (None, "solver_member", "admin")),
    Secret("subscription", "subscription_id", lambda w: {"subscription_id": w.subscription.id},
           (None, "solver_member", "admin")),
    Secret("sealed phase result", "result_id",
           lambda w: {"result_id": w.phase_result.id, "phase_id": w.phased.phase2.id},
           (None, "other_solver_user", "phased.officer", "admin", "phased.evaluator")),
    Secret("consortium invitation", "partner_id",
           lambda w: {"partner_id": w.partner_invite.id, "answer": "accept",
                      "submission_id": w.draft_sub.id},
           (None, "other_solver_user", "officer")),
]
SECRET_ARGS = {secret.arg for secret in SECRETS}


def secret_urls(app, world, secret: Secret):
    """(rule, method, url naming the secret, url naming a missing id) for every rule of
    the URL map that takes the secret's argument, GET and POST alike."""
    values = {**COMPANIONS(world), **secret.values(world)}
    missing = {**values, secret.arg: MISSING_ID}
    out = []
    for rule in app.url_map.iter_rules():
        if secret.arg not in rule.arguments:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            with app.test_request_context():
                out.append((rule, method,
                            url_for(rule.endpoint,
                                    **{k: values.get(k, 1) for k in rule.arguments}),
                            url_for(rule.endpoint,
                                    **{k: missing.get(k, 1) for k in rule.arguments})))
    return out


def request_rolled_back(client, token, method, url, connection, session,
                        around=contextlib.nullcontext()):
    """One GET, or POST with `token` and an empty form, inside a savepoint rolled back
    afterwards (nothing it writes stays), with no flashed message left by the last one:
    (the response, what `around` gave). `around` (a context manager, e.g. the statement
    recorder `tests.statements.recording`) wraps the request alone."""
    with client.session_transaction() as flask_session:
        flask_session.pop("_flashes", None)
    savepoint = connection.begin_nested()
    try:
        with around as entered:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            response.close()
    finally:
        savepoint.rollback()
        session.expire_all()
    return response, entered
