"""What each official document says, from the same data (and digest) as its page.

Official documents are written in Vietnamese whatever the reader's language: the text
here is the legal text, not the interface, so it is not in the message catalogue.
Each function returns a `layout.Official`; `layout.render` makes it a PDF.

- `award_decision(award)` — Quyết định phê duyệt kết quả lựa chọn giải pháp (public once
  the award is approved).
- `pilot_order(order, terms, confidential=...)` — Hợp đồng thí điểm: the terms whose
  SHA-256 the parties sign (`orders.terms.terms_sha256`), KPIs, milestones, amounts in
  words; the public version leaves out the confidential terms text.
- `amendment(order, amendment, proposed_terms)` — Phụ lục sửa đổi hợp đồng.
- `receipt(submission, attachments)` — Biên nhận nộp hồ sơ with the receipt's SHA-256.
- `opening_record(record)` — Biên bản mở hồ sơ, from `submissions.opening.opening_record`
  (the same data as the challenge page, the API and OCDS): names and prices only as
  disclosed."""

from __future__ import annotations

import re
from datetime import datetime

from marketplace.documents.layout import Official, Signer, Table
from marketplace.formatting import amount_in_words as dong_in_words
from marketplace.formatting import vietnamese_thousands
from marketplace.orders.terms import LOCAL_ZONE, OrderTerms, terms_sha256

PLATFORM = "Nền tảng đặt hàng giải pháp công nghệ (Nhà nước là khách hàng đầu tiên)"


def plain(text: str) -> str:
    """Markdown emphasis marks dropped: "**không**" → "không" (the page renders them)."""
    text = re.sub(r"(\*\*|__)([^*_\n]+?)\1", r"\2", text or "")
    return re.sub(r"(?<![\w*])\*([^*\n]+?)\*(?![\w*])", r"\1", text)


def dong(amount: int) -> str:
    """1500000000 → "1.500.000.000" (Vietnamese digit grouping)."""
    return vietnamese_thousands(amount)  # always Vietnamese


def local_date(moment: datetime):
    return moment.astimezone(LOCAL_ZONE).date()


def local_time(moment: datetime) -> str:
    local = moment.astimezone(LOCAL_ZONE)
    return f"{local:%H:%M:%S} ngày {local:%d/%m/%Y} (giờ Việt Nam)"


def vn_day(day) -> str:
    return f"{day:%d/%m/%Y}"


def _place(org, challenge=None) -> str:
    return (getattr(org, "province", "") or getattr(challenge, "province", "")
            or "Hà Nội").strip()


def decision_number(award) -> str:
    return f"{award.id}/QĐ-LCGP"


