"""Organization pages: public profile, members, invitations."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts import organizations
from marketplace.accounts.forms import InviteForm, RoleForm, role_choices
from marketplace.accounts.models import Membership, Organization
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import ConfirmForm
from marketplace.notifications import outbox
from marketplace.web import absolute_url, attach_error, authorize, get_or_404, perform

bp = Blueprint("organizations", __name__, url_prefix="/organizations")


@bp.route("/<int:org_id>")
def show(org_id: int):
    org = get_or_404(Organization, org_id)
    if not org.is_verified and not (current_user.is_authenticated and (
            current_user.is_admin or current_user.membership_in(org.id))):
        abort(404)
    return render_template("organizations/show.html", org=org, confirm=ConfirmForm())


@bp.route("/<int:org_id>/members", methods=["GET", "POST"])
@login_required
def members(org_id: int):
    org = get_or_404(Organization, org_id)
    authorize("organization.view_members", org)
    form = InviteForm()
    form.role.choices = role_choices(organizations.roles_for(org))
    if form.validate_on_submit():
        authorize("organization.manage_members", org)
        try:
            invitation, token = organizations.invite(db.session, current_user, org,
                                                     form.email.data, form.role.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            link = absolute_url("organizations.invitation", token=token)
            outbox.queue(db.session, invitation.email,
                         _("Invitation to join %(org)s", org=org.name_vi),
                         _("%(name)s invites you to join %(org)s on the First Customer "
                           "Marketplace. Open this link to accept:\n\n%(link)s",
                           name=current_user.full_name, org=org.name_vi, link=link))
            db.session.commit()  # the invitation and its mail together
            flash(_("The invitation has been sent to %(email)s.", email=invitation.email),
                  "success")
            return redirect(url_for("organizations.members", org_id=org.id))
    role_form = RoleForm()
    role_form.role.choices = form.role.choices
    return render_template("organizations/members.html", org=org, form=form,
                           role_form=role_form, confirm=ConfirmForm())


def _membership(org_id: int, membership_id: int) -> Membership:
    membership = get_or_404(Membership, membership_id)
    if membership.organization_id != org_id:
        abort(404)
    return membership


@bp.route("/<int:org_id>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def change_role(org_id: int, membership_id: int):
    membership = _membership(org_id, membership_id)
    authorize("organization.manage_members", membership.organization)
    form = RoleForm()
    form.role.choices = role_choices(organizations.roles_for(membership.organization))
    if form.validate_on_submit():
        perform(lambda: organizations.change_role(db.session, current_user, membership,
                                                  form.role.data),
                _("The role has been changed."))
    return redirect(url_for("organizations.members", org_id=org_id))


@bp.route("/<int:org_id>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(org_id: int, membership_id: int):
    membership = _membership(org_id, membership_id)
    authorize("organization.manage_members", membership.organization)
    if ConfirmForm().validate_on_submit():
        perform(lambda: organizations.remove_member(db.session, current_user, membership),
                _("The member has been removed."))
    return redirect(url_for("organizations.members", org_id=org_id))


@bp.route("/<int:org_id>/resubmit", methods=["POST"])
@login_required
def resubmit(org_id: int):
    org = get_or_404(Organization, org_id)
    authorize("organization.resubmit", org)
    if ConfirmForm().validate_on_submit():
        perform(lambda: organizations.resubmit(db.session, current_user, org),
                _("Your organization is waiting for verification again."))
    return redirect(url_for("organizations.show", org_id=org.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    try:
        invite = organizations.invitation_for_token(db.session, token)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("public.home"))
    form = ConfirmForm()
    if form.validate_on_submit():
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=url_for(
                "organizations.invitation", token=token)))
        if perform(lambda: organizations.accept_invitation(db.session, current_user, token),
                   _("You have joined %(org)s.", org=invite.organization.name_vi)):
            return redirect(url_for("organizations.show", org_id=invite.organization_id))
    return render_template("organizations/invitation.html", invitation=invite, form=form,
                           token=token)
