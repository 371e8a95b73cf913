"""Demo data of issue 17: the completed air-quality pilot proven and in the catalogue
(the university's offer, the agency's confirmation), bought again by two other agencies
(Lâm Đồng's hospital: signed, delivered and paid; Hà Nội's construction department:
signed and active); a sandbox permission on the active traffic pilot; and a pilot whose
technology did not reach its targets ("not proven, research risk accepted").
Idempotent: the first follow-on order's contract number is the marker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace import policy
from marketplace.accounts import services as accounts
from marketplace.accounts.models import MemberRole, Membership
from marketplace.demo.accounts import PASSWORD, demo_org, demo_user
from marketplace.demo.orders import MARKER, _at, _awarded, _backdate, _signed_order, _treasury
from marketplace.orders import milestones
from marketplace.orders import services as orders
from marketplace.orders.models import PilotOrder
from marketplace.orders.terms import MilestonePlan, OrderTerms, local_today, terms_sha256
from marketplace.outcomes import services
from marketplace.outcomes.models import KpiVerdict, OutcomeResult
from marketplace.payments.services import record_offline

FOLLOW_ON_MARKER = "05/2026/HĐMR-BVLĐ"
PILOT = "02/2026/HĐ-TNCN"


def _approver(session, key: str, email: str, name: str):
    """The buying agency's approver (its second signature and countersignature)."""
    user = demo_user(session, email)
    if user is None:
        user = accounts.register(session, email=email, password=PASSWORD, full_name=name)
        session.add(Membership(user=user, organization=demo_org(session, key),
                               role=MemberRole.APPROVER))
        session.flush()
    return user


def _follow_on(session, entry, *, officer, approver, owner, agency, number, quantity,
               scope, start):
    value = entry.reference_price * quantity
    terms = OrderTerms(
        contract_number=number, value=value, start_date=start,
        end_date=start + timedelta(days=120),
        kpis=tuple((r.kpi.name, r.kpi.target) for r in entry.outcome.kpi_results),
        milestones=(MilestonePlan(f"Lắp đặt và vận hành {quantity} bộ cảm biến",
                                  start + timedelta(days=30), value),))
    order = services.place_follow_on(
        session, officer, entry, agency, terms, quantity=quantity, scope=scope,
        justification=f"Căn cứ kết quả thí điểm đã được chứng minh của hợp đồng {PILOT} "
                      f"tại Sở Khoa học và Công nghệ Đà Nẵng; giá theo chào giá tham chiếu.")
    if policy.can(approver, "order.approve_follow_on", order):
        services.approve_follow_on(session, approver, order)
    orders.offer(session, officer, order)
    orders.sign(session, owner, order, full_name=owner.full_name, confirmed=True,
                shown_sha256=terms_sha256(order))
    orders.countersign(session, approver, order, full_name=approver.full_name, confirmed=True,
                       shown_sha256=terms_sha256(order))
    # the story read as it happened: signed in the week before the start
    order.offered_at = _at(start - timedelta(days=7))
    order.signed_at = _at(start - timedelta(days=5))
    order.active_at = _at(start - timedelta(days=3))
    return order


