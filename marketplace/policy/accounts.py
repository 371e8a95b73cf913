"""Who may do what to users and organizations."""

from marketplace.accounts.models import MemberRole
from marketplace.policy.core import rule


def is_admin(user) -> bool:
    return user is not None and user.is_admin


def is_owner(user, organization) -> bool:
    return user is not None and user.role_in(organization.id) is MemberRole.OWNER


@rule("admin.access")
def admin_access(user, _obj) -> bool:
    return is_admin(user)


@rule("organization.verify")
def verify_organization(user, _organization) -> bool:
    return is_admin(user)


@rule("organization.reject")
def reject_organization(user, _organization) -> bool:
    return is_admin(user)


@rule("organization.resubmit")
def resubmit_organization(user, organization) -> bool:
    return is_owner(user, organization)


@rule("organization.edit")
def edit_organization(user, organization) -> bool:
    return is_owner(user, organization)


@rule("organization.manage_members")
def manage_members(user, organization) -> bool:
    return is_owner(user, organization)


@rule("organization.view_members")
def view_members(user, organization) -> bool:
    return is_admin(user) or (user is not None and user.membership_in(organization.id) is not None)


@rule("user.deactivate")
def deactivate_user(user, target) -> bool:
    return is_admin(user) and target is not None and target.id != user.id


@rule("taxonomy.edit")
def edit_taxonomy(user, _obj) -> bool:
    return is_admin(user)
