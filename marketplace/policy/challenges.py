"""Who may do what in the challenges domain.

An agency officer is a member of the owning agency with the role owner or officer.
Drafting is open to the officers of any agency that is not rejected; publishing (and
everything after it) needs a verified agency."""

from marketplace.accounts.models import AGENCY_ROLES, MemberRole, OrgKind, OrgStatus
from marketplace.challenges.models import Challenge, ChallengeStatus, Clarification
from marketplace.policy.core import rule

OFFICER_ROLES = (MemberRole.OWNER, MemberRole.OFFICER)
EDITABLE = (ChallengeStatus.DRAFT, ChallengeStatus.PUBLISHED)


def is_agency_officer(user, agency) -> bool:
    return (user is not None and agency is not None and agency.kind is OrgKind.AGENCY
            and user.role_in(agency.id) in OFFICER_ROLES)


def is_verified_officer(user, agency) -> bool:
    return is_agency_officer(user, agency) and agency.status is OrgStatus.VERIFIED


def is_agency_member(user, agency_id: int) -> bool:
    """A member of the agency in an agency role (owner, officer, approver). The one
    meaning, asked by every policy module (issue 14: there were four, with two
    meanings: any membership, or an agency role)."""
    return user is not None and user.role_in(agency_id) in AGENCY_ROLES


def solver_organizations(user) -> list:
    """The verified solver organizations the user belongs to."""
    if user is None:
        return []
    return [m.organization for m in user.memberships
            if m.organization.kind.is_solver and m.organization.status is OrgStatus.VERIFIED]


def _challenge(obj) -> Challenge | None:
    return obj.challenge if isinstance(obj, Clarification) else obj


@rule("challenge.create")
def create_challenge(user, agency) -> bool:
    """`agency` is the organization the new challenge will belong to."""
    return is_agency_officer(user, agency) and agency.status is not OrgStatus.REJECTED


@rule("challenge.view")
def view_challenge(user, challenge) -> bool:
    if challenge is None:
        return False
    if challenge.is_public:
        return True
    return user is not None and (user.is_admin or is_agency_member(user, challenge.agency_id))


@rule("challenge.edit")
def edit_challenge(user, challenge) -> bool:
    return challenge.status in EDITABLE and is_agency_officer(user, challenge.agency) and (
        challenge.status is ChallengeStatus.DRAFT or challenge.agency.is_verified)


@rule("challenge.publish")
def publish_challenge(user, challenge) -> bool:
    return is_verified_officer(user, challenge.agency)


@rule("challenge.cancel")
def cancel_challenge(user, challenge) -> bool:
    return is_agency_officer(user, challenge.agency)


@rule("challenge.start_evaluation")
def start_evaluation(user, challenge) -> bool:
    return is_verified_officer(user, challenge.agency)


@rule("challenge.award")
def award_challenge(user, challenge) -> bool:
    """The award taking effect; the evaluation domain performs the transition."""
    return is_verified_officer(user, challenge.agency)


@rule("challenge.close")
def close_challenge(_user, _challenge) -> bool:
    """Nobody: a challenge closes at its deadline, by the clock (`by_system`)."""
    return False


@rule("challenge.manage")
def manage_challenge(user, challenge) -> bool:
    """See the agency's own view of a challenge: drafts, questions waiting for answers."""
    return is_agency_officer(user, challenge.agency)


@rule("clarification.ask")
def ask_clarification(user, challenge) -> bool:
    return challenge.status is ChallengeStatus.PUBLISHED and bool(solver_organizations(user))


@rule("clarification.answer")
def answer_clarification(user, obj) -> bool:
    challenge = _challenge(obj)
    return (challenge.status is ChallengeStatus.PUBLISHED
            and is_verified_officer(user, challenge.agency))
