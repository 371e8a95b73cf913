"""The columns of the bulk files: one source of truth for the CSV, the XLSX and the data
dictionary on /opendata/ (each file, each column: meaning, type and unit, in Vietnamese and
English).

Conventions (issue 16):
- every amount is an integer number of đồng and its column ends in `_vnd` (`amount_vnd`
  for the amount of an award item, a milestone or a payment);
- every stored time is written twice: `<name>` in UTC (`2026-05-01T03:00:00Z`) and
  `<name>_vn` in Viet Nam's time (`2026-05-01T10:00:00+07:00`): a journalist's calendar day
  is Viet Nam's, a harvester's clock is UTC. `Column(kind=DATETIME)` expands to both;
- a calendar date (`due_date`, `paid_on`) is a day in Viet Nam, `YYYY-MM-DD`;
- every row of a contracting process carries its `ocid` (`OCDS_PREFIX-<challenge id>`),
  the key that joins it to the OCDS release package;
- positions (a milestone's number within its order) count from 1.

A dataset's `fetch(session, after, limit, prefix)` returns rows whose values follow its
`columns` (a DATETIME value once, before the expansion), the row's id first (the keyset).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

VIET_NAM = timezone(timedelta(hours=7))

INTEGER, TEXT, DATETIME, DATE, BOOLEAN, DECIMAL = (
    "integer", "text", "datetime", "date", "boolean", "decimal")

# kind -> (Vietnamese, English) as the dictionary shows it
KINDS = {
    INTEGER: ("số nguyên", "integer"),
    TEXT: ("văn bản", "text"),
    DATETIME: ("thời điểm ISO 8601", "ISO 8601 date-time"),
    DATE: ("ngày YYYY-MM-DD (giờ Việt Nam)", "date YYYY-MM-DD (Viet Nam)"),
    BOOLEAN: ("yes / no", "yes / no"),
    DECIMAL: ("số thập phân", "decimal number"),
}

VND = ("đồng", "đồng (VND)")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    vi: str  # meaning, Vietnamese
    en: str  # meaning, English
    unit: tuple[str, str] | None = None  # (Vietnamese, English)
    zone: str = ""  # for a DATETIME after `expand`: "UTC" or "+07:00"


@dataclass(frozen=True)
class Dataset:
    name: str
    vi: str
    en: str
    columns: tuple[Column, ...]
    fetch: Callable  # (session, after: int, limit: int, prefix: str) -> list[tuple]

    @property
    def fields(self) -> list[Column]:
        """The columns as written: each DATETIME as UTC then Viet Nam time."""
        return [out for column in self.columns for out in expand(column)]

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.fields]


def expand(column: Column) -> list[Column]:
    if column.kind != DATETIME:
        return [column]
    return [Column(column.name, DATETIME, column.vi + " (UTC)", column.en + " (UTC)",
                   zone="UTC"),
            Column(column.name + "_vn", DATETIME, column.vi + " (giờ Việt Nam, UTC+07:00)",
                   column.en + " (Viet Nam time, UTC+07:00)", zone="+07:00")]


def expand_row(dataset: Dataset, row) -> list:
    """A fetched row as the file's values: each datetime as (UTC, Viet Nam time)."""
    values = []
    for column, value in zip(dataset.columns, row, strict=True):
        if column.kind == DATETIME:
            utc = value.astimezone(UTC) if value is not None else None
            values += [utc, utc.astimezone(VIET_NAM) if utc is not None else None]
        else:
            values.append(value)
    return values


def iso_time(value: datetime) -> str:
    """UTC as `…Z`, any other zone as `…+07:00`, to the second."""
    text = value.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


# --- the columns -----------------------------------------------------------------------

def c(name, kind, vi, en, unit=None) -> Column:
    return Column(name, kind, vi, en, unit)


OCID = c("ocid", TEXT, "Mã quy trình mua sắm theo OCDS (tiền tố + mã bài toán)",
         "OCDS contracting process id (prefix + challenge id)")
ORG_KIND = ("Loại tổ chức: startup, institute, university, enterprise",
            "Organization kind: startup, institute, university, enterprise")

