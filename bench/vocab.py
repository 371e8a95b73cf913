"""Vietnamese word lists for the generated national data set.

The provinces are the 63 provincial-level units as they were before the 2025 merger
(Resolution 202/2025/QH15 made them 34; `marketplace.provinces` holds the new list).
A data set of "years of challenges" spans both periods; the old names make it national
and realistic for the years before the merger."""

CITIES = ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ")

PROVINCES_63 = CITIES + (
    "An Giang", "Bà Rịa – Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh",
    "Bến Tre", "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng",
    "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa",
    "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)
assert len(PROVINCES_63) == 63 and len(set(PROVINCES_63)) == 63  # noqa: S101

# The 18 ministries and 4 ministerial-level agencies of the 2021–2026 government before
# the 2025 restructuring, and 8 government agencies: 30 central buyers.
MINISTRIES_30 = (
    "Bộ Quốc phòng", "Bộ Công an", "Bộ Ngoại giao", "Bộ Nội vụ", "Bộ Tư pháp",
    "Bộ Kế hoạch và Đầu tư", "Bộ Tài chính", "Bộ Công Thương",
    "Bộ Nông nghiệp và Phát triển nông thôn", "Bộ Giao thông vận tải", "Bộ Xây dựng",
    "Bộ Tài nguyên và Môi trường", "Bộ Thông tin và Truyền thông",
    "Bộ Lao động – Thương binh và Xã hội", "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ Khoa học và Công nghệ", "Bộ Giáo dục và Đào tạo", "Bộ Y tế",
    "Ủy ban Dân tộc", "Ngân hàng Nhà nước Việt Nam", "Thanh tra Chính phủ",
    "Văn phòng Chính phủ", "Đài Truyền hình Việt Nam", "Đài Tiếng nói Việt Nam",
    "Thông tấn xã Việt Nam", "Bảo hiểm xã hội Việt Nam",
    "Viện Hàn lâm Khoa học và Công nghệ Việt Nam", "Viện Hàn lâm Khoa học xã hội Việt Nam",
    "Học viện Chính trị quốc gia Hồ Chí Minh", "Ban Quản lý Lăng Chủ tịch Hồ Chí Minh",
)
assert len(MINISTRIES_30) == 30  # noqa: S101


def province_agency_name(province: str) -> str:
    if province in CITIES:
        prefix = "Thành phố" if province != "Hồ Chí Minh" else "Thành phố"
        return f"Ủy ban nhân dân {prefix} {province}"
    return f"Ủy ban nhân dân tỉnh {province}"


ACTIONS = (
    "Ứng dụng", "Thí điểm", "Phát triển", "Triển khai", "Xây dựng", "Nâng cấp",
    "Số hóa", "Tự động hóa", "Tối ưu hóa", "Giám sát", "Dự báo", "Quản lý",
)
TECHNOLOGIES = (
    "trí tuệ nhân tạo", "học máy", "bản sao số", "dữ liệu lớn", "điện toán đám mây",
    "chuỗi khối", "Internet vạn vật", "cảm biến thông minh", "thị giác máy tính",
    "xử lý ngôn ngữ tự nhiên tiếng Việt", "mạng 5G", "thiết bị bay không người lái",
    "robot tự hành", "năng lượng tái tạo", "pin lưu trữ", "vật liệu mới",
    "công nghệ sinh học", "y học chính xác", "an ninh mạng", "định danh điện tử",
    "thực tế ảo", "thực tế tăng cường", "điện toán lượng tử", "vi mạch bán dẫn",
)
OBJECTS = (
    "chẩn đoán hình ảnh y tế", "điều phối giao thông đô thị", "cảnh báo sạt lở đất",
    "quản lý chất lượng nước sông", "dự báo xâm nhập mặn", "truy xuất nguồn gốc nông sản",
    "giám sát cháy rừng", "quản lý rác thải sinh hoạt", "chiếu sáng công cộng",
    "dịch vụ công trực tuyến", "quản lý hồ sơ bệnh án điện tử", "phát hiện gian lận thuế",
    "tư vấn pháp luật cho người dân", "quản lý đất đai", "giám sát chất lượng không khí",
    "cấp nước sạch nông thôn", "hỗ trợ học sinh vùng cao", "phòng chống dịch bệnh",
    "quản lý bãi đỗ xe", "kiểm định công trình xây dựng", "dự báo thời tiết cực đoan",
    "nuôi trồng thủy sản", "quản lý cảng biển", "bảo tồn di sản văn hóa",
    "theo dõi sức khỏe người cao tuổi", "quản lý điện năng lưới phân phối",
    "giám sát an toàn thực phẩm", "tiếp nhận phản ánh của người dân",
)
SITES = (
    "Khu công nghệ cao", "Trung tâm đổi mới sáng tạo", "Bệnh viện Đa khoa", "Khu đô thị thông minh",
    "Cảng", "Trường Trung học phổ thông", "Trung tâm Phục vụ hành chính công",
    "Khu nông nghiệp ứng dụng công nghệ cao", "Vườn quốc gia", "Trạm quan trắc",
)
SECTORS = (
    "Y tế", "Giao thông", "Nông nghiệp", "Môi trường", "Giáo dục", "Hành chính công",
    "Năng lượng", "Tài chính công", "Du lịch", "An ninh trật tự", "Xây dựng", "Văn hóa",
)
SENTENCES = (
    "Hiện nay việc {obj} tại {place} vẫn thực hiện thủ công, tốn nhiều thời gian và nhân lực.",
    "Dữ liệu phân tán ở nhiều đơn vị, chưa được chuẩn hóa và khó khai thác.",
    "Người dân và doanh nghiệp phản ánh thời gian xử lý kéo dài, thiếu minh bạch.",
    "Cơ quan cần một giải pháp {tech} có thể thí điểm trong {months} tháng.",
    "Giải pháp phải tích hợp được với hệ thống hiện có và bảo đảm an toàn thông tin.",
    "Mục tiêu là giảm ít nhất {pct}% chi phí vận hành và rút ngắn thời gian phản hồi.",
    "Kết quả thí điểm sẽ được đánh giá công khai trước khi nhân rộng ra toàn {scope}.",
    "Đơn vị đặt hàng cung cấp dữ liệu mẫu, hạ tầng thử nghiệm và cán bộ phối hợp.",
    "Ưu tiên giải pháp do doanh nghiệp khởi nghiệp, viện nghiên cứu hoặc trường đại học "
    "phát triển.",
    "Giải pháp cần hoạt động ổn định ở vùng sâu, vùng xa với đường truyền hạn chế.",
    "Nhóm thực hiện phải chuyển giao công nghệ và đào tạo cán bộ vận hành.",
    "Sản phẩm cần hỗ trợ tiếng Việt có dấu và các ngôn ngữ dân tộc thiểu số khi cần.",
)
OUTCOMES = (
    "Giảm thời gian xử lý hồ sơ xuống dưới {days} ngày.",
    "Độ chính xác của mô hình đạt tối thiểu {pct}% trên dữ liệu kiểm thử.",
    "Ít nhất {n} cán bộ được đào tạo sử dụng thành thạo.",
    "Mức hài lòng của người dân đạt trên {pct}%.",
    "Có báo cáo đánh giá độc lập và khuyến nghị nhân rộng.",
)
SOLVER_SENTENCES = (
    "Chúng tôi đề xuất nền tảng {tech} đã được kiểm chứng tại nhiều địa phương.",
    "Giải pháp sử dụng mô hình học sâu được huấn luyện trên dữ liệu tiếng Việt.",
    "Hệ thống gồm ứng dụng di động, cổng quản trị và giao diện lập trình mở.",
    "Đội ngũ có kinh nghiệm triển khai cho bệnh viện, sở ngành và khu công nghiệp.",
    "Dữ liệu được lưu trữ trong nước, mã hóa khi truyền và khi lưu.",
    "Chi phí vận hành thấp, có thể mở rộng theo nhu cầu của cơ quan.",
    "Chúng tôi phối hợp với trường đại học để đánh giá hiệu quả một cách độc lập.",
    "Sản phẩm đạt mức sẵn sàng công nghệ {trl} và đã có khách hàng thương mại.",
)
CRITERIA = (
    ("Tính khả thi kỹ thuật", "Mức độ trưởng thành và khả năng tích hợp của giải pháp."),
    ("Hiệu quả kinh tế", "Chi phí so với lợi ích dự kiến trong và sau thí điểm."),
    ("Năng lực đội ngũ", "Kinh nghiệm, nhân sự chủ chốt và đối tác."),
    ("Khả năng nhân rộng", "Khả năng áp dụng cho các địa phương và ngành khác."),
    ("Tính đổi mới sáng tạo", "Mức độ mới của công nghệ và cách tiếp cận."),
    ("An toàn thông tin", "Bảo vệ dữ liệu cá nhân và an ninh hệ thống."),
)
KPIS = (
    ("Thời gian xử lý trung bình", "Giảm 30%"), ("Độ chính xác", "≥ 90%"),
    ("Số người dùng hoạt động", "≥ 1.000 người/tháng"), ("Mức hài lòng", "≥ 80%"),
    ("Thời gian hoạt động liên tục", "≥ 99,5%"), ("Chi phí vận hành", "Giảm 20%"),
)
DELIVERABLES = (
    "Báo cáo khảo sát hiện trạng và thiết kế chi tiết", "Bản thử nghiệm tại hiện trường",
    "Vận hành thí điểm và báo cáo giữa kỳ", "Đào tạo, chuyển giao và báo cáo tổng kết",
    "Tích hợp dữ liệu với hệ thống của đơn vị", "Đánh giá độc lập kết quả thí điểm",
)
COMMENTS = (
    "", "", "Đáp ứng tốt yêu cầu.", "Cần làm rõ kế hoạch triển khai.", "Đội ngũ mạnh.",
    "Chi phí hợp lý.", "Rủi ro tích hợp còn cao.", "Giải pháp có tính đổi mới rõ rệt.",
)
QUESTIONS = (
    "Đơn vị có cung cấp dữ liệu lịch sử để huấn luyện mô hình không?",
    "Liên danh giữa doanh nghiệp và trường đại học có được tham gia không?",
    "Hạ tầng máy chủ do bên nào chịu trách nhiệm trong thời gian thí điểm?",
    "Hồ sơ có cần bản dịch tiếng Anh không?",
    "Thời gian thí điểm có thể kéo dài nếu chưa đạt chỉ tiêu không?",
)
ANSWERS = (
    "Có, đơn vị sẽ cung cấp dữ liệu đã ẩn danh sau khi ký thỏa thuận bảo mật.",
    "Được phép, đề nghị nêu rõ vai trò của từng thành viên liên danh.",
    "Đơn vị đặt hàng bố trí hạ tầng; giải pháp cần tương thích với máy chủ hiện có.",
    "Không bắt buộc; hồ sơ bằng tiếng Việt là đủ.",
    "Có thể gia hạn một lần theo thỏa thuận giữa hai bên.",
)
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
                "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE_NAMES = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Thu", "Gia")
