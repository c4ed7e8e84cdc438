"""Content of the bundled demo news site (fictional, written for Presswatch).

All outlets, companies, accounts and bylines here are invented and marked "(demo)".
No real person is named. `_generate.py` renders this module into ``site/`` and
``expected.yaml``; edit the text here and re-run::

    python -m presswatch.demo_site._generate
"""

from __future__ import annotations

# --------------------------------------------------------------------------- outlets

OUTLETS = {
    "baobacninh": {
        "name": "Báo Bắc Ninh (demo)",
        "lang": "vi",
        "tagline": "Cơ quan ngôn luận của tỉnh Bắc Ninh — bản demo cho Presswatch",
        "feed": "feed.rss",
        "feed_kind": "rss",
        "nav": [("Thời sự", "thoi-su"), ("Kinh tế", "kinh-te"), ("Xã hội", "xa-hoi"),
                ("Du lịch", "du-lich"), ("Bạn đọc", "ban-doc")],
    },
    "tintucquocgia": {
        "name": "Tin Tức Quốc Gia (demo)",
        "lang": "vi",
        "tagline": "Báo điện tử tổng hợp — bản demo cho Presswatch",
        "feed": "feed.atom",
        "feed_kind": "atom",
        "nav": [("Chủ quyền", "chu-quyen"), ("Vùng miền", "vung-mien"), ("Kinh tế", "kinh-te"),
                ("Thế giới", "the-gioi"), ("Ý kiến", "y-kien")],
    },
    "vietnamtimes": {
        "name": "Vietnam Times Review (demo)",
        "lang": "en",
        "tagline": "Independent English-language reporting on Vietnam — demo outlet for Presswatch",
        "feed": "feed.rss",
        "feed_kind": "rss",
        "nav": [("Business", "business"), ("Travel", "travel"), ("Society", "society"),
                ("Opinion", "opinion")],
    },
    "mangxahoi": {
        "name": "Mạng Xã Hội Demo",
        "lang": "vi",
        "tagline": "Nền tảng chia sẻ bài viết — bản demo cho Presswatch",
        "feed": "feed.json",
        "feed_kind": "jsonfeed",
        "nav": [("Bảng tin", "posts"), ("Xu hướng", "trending")],
    },
}

# --------------------------------------------------------------------------- articles
# Each entry: path (URL path, also the file path under site/ for articles), outlet, section,
# title, author, published (ISO, +07:00), summary, paragraphs, and the expected labels.

_FDI_BODY = [
    "Chiều 17/11, Ban Quản lý các khu công nghiệp tỉnh Bắc Ninh trao giấy chứng nhận đăng ký đầu tư "
    "cho dự án Nhà máy sản xuất linh kiện điện tử Hanam Precision (demo) tại Khu công nghiệp Yên Phong. "
    "Dự án do một nhà đầu tư đến từ Hàn Quốc thực hiện, có tổng vốn đầu tư đăng ký 250 triệu USD, "
    "quy mô sử dụng khoảng 18 ha đất công nghiệp.",
    "Theo hồ sơ đăng ký, nhà máy sẽ sản xuất bảng mạch in, mô-đun camera và linh kiện cho điện thoại "
    "thông minh, thiết bị đeo thông minh, với công suất thiết kế khoảng 120 triệu sản phẩm mỗi năm. "
    "Dự án dự kiến đi vào vận hành từ quý IV năm 2027, tạo việc làm cho khoảng 3.500 lao động, "
    "phần lớn là lao động địa phương đã qua đào tạo.",
    "Phát biểu tại buổi lễ, lãnh đạo UBND tỉnh đánh giá cao việc nhà đầu tư lựa chọn Bắc Ninh để mở "
    "rộng sản xuất, khẳng định tỉnh sẽ tiếp tục cải thiện môi trường đầu tư kinh doanh, nâng cao chỉ số "
    "năng lực cạnh tranh cấp tỉnh (PCI) và đồng hành cùng doanh nghiệp trong suốt quá trình triển khai "
    "dự án. Tỉnh đề nghị nhà đầu tư tuân thủ nghiêm các quy định về bảo vệ môi trường và phòng cháy, "
    "chữa cháy.",
    "Đại diện nhà đầu tư cho biết hạ tầng đồng bộ, vị trí thuận lợi gần sân bay quốc tế Nội Bài và cảng "
    "biển Hải Phòng, cùng thủ tục hành chính được giải quyết nhanh chóng là những yếu tố quyết định. "
    "Doanh nghiệp cam kết ưu tiên tuyển dụng tại chỗ và hợp tác với các cơ sở giáo dục nghề nghiệp trên "
    "địa bàn để đào tạo kỹ thuật viên.",
    "Từ đầu năm 2026 đến nay, Bắc Ninh đã thu hút thêm hơn 4,2 tỷ USD vốn đầu tư trực tiếp nước ngoài "
    "(FDI), tiếp tục nằm trong nhóm các địa phương dẫn đầu cả nước về thu hút đầu tư. Các dự án mới tập "
    "trung vào lĩnh vực điện tử, bán dẫn và công nghiệp hỗ trợ có hàm lượng công nghệ cao.",
]