CHALLENGE_COLUMNS = (
    c("id", INTEGER, "Mã bài toán", "Challenge id"),
    OCID,
    c("title", TEXT, "Tên bài toán", "Title"),
    c("status", TEXT, "Trạng thái: published, closed, evaluating, awarded, cancelled",
      "Status: published, closed, evaluating, awarded, cancelled"),
    c("agency_id", INTEGER, "Mã cơ quan đặt bài toán", "Agency (organization) id"),
    c("agency", TEXT, "Tên cơ quan", "Agency name"),
    c("province", TEXT, "Tỉnh/thành phố", "Province"),
    c("technology_group_code", TEXT, "Mã nhóm công nghệ", "Technology group code"),
    c("technology_group", TEXT, "Nhóm công nghệ", "Technology group"),
    c("sector", TEXT, "Lĩnh vực", "Sector"),
    c("pilot_site", TEXT, "Địa điểm thí điểm", "Pilot site"),
    c("budget_ceiling_vnd", INTEGER, "Ngân sách tối đa", "Budget ceiling", VND),
    c("pilot_duration_months", INTEGER, "Thời gian thí điểm", "Pilot duration",
      ("tháng", "months")),
    c("published_at", DATETIME, "Thời điểm công bố", "Published"),
    c("clarification_deadline", DATETIME, "Hạn hỏi đáp", "Clarification deadline"),
    c("submission_deadline", DATETIME, "Hạn nộp giải pháp", "Submission deadline"),
    c("closed_at", DATETIME, "Thời điểm đóng nhận hồ sơ", "Closed"),
    c("awarded_at", DATETIME, "Thời điểm trao thầu", "Awarded"),
    c("cancelled_at", DATETIME, "Thời điểm hủy", "Cancelled"),
    c("cancel_reason", TEXT, "Lý do hủy", "Reason for cancellation"),
    c("number_of_bids", INTEGER,
      "Số giải pháp đã nộp (trống trước hạn nộp: số lượng được niêm phong)",
      "Number of solutions submitted (empty before the deadline: sealed)"),
)

AWARD_COLUMNS = (
    c("award_item_id", INTEGER, "Mã dòng trao thầu (một giải pháp được chọn)",
      "Award item id (one selected solution)"),
    c("award_id", INTEGER, "Mã quyết định trao thầu", "Award decision id"),
    c("challenge_id", INTEGER, "Mã bài toán", "Challenge id"),
    OCID,
    c("challenge_title", TEXT, "Tên bài toán", "Challenge title"),
    c("solver_id", INTEGER, "Mã đơn vị giải quyết", "Solver (organization) id"),
    c("solver", TEXT, "Tên đơn vị giải quyết", "Solver name"),
    c("solver_kind", TEXT, *ORG_KIND),
    c("amount_vnd", INTEGER, "Giá trị trao thầu", "Amount awarded", VND),
    c("rank", INTEGER, "Thứ hạng (1 là cao nhất)", "Rank (1 is the best)"),
    c("score", DECIMAL, "Điểm đánh giá có trọng số", "Weighted evaluation score",
      ("điểm", "points")),
    c("decided_at", DATETIME, "Thời điểm phê duyệt", "Decided"),
    c("justification", TEXT, "Lý do lựa chọn", "Justification"),
)

ORDER_COLUMNS = (
    c("id", INTEGER, "Mã đơn đặt hàng thí điểm", "Pilot order id"),
    c("contract_number", TEXT, "Số hợp đồng", "Contract number"),
    c("challenge_id", INTEGER, "Mã bài toán", "Challenge id"),
    OCID,
    c("award_item_id", INTEGER, "Mã dòng trao thầu của đơn (xem awards)",
      "The award item this order executes (see awards)"),
    c("agency_id", INTEGER, "Mã cơ quan", "Agency id"),
    c("agency", TEXT, "Tên cơ quan", "Agency name"),
    c("solver_id", INTEGER, "Mã đơn vị giải quyết", "Solver id"),
    c("solver", TEXT, "Tên đơn vị giải quyết", "Solver name"),
    c("value_vnd", INTEGER, "Giá trị hợp đồng", "Contract value", VND),
    c("paid_vnd", INTEGER, "Đã thanh toán", "Amount paid", VND),
    c("start_date", DATE, "Ngày bắt đầu", "Start date"),
    c("end_date", DATE, "Ngày kết thúc", "End date"),
    c("status", TEXT, "Trạng thái: signed, active, completed, terminated",
      "Status: signed, active, completed, terminated"),
    c("signed_at", DATETIME, "Thời điểm ký", "Signed"),
    c("active_at", DATETIME, "Thời điểm bắt đầu thực hiện", "Started"),
    c("completed_at", DATETIME, "Thời điểm hoàn thành", "Completed"),
    c("terminated_at", DATETIME, "Thời điểm chấm dứt", "Terminated"),
    c("termination_reason", TEXT, "Lý do chấm dứt", "Reason for termination"),
    c("scale_up_recommended", BOOLEAN, "Đề xuất nhân rộng", "Scale-up recommended"),
)

