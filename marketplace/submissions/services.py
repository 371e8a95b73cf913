"""Submission rules: draft, edit, submit, withdraw, reopen; attachments; consortia.

Plain functions over the session; they check, change, flush and audit, never commit.
Every change a solver makes re-reads the challenge under a row lock (FOR UPDATE on
PostgreSQL) and compares the clock with its deadline in the same transaction, so that
nothing is accepted after the deadline, however close the race."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from marketplace import keyset, policy
from marketplace.accounts.models import SOLVER_ROLES, Organization, OrgKind, OrgStatus, User
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.challenges.queries import PAGE_SIZE, Page
from marketplace.errors import DomainError, NotAllowed
from marketplace.files import services as files
from marketplace.files.models import Attachment
from marketplace.i18n import local_datetime, vnd
from marketplace.labels import label
from marketplace.lifecycle import transition
from marketplace.notifications.services import notify
from marketplace.submissions.clock import (
    accepting_submissions,
    closed_while_waiting,
    deadline_passed,
)
from marketplace.submissions.models import (
    ConsortiumPartner,
    PartnerStatus,
    Submission,
    SubmissionStatus,
)
from marketplace.submissions.opening import record_opening
from marketplace.submissions.states import PARTNER_LIFECYCLE, SUBMISSION_LIFECYCLE
from marketplace.types import utcnow

COMPANY_KINDS = {OrgKind.STARTUP, OrgKind.ENTERPRISE}
ACADEMIC_KINDS = {OrgKind.UNIVERSITY, OrgKind.INSTITUTE}
CONTENT_FIELDS = ("summary", "technical_approach", "trl", "proposed_price", "timeline", "team")


@dataclass
class SubmissionContent:
    summary: str = ""
    technical_approach: str = ""
    trl: int | None = None
    proposed_price: int | None = None
    timeline: str = ""
    team: str = ""


# --- reading ---------------------------------------------------------------------------

def solver_organizations(user: User) -> list[Organization]:
    """The solver organizations the user may act for."""
    return [m.organization for m in user.memberships
            if m.role in SOLVER_ROLES and not m.organization.is_agency]


def find_submission(session, challenge_id: int, organization_id: int) -> Submission | None:
    return session.scalar(select(Submission).where(
        Submission.challenge_id == challenge_id, Submission.organization_id == organization_id))


def submissions_of(session, user: User) -> list[Submission]:
    """What the user's organizations lead or take part in as accepted partners."""
    org_ids = [org.id for org in solver_organizations(user)]
    if not org_ids:
        return []
    as_partner = (select(ConsortiumPartner.submission_id)
                  .where(ConsortiumPartner.organization_id.in_(org_ids),
                         ConsortiumPartner.status == PartnerStatus.ACCEPTED))
    return list(session.scalars(
        select(Submission).where(Submission.organization_id.in_(org_ids)
                                 | Submission.id.in_(as_partner))
        .order_by(Submission.updated_at.desc(), Submission.id.desc())))


def submissions_page(session, user: User, cursor: keyset.Cursor | None = None) -> Page:
    """One page (`PAGE_SIZE`) of `submissions_of`, most recently changed first, each with
    its challenge and lead organization: three statements (organizations' count, count,
    page) whatever the number of submissions or the page's position. The first page, or
    the page of a `cursor` (`keyset.decode` of `?after=`/`?before=`) by keyset on
    (updated_at, id), as the public list; a `before` cursor that reaches the newest rows
    gives the first page."""
    page = Page(sort="updated_at")
    org_ids = [org.id for org in solver_organizations(user)]
    if not org_ids:
        return page
    as_partner = (select(ConsortiumPartner.submission_id)
                  .where(ConsortiumPartner.organization_id.in_(org_ids),
                         ConsortiumPartner.status == PartnerStatus.ACCEPTED))
    condition = Submission.organization_id.in_(org_ids) | Submission.id.in_(as_partner)
    page.total = session.scalar(select(func.count()).select_from(Submission).where(condition))
    query = select(Submission).where(condition).options(
        joinedload(Submission.challenge), joinedload(Submission.organization))
    changed, ids = Submission.updated_at, Submission.id
    if cursor is not None:
        items = list(session.scalars(query.where(keyset.beyond(changed, ids, cursor))
                                     .order_by(*keyset.order(changed, ids, cursor))
                                     .limit(PAGE_SIZE)))
        if cursor.backward:
            items.reverse()
        if items and (not cursor.backward or len(items) == PAGE_SIZE):
            page.items = items
            page.page = min(max(cursor.number, 2), max(page.pages, 2))
    if not page.items:
        page.items = list(session.scalars(
            query.order_by(changed.desc(), ids.desc()).limit(PAGE_SIZE)))
    return page