def load(session) -> str:
    agency = demo_org(session, "agency")
    if agency is None:
        return "outcomes: no demo accounts"
    if session.scalar(select(PilotOrder.id).where(
            PilotOrder.contract_number == FOLLOW_ON_MARKER)):
        return "outcomes: already loaded"
    pilot = session.scalar(select(PilotOrder).where(PilotOrder.agency_id == agency.id,
                                                    PilotOrder.contract_number == PILOT))
    active = session.scalar(select(PilotOrder).where(PilotOrder.agency_id == agency.id,
                                                     PilotOrder.contract_number == MARKER))
    if pilot is None or active is None:
        return "outcomes: no demo orders"
    officer = demo_user(session, "officer@agency.demo.example")
    approver = demo_user(session, "approver@agency.demo.example")
    professor = demo_user(session, "university@demo.example")
    today = local_today()

    # the sandbox permission of the traffic pilot
    services.record_sandbox(session, officer, active, services.Sandbox(
        "125/QĐ-UBND", "Ủy ban nhân dân Thành phố Đà Nẵng",
        "Thử nghiệm điều khiển đèn tín hiệu bằng AI tại 12 nút giao trung tâm, ngoài giờ "
        "cao điểm trong 3 tháng đầu.", active.start_date, active.end_date))

    # 1. the air-quality pilot: proven, in the catalogue; completed with its last payment
    pilot.completed_at = _at(pilot.milestones[-1].due_date + timedelta(days=10), hour=16)
    achieved = ("11%", "48 trường")
    outcome = services.save_outcome(
        session, officer, pilot, result=OutcomeResult.PROVEN,
        lessons="Hiệu chuẩn tại chỗ với trạm chuẩn mỗi quý là điều kiện để số liệu đủ tin "
                "cậy; các trường cần một đầu mối kỹ thuật.",
        lines=[services.KpiLine(k.id, achieved[i], KpiVerdict.MET)
               for i, k in enumerate(pilot.kpis)])
    entry = services.publish_outcome(session, officer, outcome)
    entry.title = "Mạng cảm biến bụi mịn PM2.5 giá rẻ cho trường học"
    services.write_offer(session, professor, entry, services.Offer(
        unit="trường học (10 cảm biến)", reference_price=80_000_000,
        conditions="Đã gồm lắp đặt, hiệu chuẩn và 12 tháng vận hành; bảo hành 24 tháng.",
        valid_until=today + timedelta(days=365),
        summary="Mạng 50 cảm biến PM2.5 hiệu chuẩn tại chỗ, số liệu mở theo giờ cho phụ "
                "huynh và nhà trường."))
    services.confirm_facts(session, officer, entry)

    # 2. two other agencies buy it again; Lâm Đồng's order is delivered and paid
    hospital = _follow_on(
        session, entry, officer=demo_user(session, "officer@hospital.demo.example"),
        approver=_approver(session, "hospital", "approver@hospital.demo.example",
                           "Trương Văn Duyệt"),
        owner=professor, agency=demo_org(session, "hospital"), number=FOLLOW_ON_MARKER,
        quantity=3, scope="Ba khu điều trị và khuôn viên bệnh viện.",
        start=today - timedelta(days=40))
    milestone = hospital.milestones[0]
    milestones.deliver(session, professor, milestone, "Đã lắp đặt và vận hành 3 bộ.")
    milestones.accept(session, demo_user(session, "officer@hospital.demo.example"), milestone)
    milestone.delivered_at = _at(milestone.due_date - timedelta(days=2))
    milestone.accepted_at = _at(milestone.due_date, hour=15)
    paid_on = milestone.due_date + timedelta(days=6)
    record_offline(session, demo_user(session, "officer@hospital.demo.example"), milestone,
                   paid_on=paid_on,
                   treasury=_treasury(milestone, "KBNN-LĐ-2026-000311",
                                      paid_on - timedelta(days=1)))
    _follow_on(
        session, entry, officer=demo_user(session, "officer@hanoi.demo.example"),
        approver=_approver(session, "hanoi", "approver@hanoi.demo.example",
                           "Lý Thị Phê Duyệt"),
        owner=professor, agency=demo_org(session, "hanoi"), number="11/2026/HĐMR-SXD",
        quantity=5, scope="Năm trường tiểu học quận Hoàn Kiếm.", start=today + timedelta(days=7))

    # 3. a pilot that did not reach its targets: research risk accepted
    institute = demo_org(session, "institute")
    researcher = demo_user(session, "institute@demo.example")
    item = _awarded(session, officer=officer, approver=approver, agency=agency,
                    owner=researcher, solver=institute, group="3",
                    title="Pin lưu trữ năng lượng mặt trời bằng vật liệu mới cho trạm y tế xã",
                    problem="Trạm y tế vùng núi mất điện kéo dài, tủ lạnh bảo quản vắc-xin "
                            "không được bảo đảm.",
                    budget=700_000_000, price=600_000_000,
                    summary="Pin natri-ion chế tạo trong nước, 20 kWh mỗi trạm.")
    start = today - timedelta(days=200)
    terms = OrderTerms(
        contract_number="03/2026/HĐ-TNCN", value=600_000_000, start_date=start,
        end_date=start + timedelta(days=180),
        kpis=(("Số giờ cấp điện liên tục khi mất lưới", "≥ 48 giờ"),
              ("Dung lượng còn lại sau 300 chu kỳ", "≥ 90%")),
        milestones=(MilestonePlan("Lắp đặt tại 3 trạm y tế", start + timedelta(days=60),
                                  300_000_000),
                    MilestonePlan("Vận hành 4 tháng và báo cáo", start + timedelta(days=180),
                                  300_000_000)))
    risky = _signed_order(session, item, terms, officer=officer, approver=approver,
                          owner=researcher)
    for n, m in enumerate(risky.milestones, start=1):
        milestones.deliver(session, researcher, m, "Đã thực hiện đúng hợp đồng; số liệu kèm "
                                                   "theo.")
        milestones.accept(session, officer, m)
        paid_on = m.due_date + timedelta(days=7)
        record_offline(session, officer, m, paid_on=paid_on,
                       treasury=_treasury(m, f"KBNN-DN-2026-00{8000 + n}",
                                          paid_on - timedelta(days=1)))
    _backdate(item, risky, start)
    lost = services.save_outcome(
        session, officer, risky, result=OutcomeResult.NOT_PROVEN,
        lessons="Vật liệu điện cực suy giảm nhanh ở độ ẩm trên 85%; cần thử nghiệm khí hậu "
                "trước khi lắp đặt. Nhóm nghiên cứu đã thực hiện đúng quy trình.",
        lines=[services.KpiLine(risky.kpis[0].id, "52 giờ", KpiVerdict.MET),
               services.KpiLine(risky.kpis[1].id, "71%", KpiVerdict.NOT_MET)])
    services.publish_outcome(session, officer, lost)
    return ("outcomes: a proven pilot in the catalogue bought again by 2 agencies (1 paid), "
            "a sandbox permission, a 'not proven, risk accepted' outcome")