MILESTONE_COLUMNS = (
    c("id", INTEGER, "Mã mốc", "Milestone id"),
    c("order_id", INTEGER, "Mã đơn đặt hàng", "Pilot order id"),
    c("contract_number", TEXT, "Số hợp đồng", "Contract number"),
    OCID,
    c("position", INTEGER, "Số thứ tự của mốc trong đơn (từ 1)",
      "Number of the milestone within its order (from 1)"),
    c("deliverable", TEXT, "Sản phẩm bàn giao", "Deliverable"),
    c("due_date", DATE, "Hạn bàn giao", "Due date"),
    c("amount_vnd", INTEGER, "Số tiền của mốc", "Amount of the milestone", VND),
    c("status", TEXT,
      "Trạng thái: planned, accepted, paid (đã bàn giao nhưng chưa nghiệm thu hiện là planned)",
      "Status: planned, accepted, paid (delivered but not yet accepted shows as planned)"),
    c("accepted_at", DATETIME, "Thời điểm nghiệm thu", "Accepted"),
    c("paid_at", DATETIME, "Thời điểm thanh toán", "Paid"),
)

PAYMENT_COLUMNS = (
    c("id", INTEGER, "Mã thanh toán", "Payment id"),
    c("order_id", INTEGER, "Mã đơn đặt hàng", "Pilot order id"),
    c("contract_number", TEXT, "Số hợp đồng", "Contract number"),
    OCID,
    c("milestone_id", INTEGER, "Mã mốc", "Milestone id"),
    c("milestone_position", INTEGER, "Số thứ tự của mốc (từ 1)",
      "Number of the milestone within its order (from 1)"),
    c("milestone_deliverable", TEXT, "Sản phẩm bàn giao", "Deliverable"),
    c("amount_vnd", INTEGER, "Số tiền", "Amount", VND),
    c("method", TEXT, "Hình thức: offline (chuyển khoản qua Kho bạc…), stripe (thẻ)",
      "Method: offline (a State Treasury transfer…), stripe (card)"),
    c("paid_on", DATE, "Ngày thanh toán", "Paid on"),
    c("succeeded_at", DATETIME, "Thời điểm ghi nhận thành công", "Recorded as succeeded"),
    c("treasury", TEXT, "Kho bạc Nhà nước", "State Treasury office"),
    c("budget_unit_code", TEXT, "Mã đơn vị quan hệ ngân sách", "Budget unit code"),
    c("payment_order_number", TEXT, "Số lệnh chi", "Payment order number"),
    c("payment_order_date", DATE, "Ngày lệnh chi", "Payment order date"),
)

RED_FLAG_COLUMNS = (
    c("id", INTEGER, "Mã dấu hiệu", "Red flag id"),
    c("kind", TEXT, "Loại dấu hiệu cảnh báo (định nghĩa tại /methodology)",
      "Kind of red flag (defined at /methodology)"),
    c("agency_id", INTEGER, "Mã cơ quan", "Agency id"),
    c("agency", TEXT, "Tên cơ quan", "Agency name"),
    c("solver_id", INTEGER, "Mã đơn vị giải quyết (nếu có)", "Solver id (if any)"),
    c("challenge_id", INTEGER, "Mã bài toán (nếu có)", "Challenge id (if any)"),
    OCID,
    c("order_id", INTEGER, "Mã đơn đặt hàng (nếu có)", "Pilot order id (if any)"),
    c("milestone_id", INTEGER, "Mã mốc (nếu có)", "Milestone id (if any)"),
    c("detail", TEXT, "Chi tiết (JSON)", "Details (JSON)"),
    c("raised_at", DATETIME, "Thời điểm phát sinh", "Raised"),
    c("computed_at", DATETIME, "Thời điểm tính", "Computed"),
)
