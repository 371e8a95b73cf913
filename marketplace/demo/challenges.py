"""Demo data of the challenges domain: open challenges of the three demo agencies across
several technology groups, one with answered questions and an amendment, and a draft.
Made through the domain's own rules, so that every step is audited as in real use."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.challenges import clarifications, services
from marketplace.challenges.models import Challenge
from marketplace.challenges.services import ChallengeInput, CriterionInput
from marketplace.demo.accounts import demo_org, demo_user
from marketplace.taxonomy.services import current_groups
from marketplace.types import utcnow

MARKER = "Điều khiển đèn tín hiệu giao thông thích ứng bằng AI tại các nút giao trọng điểm"
AGENCY_OFFICER = "officer@agency.demo.example"
HOSPITAL_OFFICER = "officer@hospital.demo.example"
HANOI_OFFICER = "officer@hanoi.demo.example"
AGENCY_OF = {AGENCY_OFFICER: "agency", HOSPITAL_OFFICER: "hospital", HANOI_OFFICER: "hanoi"}
ALL_SOLVERS = ["startup", "institute", "university", "enterprise"]

CHALLENGES = [
    # officer, group code, days open, publish?, fields
    (AGENCY_OFFICER, "1", 45, True, dict(
        title=MARKER,
        problem=(
            "Đà Nẵng có hơn 120 nút giao có đèn tín hiệu, phần lớn chạy theo chu kỳ cố định. "
            "Vào giờ cao điểm, hàng xe trên các trục **Nguyễn Văn Linh**, **Điện Biên Phủ** và "
            "**Ngô Quyền** kéo dài hàng trăm mét trong khi hướng cắt ngang gần như trống.\n\n"
            "Sở cần một giải pháp điều khiển đèn tín hiệu **thích ứng theo thời gian thực** "
            "dựa trên dữ liệu camera hiện có:\n\n"
            "- nhận diện và đếm phương tiện theo làn;\n"
            "- tối ưu pha đèn cho từng nút và phối hợp giữa các nút liền kề;\n"
            "- ưu tiên xe cứu thương, cứu hỏa;\n"
            "- bảng điều khiển cho Trung tâm Điều hành đô thị thông minh (IOC)."),
        expected_outcomes=("Giảm ít nhất 20% thời gian chờ trung bình tại 10 nút giao thí "
                           "điểm; dữ liệu lưu lượng mở cho người dân theo chuẩn dữ liệu mở."),
        sector="Giao thông đô thị", pilot_site="10 nút giao quận Hải Châu và Thanh Khê",
        province="Đà Nẵng", budget_ceiling=2_500_000_000, pilot_duration_months=6,
        eligible_kinds=ALL_SOLVERS, consortia_allowed=True, min_evaluators=2,
        criteria=[CriterionInput("Tính đổi mới và hiệu quả kỹ thuật", 40,
                                 "Độ chính xác nhận diện, thuật toán tối ưu pha đèn"),
                  CriterionInput("Khả năng triển khai và tích hợp", 30,
                                 "Tích hợp với camera và IOC hiện có"),
                  CriterionInput("Chi phí và khả năng nhân rộng", 30,
                                 "Tổng chi phí sở hữu, khả năng mở rộng toàn thành phố")])),
    (AGENCY_OFFICER, "2", 60, True, dict(
        title="Nền tảng dữ liệu mở đô thị thông minh cho người dân và doanh nghiệp",
        problem=("Dữ liệu của các sở, ngành đang phân tán và khó khai thác. Thành phố cần "
                 "một nền tảng **dữ liệu mở** trên hạ tầng điện toán đám mây, có API, "
                 "danh mục dữ liệu và công cụ trực quan hóa."),
        expected_outcomes="Công bố tối thiểu 50 bộ dữ liệu mở, API công khai, 99,5% thời gian "
                          "hoạt động.",
        sector="Chuyển đổi số", pilot_site="Trung tâm Điều hành đô thị thông minh Đà Nẵng",
        province="Đà Nẵng", budget_ceiling=1_800_000_000, pilot_duration_months=9,
        eligible_kinds=ALL_SOLVERS, consortia_allowed=True,
        criteria=[CriterionInput("Giải pháp kỹ thuật", 50), CriterionInput("An toàn dữ liệu", 25),
                  CriterionInput("Chi phí", 25)])),
    (AGENCY_OFFICER, "3", 40, True, dict(
        title="Truy xuất nguồn gốc hải sản bằng công nghệ chuỗi khối tại cảng cá Thọ Quang",
        problem=("Người tiêu dùng và nhà nhập khẩu cần biết hải sản được đánh bắt ở đâu, khi "
                 "nào, bởi tàu nào. Cần giải pháp **chuỗi khối** ghi nhận từ lúc lên cảng đến "
                 "khi bán, tra cứu bằng mã QR."),
        expected_outcomes="100 tàu cá và 20 cơ sở thu mua tham gia; tra cứu QR dưới 3 giây.",
        sector="Thủy sản", pilot_site="Cảng cá Thọ Quang", province="Đà Nẵng",
        budget_ceiling=1_200_000_000, pilot_duration_months=6,
        eligible_kinds=["startup", "enterprise", "university"], consortia_allowed=True,
        criteria=[CriterionInput("Tính khả thi", 40), CriterionInput("Tính minh bạch dữ liệu", 35),
                  CriterionInput("Chi phí", 25)])),
    (HOSPITAL_OFFICER, "1", 50, True, dict(
        title="Hỗ trợ đọc phim X-quang ngực bằng trí tuệ nhân tạo",
        problem=("Bệnh viện tiếp nhận khoảng 400 phim X-quang ngực mỗi ngày với 4 bác sĩ "
                 "chẩn đoán hình ảnh. Cần công cụ **AI hỗ trợ sàng lọc** các bất thường (lao, "
                 "viêm phổi, tràn dịch màng phổi), tích hợp với hệ thống PACS hiện có."),
        expected_outcomes="Độ nhạy ≥ 90% trên bộ dữ liệu kiểm định của bệnh viện; rút ngắn 30% "
                          "thời gian trả kết quả.",
        sector="Y tế", pilot_site="Khoa Chẩn đoán hình ảnh, Bệnh viện Đa khoa Tỉnh Lâm Đồng",
        province="Lâm Đồng", budget_ceiling=1_500_000_000, pilot_duration_months=12,
        eligible_kinds=ALL_SOLVERS, consortia_allowed=True, blind_review=True, min_evaluators=3,
        criteria=[CriterionInput("Độ chính xác lâm sàng", 50),
                  CriterionInput("Tích hợp PACS và quy trình", 30),
                  CriterionInput("Chi phí", 20)])),
    (HOSPITAL_OFFICER, "7", 55, True, dict(
        title="Theo dõi từ xa bệnh nhân suy tim sau xuất viện",
        problem=("Tỷ lệ tái nhập viện trong 30 ngày của bệnh nhân suy tim còn cao. Bệnh viện "
                 "cần thiết bị đeo và ứng dụng theo dõi **nhịp tim, SpO2, cân nặng** tại nhà, "
                 "cảnh báo sớm cho điều dưỡng."),
        expected_outcomes="Giảm 25% tái nhập viện trong 30 ngày ở nhóm 100 bệnh nhân thí điểm.",
        sector="Y tế", pilot_site="Khoa Tim mạch", province="Lâm Đồng",
        budget_ceiling=900_000_000, pilot_duration_months=12,
        eligible_kinds=["startup", "enterprise", "institute"], consortia_allowed=True,
        parallel_pilots_allowed=True,
        criteria=[CriterionInput("Hiệu quả lâm sàng", 45), CriterionInput("Bảo mật dữ liệu", 30),
                  CriterionInput("Chi phí", 25)])),
    (HANOI_OFFICER, "8", 45, True, dict(
        title="Giám sát lún và nứt công trình ngầm tuyến đường sắt đô thị Hà Nội",
        problem=("Các công trình dọc tuyến đường sắt đô thị cần được **quan trắc lún và nứt "
                 "liên tục**. Sở cần mạng cảm biến và phần mềm cảnh báo sớm, thay cho đo thủ "
                 "công hằng tháng."),
        expected_outcomes="Quan trắc 30 công trình dọc tuyến; cảnh báo trong vòng 15 phút khi "
                          "vượt ngưỡng lún cho phép.",
        sector="Xây dựng", pilot_site="Tuyến Nhổn – ga Hà Nội, quận Đống Đa",
        province="Hà Nội", budget_ceiling=1_400_000_000, pilot_duration_months=9,
        eligible_kinds=ALL_SOLVERS, consortia_allowed=True,
        criteria=[CriterionInput("Độ chính xác quan trắc", 45),
                  CriterionInput("Khả năng cảnh báo sớm", 30), CriterionInput("Chi phí", 25)])),
    (AGENCY_OFFICER, "8", 30, False, dict(
        title="Cảm biến cảnh báo ngập lụt đô thị theo thời gian thực",
        problem="Bản nháp: cần mạng cảm biến mực nước tại các điểm ngập thường xuyên.",
        sector="Môi trường", province="Đà Nẵng", budget_ceiling=700_000_000,
        eligible_kinds=["startup", "institute"],
        criteria=[CriterionInput("Độ bền thiết bị", 50), CriterionInput("Chi phí", 50)])),
]


def load(session) -> str:
    if session.scalar(select(Challenge.id).where(Challenge.title == MARKER)) is not None:
        return "challenges: already loaded"
    groups = {g.code: g for g in current_groups(session)}
    now = utcnow()
    made = []
    for email, code, days, publish, fields in CHALLENGES:
        officer = demo_user(session, email)
        agency = demo_org(session, AGENCY_OF[email])
        data = ChallengeInput(
            technology_group_id=groups[code].id,
            clarification_deadline=now + timedelta(days=days // 2),
            submission_deadline=now + timedelta(days=days), **fields)
        challenge = services.create_draft(session, officer, agency, data)
        if publish:
            services.publish(session, officer, challenge)
        made.append(challenge)
    _questions_and_amendment(session, made[0])
    return f"challenges: {len(made)} challenges ({sum(p for *_, p, _ in CHALLENGES)} published)"


def _questions_and_amendment(session, challenge: Challenge) -> None:
    officer = demo_user(session, AGENCY_OFFICER)
    for email, question, answer in [
        ("startup@demo.example",
         "Sở có cung cấp quyền truy cập luồng video từ camera hiện có trong thời gian thí điểm "
         "không, và theo giao thức nào?",
         "Có. Luồng RTSP của 10 nút giao thí điểm được cung cấp qua mạng riêng của IOC; dữ "
         "liệu không được lưu ra ngoài hạ tầng của thành phố."),
        ("university@demo.example",
         "Giải pháp có bắt buộc thay bộ điều khiển đèn tín hiệu hiện có không?",
         "Không bắt buộc. Ưu tiên giải pháp điều khiển qua bộ điều khiển hiện có; nếu cần "
         "thay thiết bị, chi phí phải nằm trong trần ngân sách."),
    ]:
        asked = clarifications.ask(session, demo_user(session, email), challenge, question)
        clarifications.answer(session, officer, asked, answer)
    clarifications.ask(session, demo_user(session, "institute@demo.example"), challenge,
                       "Dữ liệu lưu lượng lịch sử có được cung cấp để huấn luyện mô hình không?")
    services.update(session, officer, challenge, services.input_from(
        challenge, submission_deadline=challenge.submission_deadline + timedelta(days=7),
        pilot_site="12 nút giao quận Hải Châu, Thanh Khê và Sơn Trà"),
        "Gia hạn nộp giải pháp thêm 7 ngày và bổ sung 2 nút giao tại quận Sơn Trà theo đề "
        "nghị của các đơn vị tham gia.")