def award_decision(award) -> Official:
    """The award decision of an approved award: winners, amounts, the justification."""
    challenge = award.challenge
    agency = challenge.agency
    decided = award.decided_at or award.proposed_at
    signer = award.decided_by or award.proposed_by
    rows = []
    for index, item in enumerate(award.items, start=1):
        score = f"{item.score:.2f}" if item.score is not None else "—"
        rows.append((str(index), item.submission.organization.name_vi,
                     f"HS-{item.submission_id}", str(item.rank), score, dong(item.amount)))
    body: list = [
        f"Căn cứ bài toán đặt hàng số {challenge.id} “{challenge.title}” do "
        f"{agency.name_vi} công bố trên {PLATFORM};",
        "Căn cứ kết quả đánh giá của hội đồng đánh giá và bảng xếp hạng các hồ sơ đề xuất "
        "giải pháp;",
        "## QUYẾT ĐỊNH:",
        "## Điều 1. Phê duyệt kết quả lựa chọn giải pháp",
        "Phê duyệt kết quả lựa chọn giải pháp của bài toán đặt hàng nêu trên như sau:",
        Table(("STT", "Đơn vị giải pháp", "Hồ sơ", "Xếp hạng", "Điểm", "Giá trị (đồng)"),
              tuple(rows), (8, 52, 14, 14, 12, 24)),
        f"Tổng giá trị: {dong(award.total_amount)} đồng "
        f"(Bằng chữ: {dong_in_words(award.total_amount)}).",
    ]
    for item in award.items:
        if item.rank != 1 and item.not_top_ranked_reason:
            body.append(f"Lý do lựa chọn hồ sơ HS-{item.submission_id} không xếp hạng "
                        f"nhất: {item.not_top_ranked_reason}")
    body += [
        "## Điều 2. Căn cứ lựa chọn",
        plain(award.justification),
        "## Điều 3. Tổ chức thực hiện",
        f"{agency.name_vi} và đơn vị giải pháp được lựa chọn hoàn thiện, ký hợp đồng thí "
        "điểm theo quy định. Quyết định này có hiệu lực kể từ ngày ký và được công khai trên "
        "Nền tảng.",
    ]
    if award.requires_approval:
        body.append(f"Quyết định do {award.proposed_by.full_name} đề xuất và "
                    f"{signer.full_name} phê duyệt (hai người ký).")
    return Official(
        governing_body="", issuing_body=agency.name_vi, number=decision_number(award),
        place=_place(agency, challenge), date=local_date(decided),
        kind="QUYẾT ĐỊNH",
        subject=f"Phê duyệt kết quả lựa chọn giải pháp cho bài toán đặt hàng "
                f"“{challenge.title}”",
        body=tuple(body),
        signers=(Signer(capacity=agency.name_vi,
                        title="Người phê duyệt" if award.requires_approval else
                        "Người quyết định", name=signer.full_name),),
        recipients=("Đơn vị giải pháp được lựa chọn", "Công khai trên Nền tảng",
                    f"Lưu: {agency.name_vi}"),
        footer=f"Quyết định {decision_number(award)}",
        title=f"Quyết định {decision_number(award)}",
    )


def _parties(order) -> list:
    agency, solver = order.agency, order.solver
    return [
        f"Bên A (bên đặt hàng): {agency.name_vi}, mã số {agency.registration_code}.",
        f"Bên B (đơn vị giải pháp): {solver.name_vi}, mã số {solver.registration_code}.",
    ]


def _terms_tables(terms: OrderTerms) -> list:
    kpis = Table(("STT", "Chỉ số đánh giá kết quả (KPI)", "Mục tiêu"),
                 tuple((str(i), name, target) for i, (name, target)
                       in enumerate(terms.kpis, start=1)), (8, 62, 54))
    milestones = Table(("Đợt", "Sản phẩm bàn giao", "Hạn", "Số tiền (đồng)"),
                       tuple((str(i), m.deliverable, vn_day(m.due_date), dong(m.amount))
                             for i, m in enumerate(terms.milestones, start=1)),
                       (8, 70, 20, 26))
    return [kpis, milestones]


