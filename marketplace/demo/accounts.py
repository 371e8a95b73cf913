"""Demo organizations and accounts (DESIGN.md, "Demo accounts")."""

from sqlalchemy import select

from marketplace.accounts import organizations, services
from marketplace.accounts.models import MemberRole, Membership, Organization, OrgKind, User

PASSWORD = "demo-password"  # noqa: S105 - documented demo password, local machine only

ORGS = [
    # key, kind, name_vi, name_en, code, province
    ("agency", OrgKind.AGENCY, "Sở Khoa học và Công nghệ Thành phố Đà Nẵng",
     "Da Nang Department of Science and Technology", "DEMO-SKHCN-DN", "Đà Nẵng"),
    ("hospital", OrgKind.AGENCY, "Bệnh viện Đa khoa Tỉnh Lâm Đồng",
     "Lam Dong Provincial General Hospital", "DEMO-BVDK-LD", "Lâm Đồng"),
    ("hanoi", OrgKind.AGENCY, "Sở Xây dựng Thành phố Hà Nội",
     "Ha Noi Department of Construction", "DEMO-SXD-HN", "Hà Nội"),
    ("startup", OrgKind.STARTUP, "Công ty Cổ phần Công nghệ Sông Hàn AI",
     "Song Han AI Technology JSC", "DEMO-0401234567", "Đà Nẵng"),
    ("university", OrgKind.UNIVERSITY, "Trường Đại học Kỹ thuật Miền Trung",
     "Central Vietnam University of Engineering", "DEMO-DHKT-MT", "Đà Nẵng"),
    ("institute", OrgKind.INSTITUTE, "Viện Nghiên cứu Vật liệu và Năng lượng",
     "Institute for Materials and Energy Research", "DEMO-VNC-VLNL", "Hà Nội"),
    ("enterprise", OrgKind.ENTERPRISE, "Công ty TNHH Thiết bị Y tế Phương Nam",
     "Phuong Nam Medical Devices Co., Ltd.", "DEMO-0309876543", "Thành phố Hồ Chí Minh"),
]

USERS = [
    # email, full name, org key, role
    ("admin@demo.example", "Nguyễn Quản Trị", None, None),
    ("officer@agency.demo.example", "Trần Thị Minh Thư", "agency", MemberRole.OWNER),
    ("approver@agency.demo.example", "Lê Văn Phê Duyệt", "agency", MemberRole.APPROVER),
    ("officer@hospital.demo.example", "Phạm Quốc Bảo", "hospital", MemberRole.OWNER),
    ("officer@hanoi.demo.example", "Đỗ Thị Thu Hà", "hanoi", MemberRole.OWNER),
    ("evaluator1@demo.example", "PGS.TS. Hoàng Đức Thẩm", None, None),
    ("evaluator2@demo.example", "TS. Vũ Thị Định", None, None),
    ("startup@demo.example", "Đặng Khởi Nghiệp", "startup", MemberRole.OWNER),
    ("university@demo.example", "GS. Bùi Đại Học", "university", MemberRole.OWNER),
    ("institute@demo.example", "TS. Ngô Viện", "institute", MemberRole.OWNER),
    ("enterprise@demo.example", "Châu Doanh Nghiệp", "enterprise", MemberRole.OWNER),
]


def demo_org(session, key: str) -> Organization:
    code = next(o[4] for o in ORGS if o[0] == key)
    return session.scalar(select(Organization).where(Organization.registration_code == code))


def demo_user(session, email: str) -> User:
    return services.find_user_by_email(session, email)


def load(session) -> str:
    if demo_user(session, "admin@demo.example") is not None:
        return "accounts: already loaded"
    admin = services.register(session, email="admin@demo.example", password=PASSWORD,
                              full_name="Nguyễn Quản Trị")
    admin.is_admin = True
    by_key = {}
    for key, kind, name_vi, name_en, code, province in ORGS:
        by_key[key] = (kind, name_vi, name_en, code, province)
    orgs: dict[str, Organization] = {}
    for email, name, key, role in USERS[1:]:
        new_org = None
        if key is not None and key not in orgs and role is MemberRole.OWNER:
            kind, name_vi, name_en, code, province = by_key[key]
            new_org = services.NewOrganization(kind, name_vi, name_en, code, province)
        user = services.register(session, email=email, password=PASSWORD, full_name=name,
                                 organization=new_org)
        if new_org is not None:
            orgs[key] = user.memberships[0].organization if user.memberships else demo_org(
                session, key)
        elif key is not None:
            session.add(Membership(user=user, organization=orgs[key], role=role))
    session.flush()
    for org in orgs.values():
        organizations.verify(session, admin, org)
    orgs["agency"].approval_threshold = 1_000_000_000
    return f"accounts: {len(USERS)} users, {len(orgs)} organizations"