def led_submissions(session, user: User, challenge_ids: list[int]) -> dict[int, Submission]:
    """challenge id → the submission one of the user's organizations leads on it, among
    `challenge_ids` (one statement; none without ids)."""
    org_ids = [org.id for org in solver_organizations(user)]
    if not org_ids or not challenge_ids:
        return {}
    return {s.challenge_id: s for s in session.scalars(select(Submission).where(
        Submission.organization_id.in_(org_ids), Submission.challenge_id.in_(challenge_ids)))}


def pending_invitations(session, user: User) -> list[ConsortiumPartner]:
    org_ids = [org.id for org in solver_organizations(user)]
    if not org_ids:
        return []
    return list(session.scalars(
        select(ConsortiumPartner).where(ConsortiumPartner.organization_id.in_(org_ids),
                                        ConsortiumPartner.status == PartnerStatus.INVITED)
        # what the list shows of each: its challenge, the lead and the invited organization
        .options(joinedload(ConsortiumPartner.submission).joinedload(Submission.challenge),
                 joinedload(ConsortiumPartner.submission).joinedload(Submission.organization),
                 joinedload(ConsortiumPartner.organization))
        .order_by(ConsortiumPartner.invited_at.desc())))


def open_challenges_for(session, user: User, limit: int = 50) -> list[Challenge]:
    """Published challenges before their deadline that one of the user's verified
    organizations may answer."""
    kinds = {org.kind.value for org in solver_organizations(user) if org.is_verified}
    if not kinds:
        return []
    challenges = session.scalars(
        select(Challenge).where(Challenge.status == ChallengeStatus.PUBLISHED,
                                Challenge.submission_deadline > utcnow())
        .order_by(Challenge.submission_deadline).limit(limit * 4))
    return [c for c in challenges if kinds & set(c.eligible_kinds or [])][:limit]


def attachments_of(session, submission: Submission) -> list[Attachment]:
    return files.attachments_of(session, "submission_id", submission.id)


def consortium_members(submission: Submission) -> list[Organization]:
    return [submission.organization] + [p.organization for p in submission.partners
                                        if p.status is PartnerStatus.ACCEPTED]


def is_sse_linkage(submission: Submission) -> bool:
    """A consortium that joins a company (startup or enterprise) with a university or a
    research institute: a State–School–Enterprise linkage."""
    if not submission.is_consortium:
        return False
    kinds = {org.kind for org in consortium_members(submission)}
    return bool(kinds & COMPANY_KINDS) and bool(kinds & ACADEMIC_KINDS)


# --- the receipt -------------------------------------------------------------------------

def receipt_payload(submission: Submission, attachments: list[Attachment]) -> dict:
    """What the receipt proves: the content, the consortium and every file."""
    return {
        "challenge_id": submission.challenge_id,
        "organization": submission.organization.registration_code,
        **{name: getattr(submission, name) for name in CONTENT_FIELDS},
        "partners": sorted(p.organization.registration_code for p in submission.partners
                           if p.status is PartnerStatus.ACCEPTED),
        "attachments": sorted([a.original_name, a.sha256] for a in attachments),
    }


