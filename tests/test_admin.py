from datetime import date

import pytest
from sqlalchemy import select

from marketplace.accounts.models import MemberRole, OrgStatus
from marketplace.audit.models import AuditEvent
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup

ADMIN_PAGES = ["/admin/", "/admin/organizations", "/admin/users", "/admin/taxonomy",
               "/admin/taxonomy/versions/new"]


@pytest.fixture
def admin(make_user):
    return make_user(is_admin=True)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [MemberRole.OWNER, MemberRole.OFFICER, MemberRole.APPROVER])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_refuse_non_admins(client, make_user, make_org, login, path, role):
    user = make_user()
    make_org(kind="agency", members={user: role})
    login(user)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_open_for_admins(client, admin, login, path):
    login(admin)
    assert client.get(path).status_code == 200


def test_verify_organization(client, admin, login, make_org, session):
    org = make_org(status=OrgStatus.PENDING)
    login(admin)
    assert org.name_vi in client.get("/admin/organizations").get_data(as_text=True)
    response = client.post_form(f"/admin/organizations/{org.id}/verify",
                                token_from="/admin/organizations")
    assert response.status_code == 302
    session.refresh(org)
    assert org.status is OrgStatus.VERIFIED and org.verified_at is not None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "organization.verified"))
    assert event.actor_id == admin.id and event.public


def test_reject_needs_a_reason_and_owner_can_resubmit(client, admin, login, make_org,
                                                      make_user, session):
    owner = make_user()
    org = make_org(status=OrgStatus.PENDING, members={owner: MemberRole.OWNER})
    login(admin)
    path = f"/admin/organizations/{org.id}/reject"
    response = client.post_form(path, {"reason": ""})
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    session.refresh(org)
    assert org.status is OrgStatus.PENDING
    client.post_form(path, {"reason": "Mã số thuế không khớp"})
    session.refresh(org)
    assert org.status is OrgStatus.REJECTED and org.rejection_reason == "Mã số thuế không khớp"
    client.post_form("/logout", token_from="/")
    login(owner)
    page = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert "Mã số thuế không khớp" in page
    client.post_form(f"/organizations/{org.id}/resubmit", token_from=f"/organizations/{org.id}")
    session.refresh(org)
    assert org.status is OrgStatus.PENDING and org.rejection_reason == ""


def test_verify_twice_is_refused(client, admin, login, make_org, session):
    org = make_org(status=OrgStatus.VERIFIED)
    login(admin)
    client.post_form(f"/admin/organizations/{org.id}/verify", token_from="/admin/organizations")
    session.refresh(org)
    assert org.status is OrgStatus.VERIFIED
    verified = select(AuditEvent).where(AuditEvent.object_id == org.id,
                                        AuditEvent.action == "organization.verified")
    assert session.scalar(verified) is None


def test_deactivate_user_ends_their_sessions(client, admin, login, make_user, session, app):
    victim = make_user()
    victim_client = app.test_client()
    victim_client.post_form("/login", {"email": victim.email, "password": "correct horse battery"},
                            token_from="/login")
    assert victim_client.get("/profile").status_code == 200
    login(admin)
    client.post_form(f"/admin/users/{victim.id}/deactivate", token_from="/admin/users")
    session.refresh(victim)
    assert not victim.active
    assert victim_client.get("/profile").status_code == 302
    client.post_form(f"/admin/users/{admin.id}/deactivate", token_from="/admin/users")
    session.refresh(admin)
    assert admin.active  # an administrator cannot lock themselves out


def test_taxonomy_seeded_from_the_2025_decision(session):
    version = session.scalar(select(TaxonomyVersion).where(
        TaxonomyVersion.decision == "Decision 1131/QĐ-TTg (2025)"))
    codes = [g.code for g in version.groups]
    assert codes == [str(i) for i in range(1, 12)]
    assert version.groups[2].name_vi == "Công nghệ chuỗi khối"
    assert not version.groups[6].confirmed  # rows marked confirmed=no still need checking


def test_new_taxonomy_version_copies_and_ends_the_old(client, admin, login, session):
    login(admin)
    old = session.scalar(select(TaxonomyVersion).where(TaxonomyVersion.valid_to.is_(None)))
    response = client.post_form("/admin/taxonomy/versions/new", {
        "decision": "Decision 21/2026/QĐ-TTg", "valid_from": "2026-03-01", "valid_to": "",
        "copy_from": str(old.id)})
    assert response.status_code == 302
    new = session.scalar(select(TaxonomyVersion).where(
        TaxonomyVersion.decision == "Decision 21/2026/QĐ-TTg"))
    session.refresh(old)
    assert old.valid_to == date(2026, 3, 1)
    assert len(new.groups) == len(old.groups)
    group = new.groups[0]
    response = client.post_form(f"/admin/taxonomy/versions/{new.id}/groups/{group.id}", {
        "code": "1", "name_vi": "Trí tuệ nhân tạo", "name_en": "Artificial intelligence",
        "confirmed": "y"})
    assert response.status_code == 302
    session.refresh(group)
    assert group.name_vi == "Trí tuệ nhân tạo"
    assert old.groups[0].name_vi.startswith("Công nghệ trí tuệ nhân tạo")  # the old one kept
    clash = client.post_form(f"/admin/taxonomy/versions/{new.id}/groups/new", {
        "code": "2", "name_vi": "x", "name_en": "x"})
    assert clash.status_code == 200 and "is-invalid" in clash.get_data(as_text=True)
    assert session.scalar(select(TechnologyGroup).where(
        TechnologyGroup.version_id == new.id, TechnologyGroup.name_vi == "x")) is None
