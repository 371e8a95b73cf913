"""Downloads of the official documents (PDF) and the page that signs the pilot-order
contract with a certificate. Every download asks the policy (`document.*`, 404 where
the object is not the user's to know); a document is issued — rendered, stored and its
SHA-256 audited — the first time it is needed, then always served as stored."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.challenges.routes import get_challenge_or_404
from marketplace.documents import services, signing
from marketplace.documents.forms import CertificateSignForm
from marketplace.documents.signatures import certificates_required
from marketplace.errors import DomainError
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.files.routes import content_disposition
from marketplace.orders.amendments import proposed_terms
from marketplace.orders.blueprint import get_order_or_404
from marketplace.orders.models import OrderAmendment, OrderStatus
from marketplace.orders.terms import terms_of, terms_sha256
from marketplace.submissions.models import Submission
from marketplace.web import attach_error, authorize, get_or_404

bp = Blueprint("documents", __name__)


def _pdf(session, spec) -> Response:
    try:
        document, data, filename = services.issued_or_render(session, spec)
    except DomainError:
        current_app.logger.error("an issued document does not match its SHA-256: %s", spec[:3])
        abort(500)
    return _respond(data, filename, archived=document is not None)


def _respond(data: bytes, filename: str, *, archived: bool = True) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = \
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Document-Archived"] = "yes" if archived else "no"
    return response


@bp.route("/awards/<int:award_id>/decision.pdf")
def award_decision(award_id: int):
    award = db.session.get(Award, award_id)
    authorize("document.award", award, hide=True)
    return _pdf(db.session, services.award_spec(award))


@bp.route("/orders/<int:order_id>/contract.pdf")
@login_required
def order_contract(order_id: int):
    order = get_order_or_404(order_id)
    authorize("document.order", order, hide=True)
    return _pdf(db.session, services.order_spec(order))


@bp.route("/orders/<int:order_id>/contract-public.pdf")
def order_public(order_id: int):
    order = get_order_or_404(order_id)
    authorize("document.order_public", order, hide=True)
    return _pdf(db.session, services.order_spec(order, confidential=False))


@bp.route("/orders/<int:order_id>/signed.pdf")
@login_required
def order_signed(order_id: int):
    order = get_order_or_404(order_id)
    authorize("document.order", order, hide=True)
    signed = services.signed_documents(db.session, order)
    if not signed:
        abort(404)
    return _respond(services.read(signed[-1]), signed[-1].filename)


@bp.route("/orders/<int:order_id>/amendments/<int:amendment_id>.pdf")
@login_required
def amendment(order_id: int, amendment_id: int):
    order = get_order_or_404(order_id)
    change = _amendment_of(order, amendment_id)
    authorize("document.amendment", change, hide=True)
    return _pdf(db.session, services.amendment_spec(change))


@bp.route("/submissions/<int:submission_id>/receipt.pdf")
@login_required
def receipt(submission_id: int):
    submission = get_or_404(Submission, submission_id)
    authorize("document.receipt", submission, hide=True)
    return _pdf(db.session, services.receipt_spec(db.session, submission))


@bp.route("/challenges/<int:challenge_id>/opening-record.pdf")
def opening_record(challenge_id: int):
    """The opening record (biên bản mở hồ sơ) as a PDF: 404 until the challenge has closed
    (the first request after the deadline closes it, as the challenge page does), one
    version per disclosure stage: served as issued when the evaluation started and when the award
    took effect (archived), else rendered now (a record between the close and the start
    of the evaluation)."""
    challenge = get_challenge_or_404(challenge_id)
    authorize("document.opening_record", challenge, hide=True)
    return _pdf(db.session, services.opening_record_spec(db.session, challenge))


def _read_upload(storage, limit: int) -> bytes | None:
    if storage is None or not getattr(storage, "filename", ""):
        return None
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)),
                          field="signed_pdf")
    return data


def _certificate_form(rule, *, limit: int, form: CertificateSignForm) -> None:
    if form.method.data == "pkcs12":
        rule(pkcs12=_read_upload(form.pkcs12.data, limit) or b"",
             passphrase=form.passphrase.data or "")
    else:
        rule(signed_pdf=_read_upload(form.signed_pdf.data, limit))


@bp.route("/orders/<int:order_id>/sign/certificate", methods=["GET", "POST"])
@login_required
def sign_order(order_id: int):
    order = get_order_or_404(order_id)
    countersigning = order.status is OrderStatus.SIGNED
    authorize("order.countersign" if countersigning else "order.sign", order)
    form = CertificateSignForm()
    if form.validate_on_submit():
        try:
            _certificate_form(lambda **kw: signing.sign_order(db.session, current_user, order,
                                                               **kw),
                              limit=current_app.config["MAX_UPLOAD_BYTES"], form=form)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            order = get_order_or_404(order_id)
        else:
            db.session.commit()
            flash(_("Countersigned with your certificate: the order is active.")
                  if countersigning else
                  _("Signed with your certificate. The agency's approver countersigns next."),
                  "success")
            return redirect(url_for("orders.show", order_id=order_id))
    form.passphrase.data = ""
    signed = signing.signatures_of(db.session, order)
    return render_template(
        "documents/sign_order.html", order=order, form=form,
        title=_("Countersign the pilot order") if countersigning else
        _("Sign the pilot order"), terms=terms_of(order), digest=terms_sha256(order),
        configured=certificates_required(),
        download_url=url_for("documents.order_contract", order_id=order.id),
        signed_url=url_for("documents.order_signed", order_id=order.id) if signed else None,
        typed_url=url_for("orders.sign", order_id=order.id)), (
        400 if form.is_submitted() else 200)


def _amendment_of(order, amendment_id: int) -> OrderAmendment:
    change = db.session.get(OrderAmendment, amendment_id)
    if change is None or change.order_id != order.id:
        abort(404)
    return change


@bp.route("/orders/<int:order_id>/amendments/<int:amendment_id>/sign/certificate",
          methods=["GET", "POST"])
@login_required
def sign_amendment(order_id: int, amendment_id: int):
    order = get_order_or_404(order_id)
    change = _amendment_of(order, amendment_id)
    authorize("amendment.sign", change)
    form = CertificateSignForm()
    if form.validate_on_submit():
        try:
            _certificate_form(lambda **kw: signing.sign_amendment(db.session, current_user,
                                                                   change, **kw),
                              limit=current_app.config["MAX_UPLOAD_BYTES"], form=form)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            order = get_order_or_404(order_id)
            change = _amendment_of(order, amendment_id)
        else:
            db.session.commit()
            flash(_("Signed with your certificate."), "success")
            return redirect(url_for("orders.show", order_id=order_id))
    form.passphrase.data = ""
    proposed = proposed_terms(order, change)
    signed = services.signed_documents(db.session, order, digest=change.terms_sha256)
    return render_template(
        "documents/sign_order.html", order=order, form=form, title=_("Sign the amendment"),
        terms=proposed, digest=change.terms_sha256, configured=certificates_required(),
        download_url=url_for("documents.amendment", order_id=order.id,
                             amendment_id=change.id),
        signed_url=url_for("documents.amendment_signed", order_id=order.id,
                           amendment_id=change.id) if signed else None,
        typed_url=url_for("orders.sign_amendment", order_id=order.id,
                          amendment_id=change.id)), (400 if form.is_submitted() else 200)


@bp.route("/orders/<int:order_id>/amendments/<int:amendment_id>/signed.pdf")
@login_required
def amendment_signed(order_id: int, amendment_id: int):
    order = get_order_or_404(order_id)
    change = _amendment_of(order, amendment_id)
    authorize("document.amendment", change, hide=True)
    signed = services.signed_documents(db.session, order, digest=change.terms_sha256)
    if not signed:
        abort(404)
    return _respond(services.read(signed[-1]), signed[-1].filename)