def receipt_digest(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- checks --------------------------------------------------------------------------------

def _lock(session, submission: Submission | None, challenge_id: int,
          now: datetime | None = None, *, on_time_after_close: bool = False) -> Challenge:
    """Re-read the challenge (and the submission) under a row lock, then check the
    clock: the deadline is judged inside the transaction that makes the change, at `now`
    (the time the request arrived, `clock.deadline_passed`), not at the time the lock
    was obtained. `on_time_after_close`: a challenge the clock closed while this request
    waited is let through (`submit` opens the bid as the close would have)."""
    challenge = session.execute(
        select(Challenge).where(Challenge.id == challenge_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if challenge is None:
        raise DomainError(_("This challenge is not open for submissions."))
    if submission is not None:
        session.execute(select(Submission).where(Submission.id == submission.id)
                        .with_for_update().execution_options(populate_existing=True))
    if challenge.status is ChallengeStatus.PUBLISHED and deadline_passed(challenge, now):
        raise DomainError(_(
            "The submission deadline (%(deadline)s) has passed: nothing can be submitted, "
            "changed or withdrawn any more.",
            deadline=local_datetime(challenge.submission_deadline)))
    if on_time_after_close and closed_while_waiting(challenge, now):
        return challenge
    if not accepting_submissions(challenge, now):
        raise DomainError(_("This challenge is not open for submissions."))
    return challenge


def _check_eligible(challenge: Challenge, org: Organization) -> None:
    if not org.is_verified:
        raise DomainError(_("Your organization must be verified by the administrator before "
                            "it can take part."), field="organization_id")
    if org.kind.value not in (challenge.eligible_kinds or []):
        raise DomainError(_("Organizations of this kind (%(kind)s) may not bid on this "
                            "challenge.", kind=label(org.kind)), field="organization_id")


def _check_content(challenge: Challenge, content: SubmissionContent) -> None:
    if content.trl is not None and not 1 <= content.trl <= 9:
        raise DomainError(_("The technology readiness level is a number from 1 to 9."),
                          field="trl")
    if content.proposed_price is not None:
        if content.proposed_price <= 0:
            raise DomainError(_("The proposed price must be more than zero."),
                              field="proposed_price")
        if content.proposed_price > challenge.budget_ceiling:
            raise DomainError(_("The proposed price may not exceed the budget ceiling of "
                                "%(ceiling)s.", ceiling=vnd(challenge.budget_ceiling)),
                              field="proposed_price")


def _missing_for_submit(submission: Submission) -> list[str]:
    names = {"summary": _("Summary"), "technical_approach": _("Technical approach"),
             "trl": _("Technology readiness level (TRL)"),
             "proposed_price": _("Proposed price"), "timeline": _("Timeline"),
             "team": _("Team")}
    missing = []
    for name, title in names.items():
        value = getattr(submission, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(title)
    return missing


def _apply(submission: Submission, content: SubmissionContent) -> list[str]:
    changed = []
    for name in CONTENT_FIELDS:
        value = getattr(content, name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(submission, name) != value:
            setattr(submission, name, value)
            changed.append(name)
    return changed


# --- the solver's changes -----------------------------------------------------------------

def start(session, user: User, challenge_id: int, organization_id: int,
          content: SubmissionContent, *, now: datetime | None = None) -> Submission:
    """A new draft for the organization. One per organization and challenge: the
    database refuses a second even when two arrive at the same moment."""
    org = session.get(Organization, organization_id)
    if org is None or user.role_in(organization_id) not in SOLVER_ROLES or org.is_agency:
        raise NotAllowed(_("You can only submit for an organization you belong to."))
    challenge = _lock(session, None, challenge_id, now)
    _check_eligible(challenge, org)
    _check_content(challenge, content)
    if find_submission(session, challenge.id, org.id) is not None:
        raise DomainError(_("Your organization already has a submission for this challenge."))
    submission = Submission(challenge=challenge, organization=org, created_by=user)
    _apply(submission, content)
    try:
        with session.begin_nested():
            session.add(submission)
            session.flush()
    except IntegrityError:
        raise DomainError(
            _("Your organization already has a submission for this challenge.")) from None
    record(session, user, "submission.created", submission,
           after={"challenge_id": challenge.id, "organization_id": org.id})
    return submission


def update(session, user: User, submission: Submission, content: SubmissionContent, *,
           now: datetime | None = None) -> None:
    challenge = _lock(session, submission, submission.challenge_id, now)
    _require_editable(user, submission)
    _check_content(challenge, content)
    changed = _apply(submission, content)
    if changed:
        session.flush()
        record(session, user, "submission.updated", submission, after={"fields": changed})


def add_attachment(session, user: User, submission: Submission, stream: BinaryIO,
                   filename: str, *, now: datetime | None = None) -> Attachment:
    """Check and store the file first (`files.store_upload`: ~0.2 s for 20 MB), then take
    the challenge's lock for the checks and the row only, so the lock is held briefly."""
    if _path_like(filename):
        raise DomainError(_("The file name %(name)s is not accepted: give the file a plain name, "
                            "without folders.", name=filename), field="attachments")
    upload = files.store_upload(session, stream, filename)
    _lock(session, submission, submission.challenge_id, now)
    _require_editable(user, submission)
    attachment = files.attach(session, user, owner_field="submission_id",
                              owner_id=submission.id, upload=upload,
                              max_total=current_app.config["MAX_SUBMISSION_BYTES"])
    submission.updated_at = utcnow()
    return attachment


def remove_attachment(session, user: User, submission: Submission,
                      attachment: Attachment, *, now: datetime | None = None) -> None:
    _lock(session, submission, submission.challenge_id, now)
    _require_editable(user, submission)
    if attachment.submission_id != submission.id:
        raise NotAllowed(_("You are not allowed to do this."))
    files.remove(session, user, attachment)
    submission.updated_at = utcnow()


def _path_like(filename: str) -> bool:
    """Browsers send a plain name; a path in it means a crafted request."""
    name = filename or ""
    return any(mark in name for mark in ("/", "\\", "\x00")) or name.strip() in (".", "..")


def _require_editable(user: User, submission: Submission) -> None:
    """The policy's `submission.edit` (only a draft, by the lead, before the deadline).
    Raises `DomainError` saying how to edit a submitted or withdrawn one the user could
    reopen, `NotAllowed` otherwise."""
    if policy.can(user, "submission.edit", submission):
        return
    if policy.can(user, "submission.reopen", submission):
        raise DomainError(_("Only a draft can be changed. Reopen the submission to edit it."))
    policy.require(user, "submission.edit", submission)


def submit(session, user: User, submission: Submission, *, now: datetime | None = None) -> str:
    """Submit the draft and give the solver its receipt (the digest). `now`: the time the
    request arrived (aware UTC; default: the current request's, `clock`); the deadline is
    judged at it and it is the submission's `submitted_at`. Raises DomainError after the
    deadline or when something required is missing.

    A bid that arrived before the deadline but obtained the lock after the clock closed
    the challenge is accepted all the same and opened at once, as the close opened the
    others; the opening record is recorded again with it (issue 15: the close and the
    late-locked bid agree).

    The receipt's PDF is not rendered here: it took 0.3–1.5 s with the challenge locked,
    and in a deadline rush the bids queued behind it past the deadline (issue 15). The
    view queues the worker's `issue_receipts` after the commit (`documents.submitted`)."""
    challenge = _lock(session, submission, submission.challenge_id, now,
                      on_time_after_close=True)
    _check_eligible(challenge, submission.organization)
    missing = _missing_for_submit(submission)
    if missing:
        raise DomainError(_("Please complete these before submitting: %(fields)s.",
                            fields=", ".join(missing)))
    _check_content(challenge, SubmissionContent(trl=submission.trl,
                                                proposed_price=submission.proposed_price))
    digest = receipt_digest(receipt_payload(submission, attachments_of(session, submission)))
    submission.receipt_digest = digest
    transition(session, submission, SubmissionStatus.SUBMITTED, user,
               lifecycle=SUBMISSION_LIFECYCLE, data={"receipt_digest": digest})
    if now is not None:  # received then, even if the lock came later
        submission.submitted_at = now
    if challenge.status is ChallengeStatus.CLOSED:  # closed while it waited: open it too
        transition(session, submission, SubmissionStatus.OPENED, None,
                   lifecycle=SUBMISSION_LIFECYCLE, by_system=True,
                   data={"closed_while_waiting": True})
        record_opening(session, challenge)
    title = challenge.title
    notify(session, _members(consortium_members(submission)), "submission.submitted",
           lambda: _("Your solution to “%(challenge)s” was received on %(time)s (Viet Nam "
                     "time). Receipt (SHA-256): %(digest)s",
                     challenge=title, time=local_datetime(submission.submitted_at),
                     digest=digest),
           link=f"/submissions/{submission.id}", data={"submission_id": submission.id})
    return digest


def withdraw(session, user: User, submission: Submission, *,
             now: datetime | None = None) -> None:
    _lock(session, submission, submission.challenge_id, now)
    transition(session, submission, SubmissionStatus.WITHDRAWN, user,
               lifecycle=SUBMISSION_LIFECYCLE)


def reopen(session, user: User, submission: Submission, *,
           now: datetime | None = None) -> None:
    """Back to draft to edit; it must be submitted again before the deadline."""
    _lock(session, submission, submission.challenge_id, now)
    previous = submission.receipt_digest
    transition(session, submission, SubmissionStatus.DRAFT, user,
               lifecycle=SUBMISSION_LIFECYCLE, data={"previous_receipt": previous})
    submission.receipt_digest = None
    submission.submitted_at = None
    session.flush()


# --- consortia -------------------------------------------------------------------------------

def _members(orgs: list[Organization]) -> list[User]:
    return [m.user for org in orgs for m in org.memberships if m.role in SOLVER_ROLES]


def invite_partner(session, user: User, submission: Submission, *,
                   registration_code: str = "", organization_id: int | None = None,
                   now: datetime | None = None) -> ConsortiumPartner:
    _lock(session, submission, submission.challenge_id, now)
    if not submission.challenge.consortia_allowed:
        raise DomainError(_("This challenge does not accept consortia."))
    _require_editable(user, submission)
    policy.require(user, "consortium.invite", submission)
    code = (registration_code or "").strip().upper()
    if code:
        org = session.scalar(select(Organization).where(
            func.upper(Organization.registration_code) == code))
    elif organization_id:
        org = session.get(Organization, organization_id)
    else:
        raise DomainError(_("Choose an organization or enter its registration code."),
                          field="registration_code")
    if org is None or org.is_agency or not org.is_verified:
        raise DomainError(_("No verified solver organization has this registration code."),
                          field="registration_code")
    if org.id == submission.organization_id:
        raise DomainError(_("Your own organization leads this submission."),
                          field="registration_code")
    partner = next((p for p in submission.partners if p.organization_id == org.id), None)
    if partner is not None and partner.status is not PartnerStatus.DECLINED:
        raise DomainError(_("This organization has already been invited."),
                          field="registration_code")
    if partner is None:
        partner = ConsortiumPartner(organization=org, invited_by_id=user.id)
        submission.partners.append(partner)
        session.flush()
        record(session, user, "consortium.invited", submission,
               after={"organization_id": org.id})
    else:  # invited again after declining
        partner.invited_by_id = user.id
        partner.responded_at = partner.responded_by_id = None
        transition(session, partner, PartnerStatus.INVITED, user, lifecycle=PARTNER_LIFECYCLE,
                   data={"submission_id": submission.id, "organization_id": org.id})
    lead, title = submission.organization.name_vi, submission.challenge.title
    notify(session, _members([org]), "consortium.invited",
           lambda: _("%(lead)s invites your organization to bid together on “%(challenge)s”.",
                     lead=lead, challenge=title),
           link="/submissions/invitations", data={"partner_id": partner.id})
    return partner


def remove_partner(session, user: User, submission: Submission,
                   partner: ConsortiumPartner, *, now: datetime | None = None) -> None:
    _lock(session, submission, submission.challenge_id, now)
    _require_editable(user, submission)
    policy.require(user, "consortium.invite", submission)
    if partner.submission_id != submission.id:
        raise NotAllowed(_("You are not allowed to do this."))
    record(session, user, "consortium.removed", submission,
           before={"organization_id": partner.organization_id,
                   "status": partner.status.value})
    submission.partners.remove(partner)
    session.flush()


def respond(session, user: User, partner: ConsortiumPartner, accept: bool, *,
            now: datetime | None = None) -> None:
    submission = partner.submission
    _lock(session, submission, submission.challenge_id, now)
    session.refresh(partner)
    if partner.status is PartnerStatus.INVITED and submission.status is not \
            SubmissionStatus.DRAFT:
        raise DomainError(_("The lead organization has already submitted; it must reopen "
                            "its submission before you can answer."))
    policy.require(user, "consortium.respond", partner)
    partner.responded_by_id = user.id
    transition(session, partner, PartnerStatus.ACCEPTED if accept else PartnerStatus.DECLINED,
               user, lifecycle=PARTNER_LIFECYCLE,
               data={"submission_id": submission.id,
                     "organization_id": partner.organization_id})
    org_name, title = partner.organization.name_vi, submission.challenge.title
    notify(session, _members([submission.organization]), "consortium.responded",
           (lambda: _("%(org)s accepted your invitation to bid together on “%(challenge)s”.",
                      org=org_name, challenge=title)) if accept else
           (lambda: _("%(org)s declined your invitation to bid together on “%(challenge)s”.",
                      org=org_name, challenge=title)),
           link=f"/submissions/{submission.id}", data={"submission_id": submission.id})


PARTNER_CHOICES = 20  # organizations offered per search on the submission page


def partner_candidates(session, submission: Submission, text: str, *,
                       limit: int = PARTNER_CHOICES) -> list[Organization]:
    """The first `limit` verified solver organizations (by Vietnamese name) that the lead
    may still invite and whose name (Vietnamese or English) or registration code holds
    every word of `text`, folded as /search folds them (`search.services.text_matcher`:
    "phuong nam" finds "Phương Nam"); [] when `text` has no word. The submission page
    once listed every verified organization in its select (1,824 options, 175 kB and
    44 ms at the benchmark's 1,000 challenges; growing with the organizations: issue 21).
    The names are read as columns; at most `limit` organizations are loaded."""
    from marketplace.search.services import text_matcher

    matches = text_matcher(text)
    taken = {submission.organization_id} | {p.organization_id for p in submission.partners
                                            if p.status is not PartnerStatus.DECLINED}
    rows = session.execute(select(
        Organization.id, Organization.name_vi, Organization.name_en,
        Organization.registration_code).where(
        Organization.kind != OrgKind.AGENCY, Organization.status == OrgStatus.VERIFIED)
        .order_by(Organization.name_vi, Organization.id))
    ids = []
    for org_id, name_vi, name_en, code in rows:
        if org_id not in taken and matches(name_vi, name_en, code):
            ids.append(org_id)
            if len(ids) == limit:
                break
    if not ids:
        return []
    return list(session.scalars(select(Organization).where(Organization.id.in_(ids))
                                .order_by(Organization.name_vi, Organization.id)))