GIVEN_NAMES = ("An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu",
               "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc",
               "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Việt", "Yến")
COMPANY_STEMS = ("Sao Việt", "Rồng Xanh", "Bách Khoa", "Ánh Dương", "Hồng Hà", "Trường Sơn",
                 "Mekong", "Phương Nam", "Đông Á", "Tân Tiến", "Lạc Hồng", "Việt Tiến",
                 "Hưng Thịnh", "Minh Quang", "Thiên Long", "An Khang", "Kim Cương", "Hoa Sen")
COMPANY_FIELDS = ("Công nghệ", "Giải pháp số", "Trí tuệ nhân tạo", "Dữ liệu", "Robot",
                  "Năng lượng xanh", "Y sinh", "Nông nghiệp thông minh", "Vi mạch", "An ninh mạng")
UNIVERSITY_NAMES = ("Trường Đại học Bách khoa", "Trường Đại học Công nghệ",
                    "Trường Đại học Khoa học Tự nhiên", "Trường Đại học Y Dược",
                    "Trường Đại học Nông Lâm", "Trường Đại học Kinh tế",
                    "Trường Đại học Sư phạm Kỹ thuật")
INSTITUTE_NAMES = ("Viện Công nghệ Thông tin", "Viện Khoa học Vật liệu", "Viện Cơ học",
                   "Viện Công nghệ Sinh học", "Viện Năng lượng", "Viện Nghiên cứu Trí tuệ nhân tạo",
                   "Viện Khoa học Thủy lợi", "Viện Vệ sinh Dịch tễ")
CANCEL_REASONS = (
    "Nhu cầu thay đổi do sắp xếp lại đơn vị hành chính.",
    "Không có hồ sơ đáp ứng điều kiện tham gia.",
    "Điều chỉnh kế hoạch ngân sách năm.",
)