_FDI_TITLE = "Trao giấy chứng nhận đầu tư dự án linh kiện điện tử 250 triệu USD tại KCN Yên Phong"
_FDI_SUMMARY = ("Dự án nhà máy linh kiện điện tử vốn 250 triệu USD của nhà đầu tư Hàn Quốc được cấp phép "
                "tại Khu công nghiệp Yên Phong, dự kiến tạo việc làm cho 3.500 lao động.")

ARTICLES = [
    # ------------------------------------------------------------------ baobacninh
    {
        "path": "/baobacninh/thoi-su/ubnd-tinh-hop-phien-thuong-ky-thang-11.html",
        "outlet": "baobacninh", "section": "Thời sự",
        "title": "UBND tỉnh Bắc Ninh họp phiên thường kỳ tháng 11, chuẩn bị kỳ họp cuối năm của HĐND tỉnh",
        "author": "Ban Thời sự (demo)",
        "published": "2026-11-16T11:30:00+07:00",
        "summary": "UBND tỉnh cho ý kiến về các báo cáo, dự thảo nghị quyết trình kỳ họp cuối năm "
                   "của HĐND tỉnh và công tác vận hành chính quyền địa phương hai cấp.",
        "body": [
            "Sáng 16/11, UBND tỉnh Bắc Ninh tổ chức phiên họp thường kỳ tháng 11 năm 2026 để cho ý kiến "
            "về các nội dung trình kỳ họp cuối năm của Hội đồng nhân dân tỉnh. Chủ tịch UBND tỉnh chủ trì "
            "phiên họp; dự họp có các Phó Chủ tịch UBND tỉnh, lãnh đạo các sở, ban, ngành và đại diện "
            "UBND các xã, phường trên địa bàn.",
            "Tại phiên họp, các đại biểu thảo luận dự thảo báo cáo tổng kết công tác chỉ đạo, điều hành "
            "năm 2026 và phương hướng nhiệm vụ năm 2027, dự thảo nghị quyết về dự toán ngân sách địa "
            "phương cùng một số nghị quyết quy định chính sách đặc thù của tỉnh. Nhiều ý kiến đề nghị cơ "
            "quan soạn thảo rà soát kỹ căn cứ pháp lý, bảo đảm hồ sơ được gửi đến đại biểu HĐND tỉnh đúng "
            "thời hạn theo quy định.",
            "Về tổ chức bộ máy, UBND tỉnh yêu cầu các sở, ngành tiếp tục hướng dẫn, hỗ trợ các xã, phường "
            "vận hành ổn định mô hình chính quyền địa phương hai cấp; rà soát nhân sự, trụ sở làm việc và "
            "quy trình tiếp nhận hồ sơ tại Trung tâm Phục vụ hành chính công cấp xã, bảo đảm người dân "
            "được phục vụ thuận tiện, không bị gián đoạn.",
            "Phiên họp cũng nghe báo cáo về công tác tiếp công dân, công tác thông tin đối ngoại và kế "
            "hoạch tổ chức họp báo cung cấp thông tin định kỳ cho các cơ quan báo chí trong quý IV. Sở "
            "Văn hóa, Thể thao và Du lịch được giao chủ trì chuẩn bị nội dung họp báo, phối hợp với Văn "
            "phòng UBND tỉnh cung cấp thông tin chính thống kịp thời.",
            "Kết luận phiên họp, Chủ tịch UBND tỉnh đề nghị các đơn vị tiếp thu ý kiến đóng góp, hoàn "
            "thiện hồ sơ trình HĐND tỉnh trước ngày 25/11, đồng thời chuẩn bị chu đáo nội dung trả lời "
            "chất vấn của đại biểu, bảo đảm kỳ họp cuối năm diễn ra đúng kế hoạch.",
        ],
        "expected": {"provinces": ["bac_ninh"], "topics": ["politics_governance"],
                     "sentiment": "neutral", "stance": "neutral", "alert": False},
    },
    {
        "path": "/baobacninh/kinh-te/trao-giay-chung-nhan-dau-tu-du-an-linh-kien-kcn-yen-phong.html",
        "outlet": "baobacninh", "section": "Kinh tế",
        "title": _FDI_TITLE,
        "author": "Ban Kinh tế (demo)",
        "published": "2026-11-17T16:00:00+07:00",
        "summary": _FDI_SUMMARY,
        "body": _FDI_BODY,
        "event": "yen-phong-fdi",
        "expected": {"provinces": ["bac_ninh"], "topics": ["investment_economy"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
    {
        "path": "/baobacninh/du-lich/khai-mac-tuan-van-hoa-du-lich-tay-yen-tu-2026.html",
        "outlet": "baobacninh", "section": "Du lịch",
        "title": "Khai mạc Tuần Văn hóa – Du lịch Tây Yên Tử năm 2026",
        "author": "Ban Văn hóa – Du lịch (demo)",
        "published": "2026-11-18T21:00:00+07:00",
        "summary": "Chuỗi hoạt động văn hóa, lễ hội và du lịch trải nghiệm diễn ra từ 18 đến 24/11 "
                   "tại xã Tây Yên Tử, hứa hẹn thu hút hàng chục nghìn lượt du khách.",
        "body": [
            "Tối 18/11, tại Khu du lịch tâm linh – sinh thái Tây Yên Tử, Sở Văn hóa, Thể thao và Du lịch "
            "tỉnh Bắc Ninh phối hợp với UBND xã Tây Yên Tử (trước đây thuộc huyện Sơn Động, tỉnh Bắc "
            "Giang) khai mạc Tuần Văn hóa – Du lịch Tây Yên Tử năm 2026 với chủ đề “Sắc thu đại ngàn”.",
            "Sự kiện diễn ra từ ngày 18 đến 24/11 với nhiều hoạt động hấp dẫn: trình diễn trang phục và "
            "làn điệu dân ca của người Dao, người Tày, người Sán Chay; chợ phiên vùng cao; không gian "
            "trưng bày đặc sản địa phương; giải chạy địa hình “Chinh phục Tây Yên Tử” và các tour trải "
            "nghiệm đi bộ trên con đường cổ mà các thiền sư Trúc Lâm xưa từng qua lại.",
            "Phát biểu khai mạc, lãnh đạo Sở Văn hóa, Thể thao và Du lịch cho biết Tây Yên Tử là một "
            "trong những điểm đến trọng tâm của tỉnh, gắn với hồ sơ di sản Quần thể di tích và danh thắng "
            "Yên Tử – Vĩnh Nghiêm – Côn Sơn, Kiếp Bạc đã được UNESCO ghi danh là Di sản văn hóa thế giới. "
            "Hệ thống chùa, tháp, am cổ cùng cảnh quan rừng nguyên sinh tạo nên sức hút riêng cho du "
            "lịch văn hóa và sinh thái.",
            "Trong những năm gần đây, hạ tầng giao thông và dịch vụ tại Tây Yên Tử được đầu tư đồng bộ, "
            "tuyến cáp treo và hệ thống nhà nghỉ cộng đồng giúp du khách dễ dàng tiếp cận. Ban tổ chức kỳ "
            "vọng tuần lễ năm nay sẽ đón khoảng 50.000 lượt khách, góp phần quảng bá hình ảnh vùng đất, con "
            "người Bắc Ninh thân thiện, mến khách.",
            "Du khách có thể theo dõi lịch chương trình chi tiết trên cổng thông tin du lịch của tỉnh và "
            "tại các điểm hướng dẫn đặt ở chân núi.",
        ],
        "expected": {"provinces": ["bac_ninh"], "topics": ["tourism_culture"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
    {
        "path": "/baobacninh/xa-hoi/hon-1200-cong-nhan-ngung-viec-tai-kcn-quang-chau.html",
        "outlet": "baobacninh", "section": "Xã hội",
        "title": "Hơn 1.200 công nhân ngừng việc tại KCN Quang Châu, chính quyền vào cuộc đối thoại",
        "author": "Ban Xã hội (demo)",
        "published": "2026-11-19T10:15:00+07:00",
        "summary": "Công nhân một doanh nghiệp may tại Khu công nghiệp Quang Châu ngừng việc do thay đổi "
                   "cách tính tiền chuyên cần, tiền làm thêm giờ chậm thanh toán.",
        "body": [
            "Sáng 19/11, khoảng 1.200 công nhân Công ty TNHH May mặc Thịnh Phát Global (demo), doanh "
            "nghiệp có vốn đầu tư nước ngoài tại Khu công nghiệp Quang Châu (xã Quang Châu, tỉnh Bắc Ninh; "
            "trước đây thuộc thị xã Việt Yên, tỉnh Bắc Giang), đã tập trung trước cổng nhà máy, ngừng "
            "việc và không vào ca sản xuất.",
            "Theo phản ánh của người lao động, từ tháng 9 đến nay công ty điều chỉnh cách tính tiền chuyên "
            "cần và thưởng năng suất khiến thu nhập thực tế của nhiều công nhân giảm từ 600.000 đồng đến "
            "hơn 1 triệu đồng mỗi tháng. Một số công nhân cho biết tiền làm thêm giờ của tháng 10 bị chậm "
            "thanh toán, trong khi công ty chưa công bố phương án thưởng Tết năm 2027.",
            "Ngay khi nhận được thông tin, Ban Quản lý các khu công nghiệp tỉnh đã phối hợp với Liên đoàn "
            "Lao động tỉnh, Sở Nội vụ, Công an xã Quang Châu và UBND xã có mặt tại hiện trường để nắm bắt "
            "tình hình, giữ gìn an ninh trật tự và tổ chức đối thoại giữa đại diện người lao động với ban "
            "giám đốc công ty. Việc ngừng việc diễn ra ôn hòa, không xảy ra xô xát.",
            "Tại buổi đối thoại, công đoàn cơ sở đề nghị doanh nghiệp giữ nguyên cách tính tiền chuyên cần "
            "như trước, thanh toán đầy đủ tiền làm thêm giờ trước ngày 25/11 và công khai mức thưởng Tết. "
            "Đại diện công ty cam kết thanh toán khoản tiền làm thêm giờ còn nợ ngay trong tuần và sẽ làm "
            "việc với công đoàn về phương án tiền lương, tiền thưởng.",
            "Đến chiều cùng ngày, một bộ phận công nhân đã trở lại làm việc; số còn lại chờ kết quả làm "
            "việc tiếp theo giữa công ty và tổ chức công đoàn. Ban Quản lý các khu công nghiệp cho biết sẽ "
            "tiếp tục theo dõi, yêu cầu doanh nghiệp thực hiện đúng pháp luật lao động và các cam kết với "
            "người lao động, không để tình trạng đình công kéo dài.",
        ],
        "event": "quang-chau-strike",
        "expected": {"provinces": ["bac_ninh"], "topics": ["labour"],
                     "sentiment": "negative", "stance": "neutral", "alert": True},
    },
    {
        "path": "/baobacninh/ban-doc/nguoi-dan-phan-anh-bui-o-nhiem-vi-du-an-duong-cham-tien-do.html",
        "outlet": "baobacninh", "section": "Bạn đọc",
        "title": "Người dân phản ánh bụi, ô nhiễm kéo dài vì dự án đường tỉnh chậm tiến độ",
        "author": "Ban Bạn đọc (demo)",
        "published": "2026-11-20T08:00:00+07:00",
        "summary": "Dự án nâng cấp tuyến đường tỉnh qua xã Hợp Thịnh chậm tiến độ nhiều tháng, người dân "
                   "bức xúc vì bụi, ngập úng và nước thải tràn vào khu dân cư.",
        "body": [
            "Nhiều tháng nay, hàng trăm hộ dân sống dọc tuyến đường tỉnh đang được nâng cấp, mở rộng qua "
            "xã Hợp Thịnh (tỉnh Bắc Ninh) bức xúc vì bụi, tiếng ồn và ngập úng do công trình thi công dang "
            "dở. Theo kế hoạch, dự án dài gần 6 km phải hoàn thành từ tháng 6/2026, nhưng đến nay khối "
            "lượng thực hiện mới đạt khoảng 60%.",
            "Người dân phản ánh, mỗi ngày có hàng chục lượt xe chở đất, cát chạy qua khu dân cư nhưng "
            "không được che phủ, đơn vị thi công cũng không tưới nước giảm bụi. Ngày nắng, bụi bám dày "
            "trên mái nhà, hàng quán; nhiều gia đình có người già, trẻ nhỏ phải đóng cửa suốt ngày. Ngày "
            "mưa, mặt đường bị đào xới trở thành bãi lầy, nhiều đoạn rãnh thoát nước chưa hoàn thiện khiến "
            "nước thải sinh hoạt tràn vào ngõ xóm, gây mùi hôi và ô nhiễm môi trường.",
            "“Chúng tôi ủng hộ làm đường, nhưng công trình kéo dài quá lâu, bụi thế này thì không chịu nổi. "
            "Gia đình tôi đã nhiều lần kiến nghị lên xã mà tình hình vẫn vậy”, một hộ kinh doanh ven "
            "đường cho biết.",
            "Theo đại diện UBND xã Hợp Thịnh, xã đã nhiều lần có văn bản đề nghị chủ đầu tư và nhà thầu "
            "khắc phục tình trạng bụi, ngập úng. Nguyên nhân chậm tiến độ là do còn một số hộ chưa bàn "
            "giao mặt bằng và năng lực thi công của nhà thầu còn hạn chế, nhân lực, máy móc trên công "
            "trường thường xuyên thiếu.",
            "Báo Bắc Ninh (demo) đề nghị Sở Xây dựng, ban quản lý dự án và UBND xã sớm kiểm tra, chỉ đạo "
            "nhà thầu thực hiện các biện pháp giảm bụi, khơi thông cống rãnh, công khai tiến độ và có giải "
            "pháp dứt điểm để hoàn thành công trình, bảo đảm môi trường sống cho người dân.",
        ],
        "expected": {"provinces": ["bac_ninh"], "topics": ["local_issues"],
                     "sentiment": "negative", "stance": "critical", "alert": True},
    },
    {
        # Served as windows-1258. Neither the title nor the feed summary names the province: it
        # can only be found by decoding the body correctly.
        "path": "/baobacninh/kinh-te/tong-ket-vu-nhan-long-2026.cp1258.html",
        "outlet": "baobacninh", "section": "Kinh tế",
        "title": "Tổng kết vụ nhãn lồng 2026: sản lượng xuất khẩu đạt mức kỷ lục",
        "author": "Ban Kinh tế (demo)",
        "published": "2026-11-21T09:00:00+07:00",
        "summary": "Sản lượng nhãn xuất khẩu năm 2026 tăng mạnh nhờ mở rộng vùng trồng đạt chuẩn "
                   "và ứng dụng thương mại điện tử.",
        "encoding": "windows-1258",
        "body": [
            "Sở Nông nghiệp và Môi trường tỉnh Hưng Yên vừa tổ chức hội nghị tổng kết vụ nhãn năm 2026. "
            "Theo báo cáo, toàn tỉnh Hưng Yên hiện có khoảng 4.900 ha nhãn, sản lượng vụ năm nay đạt hơn "
            "70.000 tấn, trong đó nhãn lồng chiếm tỷ lệ lớn và tiếp tục là sản phẩm chủ lực của nông "
            "nghiệp địa phương.",
            "Điểm nổi bật của vụ nhãn 2026 là sản lượng xuất khẩu chính ngạch đạt gần 3.000 tấn quả tươi, "
            "mức cao nhất từ trước đến nay. Nhãn lồng Hưng Yên đã có mặt tại các thị trường khó tính như "
            "Hoa Kỳ, Nhật Bản, Australia và Liên minh châu Âu. Toàn tỉnh có hơn 60 vùng trồng được cấp mã "
            "số phục vụ xuất khẩu, áp dụng quy trình sản xuất theo tiêu chuẩn VietGAP và GlobalGAP.",
            "Bên cạnh kênh xuất khẩu, các hợp tác xã và hộ trồng nhãn đẩy mạnh bán hàng qua sàn thương mại "
            "điện tử và livestream, giúp tiêu thụ hàng nghìn tấn nhãn trong thời gian ngắn. Nhiều sản "
            "phẩm chế biến như long nhãn sấy, chè long nhãn được đạt chuẩn OCOP, nâng cao giá trị "
            "cho người trồng.",
            "Tại hội nghị, các đại biểu kiến nghị tiếp tục hỗ trợ doanh nghiệp xây dựng kho lạnh, nâng cấp "
            "cơ sở đóng gói đạt chuẩn và quảng bá thương hiệu nhãn lồng gắn với vùng đất Phố Hiến. Sở "
            "Nông nghiệp và Môi trường Hưng Yên đặt mục tiêu năm 2027 mở rộng thêm 500 ha vùng trồng đạt "
            "chuẩn xuất khẩu và truy xuất nguồn gốc cho toàn bộ sản lượng nhãn xuất khẩu.",
        ],
        "expected": {"provinces": ["hung_yen"], "topics": ["investment_economy"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
    # ------------------------------------------------------------------ tintucquocgia
    {
        "path": "/tintucquocgia/chu-quyen/ngu-dan-binh-thuan-vuon-khoi-bam-bien-hoang-sa-truong-sa.html",
        "outlet": "tintucquocgia", "section": "Chủ quyền",
        "title": "Ngư dân Bình Thuận vươn khơi, bám biển Hoàng Sa, Trường Sa",
        "author": "Nhóm phóng viên thường trú (demo)",
        "published": "2026-11-15T07:45:00+07:00",
        "summary": "Hàng trăm tàu cá của ngư dân Bình Thuận (nay thuộc Lâm Đồng) ra khơi chuyến biển "
                   "cuối năm, góp phần khẳng định chủ quyền biển, đảo của Tổ quốc.",
        "body": [
            "Những ngày giữa tháng 11, tại cảng cá Phan Thiết và đặc khu Phú Quý (tỉnh Lâm Đồng), hàng trăm "
            "tàu cá công suất lớn của ngư dân Bình Thuận tấp nập chuẩn bị nhiên liệu, đá lạnh, lương thực "
            "để vươn khơi chuyến biển cuối năm tại các ngư trường xa bờ thuộc quần đảo Hoàng Sa, Trường Sa "
            "và vùng biển phía Nam Biển Đông.",
            "Với ngư dân, mỗi chuyến ra khơi không chỉ là sinh kế mà còn góp phần khẳng định chủ quyền "
            "biển, đảo thiêng liêng của Tổ quốc. Một chủ tàu có hơn 20 năm bám biển cho biết: “Biển "
            "Hoàng Sa, Trường Sa là ngư trường truyền thống của ông cha. Còn tàu, còn người là chúng tôi "
            "còn ra khơi, có mặt ở vùng biển của mình”.",
            "Trước mỗi chuyến biển, Bộ đội Biên phòng tỉnh Lâm Đồng tổ chức tuyên truyền Luật Biển Việt "
            "Nam, Công ước của Liên hợp quốc về Luật Biển năm 1982 và các quy định về phòng, chống khai "
            "thác hải sản bất hợp pháp cho thuyền trưởng, thuyền viên. Các tổ đoàn kết trên biển được "
            "củng cố để hỗ trợ nhau khi gặp sự cố, kịp thời thông báo cho lực lượng chức năng những "
            "trường hợp tàu nước ngoài vi phạm vùng biển Việt Nam.",
            "Chính quyền tỉnh cũng duy trì triển lãm số “Hoàng Sa, Trường Sa của Việt Nam – Những bằng "
            "chứng lịch sử và pháp lý”, giúp ngư dân và học sinh vùng biển tìm hiểu các tư liệu khẳng định "
            "chủ quyền của Việt Nam đối với hai quần đảo.",
            "Theo lực lượng chức năng, sự hiện diện thường xuyên của ngư dân trên các ngư trường xa bờ, "
            "cùng với lực lượng Cảnh sát biển và Kiểm ngư, là “cột mốc sống” góp phần bảo vệ vững chắc "
            "chủ quyền, quyền chủ quyền và quyền tài phán quốc gia trên biển.",
        ],
        "expected": {"provinces": ["lam_dong"], "topics": ["sovereignty"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
    {
        "path": "/tintucquocgia/vung-mien/ha-giang-vao-mua-hoa-tam-giac-mach.html",
        "outlet": "tintucquocgia", "section": "Vùng miền",
        "title": "Hà Giang vào mùa hoa tam giác mạch, du khách đổ về cao nguyên đá Đồng Văn",
        "author": "Nhóm phóng viên thường trú (demo)",
        "published": "2026-11-16T14:20:00+07:00",
        "summary": "Mùa hoa tam giác mạch trên cao nguyên đá Đồng Văn thu hút đông du khách, "
                   "tỉnh Tuyên Quang đẩy mạnh du lịch cộng đồng vùng cao.",
        "body": [
            "Những ngày giữa tháng 11, khắp các sườn đồi trên cao nguyên đá Đồng Văn thuộc Hà Giang (nay "
            "là tỉnh Tuyên Quang) rực rỡ sắc hồng, trắng của hoa tam giác mạch. Dọc quốc lộ 4C, từ dốc "
            "Thẩm Mã đến đèo Mã Pì Lèng, dòng xe đưa du khách lên vùng cao nối đuôi nhau mỗi dịp cuối tuần.",
            "Theo Sở Văn hóa, Thể thao và Du lịch tỉnh Tuyên Quang, từ đầu tháng 10 đến nay khu vực cao "
            "nguyên đá đã đón hơn 300.000 lượt khách, trong đó có khoảng 40.000 lượt khách quốc tế. Các "
            "điểm đến được yêu thích gồm phố cổ Đồng Văn, dinh thự họ Vương, sông Nho Quế và cột cờ Lũng "
            "Cú nơi địa đầu Tổ quốc.",
            "Nhiều hộ dân ở các thôn vùng cao đã chủ động trồng tam giác mạch trên đất nương, kết hợp mở "
            "homestay, phục vụ ẩm thực địa phương như bánh tam giác mạch, thắng cố, mèn mén. Mô hình du "
            "lịch cộng đồng giúp người dân có thêm thu nhập ổn định vào mùa thấp điểm sản xuất.",
            "Để bảo đảm an toàn và văn minh du lịch, các xã đã bố trí lực lượng hướng dẫn giao thông tại "
            "những cung đường đèo dốc, niêm yết giá dịch vụ và tăng cường vệ sinh môi trường tại điểm "
            "tham quan. Công viên địa chất toàn cầu UNESCO Cao nguyên đá Đồng Văn cũng tổ chức các chương "
            "trình giới thiệu di sản địa chất, văn hóa cho du khách.",
            "Ngành du lịch tỉnh Tuyên Quang kỳ vọng mùa hoa năm nay sẽ tiếp tục khẳng định thương hiệu điểm "
            "đến vùng cao hấp dẫn, gắn phát triển du lịch với bảo tồn bản sắc văn hóa.",
        ],
        "expected": {"provinces": ["tuyen_quang"], "topics": ["tourism_culture"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
    {
        # Syndicated copy of the provincial paper's investment story: identical body text.
        "path": "/tintucquocgia/kinh-te/bac-ninh-cap-phep-du-an-linh-kien-dien-tu-250-trieu-usd.html",
        "outlet": "tintucquocgia", "section": "Kinh tế",
        "title": _FDI_TITLE,
        "author": "Theo Báo Bắc Ninh (demo)",
        "published": "2026-11-17T19:30:00+07:00",
        "summary": _FDI_SUMMARY,
        "body": _FDI_BODY,
        "event": "yen-phong-fdi",
        "duplicate_of": "/baobacninh/kinh-te/trao-giay-chung-nhan-dau-tu-du-an-linh-kien-kcn-yen-phong.html",
        "expected": {"provinces": ["bac_ninh"], "topics": ["investment_economy"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
    # ------------------------------------------------------------------ vietnamtimes (English)
    {
        "path": "/vietnamtimes/business/korean-firm-licensed-for-250m-electronics-plant-in-bac-ninh.html",
        "outlet": "vietnamtimes", "section": "Business",
        "title": "South Korean firm licensed for $250 million electronics plant in Bac Ninh",
        "author": "Business Desk (demo)",
        "published": "2026-11-18T08:10:00+07:00",
        "summary": "Bac Ninh's industrial park authority has licensed a $250 million electronic components "
                   "plant at Yen Phong Industrial Park, adding to more than $4 billion of FDI this year.",
        "body": [
            "The northern province of Bac Ninh has granted an investment registration certificate to a "
            "South Korean manufacturer for a $250 million electronic components plant at Yen Phong "
            "Industrial Park, cementing the province's position as one of Vietnam's leading destinations "
            "for foreign direct investment.",
            "The factory, operated by the fictional Hanam Precision (demo), will make printed circuit "
            "boards, camera modules and parts for smartphones and wearable devices. It is designed to "
            "produce about 120 million units a year once it starts operating in the fourth quarter of "
            "2027, and is expected to employ around 3,500 people.",
            "Provincial officials said the project brings Bac Ninh's foreign investment inflows to more than "
            "$4.2 billion since January, with most new money going into electronics, semiconductors and "
            "supporting industries. The investor cited ready infrastructure, proximity to Noi Bai "
            "International Airport and the port of Hai Phong, and fast administrative procedures as the "
            "main reasons for choosing the site.",
            "Analysts say the province's strong showing in Vietnam's Provincial Competitiveness Index and "
            "its established supplier network continue to attract manufacturers diversifying their supply "
            "chains in the region. The company said it would prioritise local hiring and work with "
            "vocational schools to train technicians.",
        ],
        "event": "yen-phong-fdi",
        "expected": {"provinces": ["bac_ninh"], "topics": ["investment_economy"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
    {
        "path": "/vietnamtimes/travel/wild-sunflower-season-draws-visitors-to-da-lat.html",
        "outlet": "vietnamtimes", "section": "Travel",
        "title": "Wild sunflower season draws visitors to Da Lat as Lam Dong bets on year-round tourism",
        "author": "Travel Desk (demo)",
        "published": "2026-11-19T13:00:00+07:00",
        "summary": "Yellow wild sunflowers are blooming across the hills of Da Lat, and Lam Dong province "
                   "is using the season to promote highland and coastal tourism.",
        "body": [
            "Every November the pine-covered hills around Da Lat turn bright yellow as wild sunflowers, "
            "known locally as dã quỳ, come into bloom. This year the season has brought a steady stream of "
            "domestic and international visitors to the highland city in Lam Dong province.",
            "Tourism officials in Lam Dong said the province welcomed more than 1.2 million visitors in "
            "October and early November, with hotel occupancy in Da Lat above 70 percent on weekends. "
            "Popular routes include the road to Langbiang mountain, Tuyen Lam lake and the flower "
            "villages on the edge of the city.",
            "Since the 2025 merger that joined Lam Dong with the former provinces of Dak Nong and Binh "
            "Thuan, the province has marketed itself as a destination that combines cool highland "
            "weather with the beaches of Mui Ne. Tour operators are now selling combined itineraries "
            "that link Da Lat's flower gardens and coffee farms with the coast.",
            "Local authorities have also tightened rules on littering and unlicensed camping in the pine "
            "forests, and added shuttle buses at peak times to reduce traffic in the city centre. The "
            "annual flower festival in December is expected to extend the high season into the new year.",
        ],
        "expected": {"provinces": ["lam_dong"], "topics": ["tourism_culture"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
    {
        "path": "/vietnamtimes/society/garment-workers-strike-at-quang-chau-industrial-park.html",
        "outlet": "vietnamtimes", "section": "Society",
        "title": "Garment workers strike at Quang Chau industrial park over pay changes",
        "author": "Society Desk (demo)",
        "published": "2026-11-19T18:40:00+07:00",
        "summary": "About 1,200 workers at a foreign-owned garment factory in Bac Ninh stopped work over "
                   "changes to attendance bonuses and late overtime pay; talks were held the same day.",
        "body": [
            "About 1,200 workers at a foreign-owned garment factory in Quang Chau Industrial Park, in "
            "northern Bac Ninh province, stopped work on Thursday morning in a dispute over pay, local "
            "officials said.",
            "Workers at the fictional Thinh Phat Global Garment Co. (demo) gathered outside the factory "
            "gate and refused to start their shift. They said a change to the way attendance bonuses are "
            "calculated had cut monthly incomes by between 600,000 and more than one million dong, and "
            "that overtime pay for October had not yet been paid. The park, formerly part of Bac Giang "
            "province, became part of Bac Ninh after the 2025 provincial merger.",
            "Officials from the provincial industrial zones authority, the provincial labour federation and "
            "local police went to the site and organised talks between worker representatives and the "
            "company's management. Officials said the stoppage was peaceful. The company agreed to pay the "
            "outstanding overtime within the week and to negotiate with the trade union over bonus rules.",
            "Some workers returned to the production lines in the afternoon, while others said they would "
            "wait for the outcome of further talks. Labour disputes over pay and bonuses are not uncommon "
            "in Vietnam's industrial zones towards the end of the year, when workers expect Lunar New Year "
            "bonuses to be announced.",
        ],
        "event": "quang-chau-strike",
        "expected": {"provinces": ["bac_ninh"], "topics": ["labour"],
                     "sentiment": "negative", "stance": "neutral", "alert": True},
    },
]

# --------------------------------------------------------------------------- social posts

POSTS = [
    {
        "id": "1024",
        "path": "/mangxahoi/posts/1024",
        "outlet": "mangxahoi",
        "title": "SỰ THẬT BỊ CHE GIẤU ở Bắc Ninh: công nhân bị đàn áp, báo chí bị bịt miệng!",
        "author": "Góc Nhìn Sự Thật 24h (tài khoản demo)",
        "published": "2026-11-19T22:05:00+07:00",
        "summary": "Bài đăng cho rằng chính quyền Bắc Ninh đàn áp công nhân đình công và kêu gọi biểu tình.",
        "tags": ["BacNinh", "DinhCong", "NhanQuyen", "SuThatBiCheGiau"],
        "content_field": "content_html",
        "body": [
            "🔥 SỰ THẬT BỊ CHE GIẤU! Sáng nay hàng nghìn công nhân KCN Quang Châu (Bắc Ninh) đình công đòi "
            "lương đã bị chính quyền ĐÀN ÁP dã man. Nguồn tin riêng của chúng tôi cho biết hàng chục công "
            "nhân bị bắt đi trong đêm, nhiều người bị đánh đập, cả khu công nghiệp bị phong tỏa và cắt sóng "
            "điện thoại để không ai quay phim được!!!",
            "Báo chí quốc doanh thì bị BỊT MIỆNG, chỉ được phép đưa tin “đối thoại ôn hòa” để lừa dối dư "
            "luận. Không một tờ báo nào dám nói sự thật. Đây chính là bản chất của chế độ: không có nhân "
            "quyền, không có dân chủ, không có tự do báo chí, người lao động chỉ là nô lệ cho tư bản nước "
            "ngoài và bọn quan chức tham nhũng chia chác với nhau.",
            "Chính quyền tỉnh đã bán rẻ đất đai cho ngoại bang, giờ quay sang đàn áp chính người dân của "
            "mình. Những gì các bạn đọc trên báo chính thống đều là dối trá, sự thật đang bị che giấu hoàn "
            "toàn!",
            "Hỡi đồng bào Bắc Ninh, đừng im lặng nữa! Hãy xuống đường biểu tình vào sáng Chủ nhật này trước "
            "trụ sở UBND tỉnh để đòi công lý cho công nhân và đòi quyền tự do ngôn luận. Im lặng là đồng lõa! "
            "Hãy chia sẻ thật nhanh trước khi bài viết này bị xóa!!!",
        ],
        "event": "quang-chau-strike",
        "expected": {"provinces": ["bac_ninh"], "topics": ["human_rights", "labour"],
                     "sentiment": "negative", "stance": "distorting", "alert": True},
    },
    {
        "id": "1025",
        "path": "/mangxahoi/posts/1025",
        "outlet": "mangxahoi",
        "title": "Cuối tuần về Hưng Yên ăn chè long nhãn, dạo phố Hiến",
        "author": "Bếp Nhà Quê (tài khoản demo)",
        "published": "2026-11-21T19:30:00+07:00",
        "summary": "Chia sẻ chuyến đi cuối tuần ăn đặc sản và dạo phố cổ ở Hưng Yên.",
        "tags": ["HungYen", "AmThuc", "PhoHien"],
        "content_field": "content_text",
        "body": [
            "Cuối tuần vừa rồi cả nhà mình chạy xe về Hưng Yên chơi, đường đẹp, chưa đầy hai tiếng đã tới "
            "nơi. Điểm đến đầu tiên tất nhiên là phố Hiến: đi bộ quanh Văn Miếu Xích Đằng, chùa Chuông, ngắm "
            "mấy dãy nhà cổ rêu phong mà thấy yên bình lạ.",
            "Trưa ăn bánh cuốn chả nướng với chả gà Tiểu Quan, chiều ghé chợ mua tương Bần mang về làm quà. "
            "Món mình mê nhất vẫn là chè long nhãn: long nhãn dẻo, hạt sen bùi, nước đường thanh, ăn một bát "
            "chưa đã phải gọi thêm bát nữa. Cô bán hàng kể nhãn lồng năm nay được mùa, nhiều nhà sấy long "
            "nhãn bán quanh năm cho khách phương xa.",
            "Tối về ngang hồ Bán Nguyệt, gió thổi mát rượi, mấy đứa nhỏ chạy nhảy vui ơi là vui. Ai chưa đi "
            "Hưng Yên thì nên thử một chuyến cuối tuần, chi phí rẻ mà đồ ăn ngon, người dân thì thân thiện, "
            "chỉ đường nhiệt tình lắm. Tháng sau nhà mình hẹn quay lại để đi thêm mấy làng nghề quanh đó.",
        ],
        "expected": {"provinces": ["hung_yen"], "topics": ["tourism_culture"],
                     "sentiment": "positive", "stance": "supportive", "alert": False},
    },
]

# --------------------------------------------------------------------------- broken feed

BROKEN_FEED = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<rss version="2.0">\n'
    '  <channel>\n'
    '    <title>Nguồn tin lỗi (demo)</title>\n'
    '    <link>{{BASE}}/broken/</link>\n'
    '    <description>Feed hỏng có chủ ý: thực thể không hợp lệ và XML bị cắt cụt</description>\n'
    '    <item>\n'
    '      <title>Bản tin thử nghiệm &nbsp; có thực thể không hợp lệ</title>\n'
    '      <link>{{BASE}}/broken/ban-tin-thu-nghiem.html</link>\n'
    '      <description>Nội dung bị cắt & không đóng thẻ <b>đúng cách\n'
    '    </item>\n'
    '    <item>\n'
    '      <title>Bản tin bị cắt giữa chừ'
)