def pilot_order(order, terms: OrderTerms, *, confidential: bool, issued_at: datetime
                ) -> Official:
    """The pilot-order contract for `terms` (the order's terms as offered). With
    `confidential` False (the public version) the confidential terms text is left out;
    the digest printed is always the digest of the whole terms."""
    challenge = order.challenge
    digest = terms_sha256(terms)
    if order.award_item is None:  # a follow-on order (issue 17) cites the proven pilot
        basis = [f"Căn cứ kết quả thí điểm đã được chứng minh của hợp đồng số "
                 f"{order.follows.contract_number} (bài toán đặt hàng “{challenge.title}”) "
                 f"và danh mục giải pháp đã được chứng minh;",
                 "Hai bên thống nhất ký kết đơn đặt hàng mở rộng với các điều khoản sau:"]
    else:
        basis = [f"Căn cứ Quyết định số {decision_number(order.award_item.award)} phê duyệt "
                 f"kết quả lựa chọn giải pháp cho bài toán đặt hàng “{challenge.title}”;",
                 "Hai bên thống nhất ký kết hợp đồng thí điểm (đơn đặt hàng thí điểm) với các "
                 "điều khoản sau:"]
    body: list = [
        *basis,
        *_parties(order),
        "## Điều 1. Giá trị hợp đồng",
        f"Giá trị hợp đồng: {dong(terms.value)} đồng "
        f"(Bằng chữ: {dong_in_words(terms.value)}).",
        "## Điều 2. Thời gian thực hiện",
        f"Từ ngày {vn_day(terms.start_date)} đến ngày {vn_day(terms.end_date)}.",
        "## Điều 3. Chỉ số đánh giá kết quả",
    ]
    kpis, milestones = _terms_tables(terms)
    body += [kpis, "## Điều 4. Mốc công việc và đợt thanh toán",
             "Bên A thanh toán từng đợt sau khi nghiệm thu mốc công việc tương ứng; tổng các "
             "đợt bằng giá trị hợp đồng.", milestones,
             "## Điều 5. Điều khoản riêng"]
    if confidential:
        body.append(plain(terms.terms.strip()) or "Không có.")
    else:
        body.append("(Nội dung điều khoản riêng chỉ cung cấp cho hai bên; bản công khai "
                    "không bao gồm nội dung này.)")
    body += [
        "## Điều 6. Chữ ký số",
        "Hai bên ký hợp đồng này bằng chữ ký số. Chữ ký của mỗi bên áp dụng cho toàn bộ "
        "văn bản này và cho các điều khoản có mã băm SHA-256 (phiên bản "
        f"{terms.version}) sau: {digest}.",
    ]
    version = "" if confidential else " (bản công khai)"
    return Official(
        governing_body="", issuing_body=order.agency.name_vi, number=terms.contract_number,
        place=_place(order.agency, challenge), date=local_date(issued_at),
        kind="HỢP ĐỒNG THÍ ĐIỂM" + version.upper(),
        subject=f"Đặt hàng thí điểm giải pháp cho bài toán “{challenge.title}”",
        body=tuple(body),
        signers=(Signer("Đại diện bên A", order.agency.name_vi, ""),
                 Signer("Đại diện bên B", order.solver.name_vi, "")),
        footer=f"Hợp đồng {terms.contract_number} — SHA-256 điều khoản: {digest}",
        title=f"Hợp đồng thí điểm {terms.contract_number}",
        keywords=(f"terms-sha256:{digest}",),
    )


def amendment(order, change, proposed: OrderTerms) -> Official:
    """The amendment `change` (an OrderAmendment) of `order`, with its proposed terms."""
    digest = terms_sha256(proposed)
    number = f"{order.contract_number}/PL-{change.version:02d}"
    kpis, milestones = _terms_tables(proposed)
    body = [
        f"Căn cứ hợp đồng thí điểm số {order.contract_number} giữa {order.agency.name_vi} "
        f"và {order.solver.name_vi};",
        f"Lý do sửa đổi: {change.reason}",
        "## Điều 1. Nội dung sửa đổi",
        f"Giá trị hợp đồng sau sửa đổi: {dong(proposed.value)} đồng "
        f"(Bằng chữ: {dong_in_words(proposed.value)}).",
        f"Thời gian thực hiện: từ ngày {vn_day(proposed.start_date)} đến ngày "
        f"{vn_day(proposed.end_date)}.",
        "Mốc công việc và đợt thanh toán sau sửa đổi:",
        milestones,
        "## Điều 2. Hiệu lực",
        "Phụ lục này là bộ phận không tách rời của hợp đồng, có hiệu lực khi cả hai bên đã "
        f"ký. Mã băm SHA-256 của điều khoản sau sửa đổi (phiên bản {proposed.version}): "
        f"{digest}.",
    ]
    return Official(
        governing_body="", issuing_body=order.agency.name_vi, number=number,
        place=_place(order.agency, order.challenge), date=local_date(change.proposed_at),
        kind="PHỤ LỤC HỢP ĐỒNG",
        subject=f"Sửa đổi hợp đồng thí điểm số {order.contract_number} (lần "
                f"{change.version - 1})",
        body=tuple(body),
        signers=(Signer("Đại diện bên A", order.agency.name_vi, ""),
                 Signer("Đại diện bên B", order.solver.name_vi, "")),
        footer=f"Phụ lục {number} — SHA-256 điều khoản: {digest}",
        title=f"Phụ lục hợp đồng {number}",
    )


