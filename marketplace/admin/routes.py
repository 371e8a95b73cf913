"""The administrator's pages: organizations to verify, users, the taxonomy."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts import organizations
from marketplace.accounts.models import Membership, Organization, OrgStatus, User
from marketplace.admin.forms import GroupForm, VersionForm
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import ConfirmForm, ReasonForm
from marketplace.search import services as search_services
from marketplace.taxonomy import services as taxonomy
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup
from marketplace.web import attach_error, authorize, get_or_404, perform

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.before_request
@login_required
def require_admin():
    authorize("admin.access")


@bp.route("/")
def index():
    pending = db.session.scalar(select(func.count()).select_from(Organization)
                                .where(Organization.status == OrgStatus.PENDING))
    users = db.session.scalar(select(func.count()).select_from(User))
    return render_template("admin/index.html", pending=pending, users=users)


@bp.route("/organizations")
def organization_list():
    status = request.args.get("status", OrgStatus.PENDING.value)
    query = select(Organization).order_by(Organization.created_at.desc())
    if status in {s.value for s in OrgStatus}:
        query = query.where(Organization.status == status)
    orgs = db.session.scalars(query.limit(PAGE_SIZE * 4)).all()
    return render_template("admin/organizations.html", orgs=orgs, status=status,
                           statuses=list(OrgStatus), confirm=ConfirmForm(),
                           reason_form=ReasonForm())


@bp.route("/organizations/<int:org_id>/verify", methods=["POST"])
def verify_organization(org_id: int):
    org = get_or_404(Organization, org_id)
    if ConfirmForm().validate_on_submit():
        perform(lambda: organizations.verify(db.session, current_user, org),
                _("%(org)s is verified.", org=org.name_vi))
    return redirect(url_for("admin.organization_list"))


@bp.route("/organizations/<int:org_id>/reject", methods=["GET", "POST"])
def reject_organization(org_id: int):
    org = get_or_404(Organization, org_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            organizations.reject(db.session, current_user, org, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("%(org)s is rejected.", org=org.name_vi), "info")
            return redirect(url_for("admin.organization_list"))
    return render_template("admin/reject.html", org=org, form=form)


@bp.route("/users")
def user_list():
    q = request.args.get("q", "").strip()
    query = select(User).order_by(User.created_at.desc())
    if q:  # words, folded as /search folds them (no index: the names are read)
        matches = search_services.text_matcher(q)
        query = query.where(User.id.in_([
            row.id for row in db.session.execute(select(User.id, User.email, User.full_name))
            if matches(row.email, row.full_name)]))
    # memberships and their organizations: two statements, whatever the number of users
    users = db.session.scalars(query.limit(PAGE_SIZE).options(
        selectinload(User.memberships).joinedload(Membership.organization))).all()
    return render_template("admin/users.html", users=users, q=q, confirm=ConfirmForm())


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
def set_user_active(user_id: int, action: str):
    user = get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        change = organizations.deactivate_user if action == "deactivate" \
            else organizations.reactivate_user
        perform(lambda: change(db.session, current_user, user),
                _("The account of %(email)s is updated.", email=user.email))
    return redirect(url_for("admin.user_list"))


@bp.route("/taxonomy")
def taxonomy_index():
    return render_template("admin/taxonomy.html", versions=taxonomy.versions(db.session),
                           current=taxonomy.current_version(db.session))


@bp.route("/taxonomy/versions/new", methods=["GET", "POST"])
def new_version():
    form = VersionForm()
    existing = taxonomy.versions(db.session)
    form.copy_from.choices = [(0, _("— an empty list —"))] + [
        (v.id, v.decision) for v in existing]
    if form.validate_on_submit():
        source = next((v for v in existing if v.id == form.copy_from.data), None)
        try:
            version = taxonomy.create_version(
                db.session, current_user, decision=form.decision.data,
                valid_from=form.valid_from.data, valid_to=form.valid_to.data, copy_from=source)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The new version is created."), "success")
            return redirect(url_for("admin.taxonomy_index", _anchor=f"v{version.id}"))
    return render_template("admin/version_form.html", form=form)


@bp.route("/taxonomy/versions/<int:version_id>/groups/new", methods=["GET", "POST"],
          defaults={"group_id": None})
@bp.route("/taxonomy/versions/<int:version_id>/groups/<int:group_id>", methods=["GET", "POST"])
def edit_group(version_id: int, group_id: int | None):
    version = get_or_404(TaxonomyVersion, version_id)
    group = get_or_404(TechnologyGroup, group_id) if group_id else None
    if group is not None and group.version_id != version.id:
        return redirect(url_for("admin.taxonomy_index"))
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            taxonomy.save_group(db.session, current_user, version, code=form.code.data,
                                name_vi=form.name_vi.data, name_en=form.name_en.data,
                                confirmed=form.confirmed.data, group=group)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The technology group is saved."), "success")
            return redirect(url_for("admin.taxonomy_index", _anchor=f"v{version.id}"))
    return render_template("admin/group_form.html", form=form, version=version, group=group)