def receipt(submission, attachments) -> Official:
    """The receipt of a submitted solution: when, by whom, and its SHA-256."""
    challenge = submission.challenge
    files = tuple((str(i), a.original_name, a.sha256)
                  for i, a in enumerate(attachments, start=1))
    body: list = [
        f"{PLATFORM} xác nhận đã nhận hồ sơ đề xuất giải pháp sau:",
        f"Bài toán đặt hàng: số {challenge.id} “{challenge.title}” của "
        f"{challenge.agency.name_vi}.",
        f"Đơn vị nộp: {submission.organization.name_vi}, mã số "
        f"{submission.organization.registration_code}.",
        f"Hồ sơ số: HS-{submission.id}.",
        f"Thời điểm nộp: {local_time(submission.submitted_at)}.",
        f"Mã băm SHA-256 của hồ sơ (nội dung, liên danh và tệp đính kèm): "
        f"{submission.receipt_digest}",
    ]
    if files:
        body += ["Tệp đính kèm:", Table(("STT", "Tệp", "SHA-256"), files, (8, 50, 66))]
    body.append("Hồ sơ được niêm phong đến thời điểm đóng nộp hồ sơ: không ai ngoài đơn vị "
                "nộp được xem nội dung trước thời điểm đó.")
    return Official(
        governing_body="", issuing_body=PLATFORM,
        number=f"{submission.id}/BN-HS",
        place=_place(challenge.agency, challenge), date=local_date(submission.submitted_at),
        kind="BIÊN NHẬN NỘP HỒ SƠ",
        subject=f"Hồ sơ đề xuất giải pháp cho bài toán “{challenge.title}”",
        body=tuple(body),
        signers=(Signer("Nền tảng", "", "", note="(Biên nhận điện tử)"),),
        footer=f"Biên nhận HS-{submission.id} — SHA-256: {submission.receipt_digest}",
        title=f"Biên nhận hồ sơ HS-{submission.id}",
    )


def opening_record(challenge, record: dict) -> Official:
    """The opening record (biên bản mở hồ sơ) of a closed challenge. `record` is
    `submissions.opening.opening_record`'s dict: each submission's receipt digest and time,
    with the organizations and the proposed price only where disclosed (else "—")."""
    entries = record["entries"]
    table = Table(("STT", "Mã băm SHA-256 của biên nhận", "Thời điểm nộp", "Đơn vị",
                   "Giá đề xuất (đồng)"),
                  tuple((str(e["number"]), e["receipt_digest"], local_time(e["submitted_at"]),
                         ", ".join(e["organizations"]) if e["organizations"] else "—",
                         dong(e["proposed_price"]) if e["proposed_price"] is not None
                         else "—")
                        for e in entries),
                  (10, 62, 34, 40, 30))
    withheld = []
    if not record["names_disclosed"]:
        withheld.append("tên đơn vị nộp chưa được công bố vì hội đồng đánh giá không biết "
                        "tên (đánh giá ẩn danh)")
    if not record["prices_disclosed"]:
        withheld.append("giá đề xuất được công bố khi quyết định lựa chọn giải pháp có "
                        "hiệu lực")
    body: list = [
        f"Bài toán đặt hàng: số {challenge.id} “{challenge.title}” của {record['agency']}.",
        f"Thời điểm đóng nộp hồ sơ: {local_time(record['deadline'] or record['closed_at'])}."
        f" Thời điểm mở hồ sơ: {local_time(record['closed_at'])}.",
        f"Số hồ sơ đề xuất giải pháp nhận được: {record['count']}.",
    ]
    if entries:
        body.append(table)
    if withheld:
        body.append("Ghi chú: " + "; ".join(withheld) + ".")
    body.append("Mỗi đơn vị nộp đối chiếu mã băm trên với biên nhận nộp hồ sơ của mình: hồ "
                "sơ được mở đúng như khi nộp.")
    return Official(
        governing_body="", issuing_body=challenge.agency.name_vi,
        number=f"{challenge.id}/BB-MHS", place=_place(challenge.agency, challenge),
        date=local_date(record["closed_at"]), kind="BIÊN BẢN MỞ HỒ SƠ",
        subject=f"Bài toán đặt hàng “{challenge.title}”",
        body=tuple(body),
        signers=(Signer("Nền tảng", "", "", note="(Biên bản điện tử)"),),
        footer=f"Biên bản mở hồ sơ {challenge.id}/BB-MHS — {record['count']} hồ sơ",
        title=f"Biên bản mở hồ sơ {challenge.id}",
    )
