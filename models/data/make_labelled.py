"""Writes ``labelled.jsonl``: the project's labelled set for topics, sentiment and stance.

No public data labels Presswatch's topics, so this set is written for the project. Each *family* below is
one hand-written scenario (a headline and lead pattern with its labels); slots ({p} province, {d}
district/place, {n} number, {c} company, {x} country) multiply it into variants. Items of one family share
wording, so the **dev split is by family**: a whole family goes to dev (``dev=True``) and no sentence of it
is ever trained on; dev therefore measures generalisation to unseen wording, not to unseen slot values.
Vietnamese first; English, Chinese, Korean, Japanese and French families; hard negatives (keywords in
the wrong sense); social posts typed without diacritics (``fold``ed twins of some Vietnamese items, and
hand-typed ones). Labels follow ../shared/docs/taxonomy.md.

Regenerate: ``python -m models.data.make_labelled`` (deterministic)."""
from __future__ import annotations

import hashlib
import itertools
import json
import random
from pathlib import Path

from presswatch.text import fold

OUT = Path(__file__).with_name("labelled.jsonl")

P = ["Bắc Ninh", "Tuyên Quang", "Hưng Yên", "Lâm Đồng", "Bắc Giang", "Thái Nguyên", "Quảng Ninh", "Nghệ An"]
D = ["Yên Phong", "Quế Võ", "Việt Yên", "Na Hang", "Văn Giang", "Bảo Lộc", "Đức Trọng", "Lục Nam", "Chiêm Hóa",
     "Mỹ Hào", "Di Linh", "Tân Yên"]
N = ["120", "350", "1.500", "2.300", "45", "800", "60", "4.200"]
C = ["Samsung", "Foxconn", "Amkor", "Hana Micron", "Canon", "Goertek", "LG Innotek", "Luxshare"]
X = ["Hàn Quốc", "Nhật Bản", "Lào", "Campuchia", "Trung Quốc", "Pháp", "Hoa Kỳ", "Singapore"]
PE = ["Bac Ninh", "Tuyen Quang", "Hung Yen", "Lam Dong", "Bac Giang", "Thai Nguyen", "Quang Ninh", "Nghe An"]

# (family id, topics, sentiment, stance, lang, dev?, [templates]); a template is "title || lead"
F: list[tuple] = []


def fam(fid, topics, sentiment, stance, lang, dev, *templates):
    F.append((fid, topics, sentiment, stance, lang, dev, list(templates)))


# ---------------------------------------------------------------------------------------- sovereignty
fam("sov-fishermen", ["sovereignty"], "positive", "supportive", "vi", False,
    "Ngư dân {p} vươn khơi bám biển, góp phần giữ vững chủ quyền biển đảo || {n} tàu cá của ngư dân {p} tiếp tục ra khơi dài ngày ở vùng biển Trường Sa.",
    "Hải đội dân quân biển {p} đồng hành cùng ngư dân || Lực lượng cảnh sát biển và bộ đội biên phòng hỗ trợ ngư dân bám biển, bảo vệ chủ quyền.")
fam("sov-exhibition", ["sovereignty"], "positive", "supportive", "vi", False,
    "Triển lãm bản đồ và trưng bày tư liệu Hoàng Sa, Trường Sa của Việt Nam tại {d} || Hơn {n} tư liệu, bằng chứng lịch sử và pháp lý khẳng định chủ quyền của Việt Nam đối với hai quần đảo.",
    "{p} tổ chức cuộc thi tìm hiểu về biển, đảo Việt Nam || Cuộc thi thu hút {n} học sinh, sinh viên tham gia tìm hiểu chủ quyền biển đảo.")
fam("sov-border-marker", ["sovereignty"], "neutral", "neutral", "vi", False,
    "Đồn biên phòng tuần tra song phương, bảo vệ cột mốc biên giới || Bộ đội biên phòng phối hợp lực lượng nước bạn kiểm tra hệ thống mốc quốc giới trên tuyến biên giới đất liền.",
    "Tổng kết công tác phân giới cắm mốc và quản lý biên giới đất liền || Các lực lượng chức năng rà soát {n} cột mốc, quản lý chặt chẽ đường biên giới quốc gia.")
fam("sov-dispute", ["sovereignty", "foreign_relations"], "negative", "neutral", "vi", True,
    "Bộ Ngoại giao phản đối tàu nước ngoài vi phạm vùng biển Việt Nam || Người phát ngôn yêu cầu tôn trọng chủ quyền của Việt Nam theo UNCLOS, rút tàu khảo sát khỏi vùng đặc quyền kinh tế.",
    "Việt Nam lên tiếng về việc quân sự hóa trái phép ở Biển Đông || Việt Nam kiên quyết phản đối các hành động xâm phạm chủ quyền đối với quần đảo Hoàng Sa.")
fam("sov-smuggling", ["sovereignty"], "negative", "neutral", "vi", False,
    "Bắt giữ {n} kg hàng lậu vận chuyển qua đường mòn biên giới || Đồn biên phòng phát hiện nhóm đối tượng vận chuyển trái phép hàng hóa qua lối mở.",
    "Ngăn chặn đường dây đưa người xuất cảnh trái phép qua biên giới || Lực lượng biên phòng triệt phá đường dây buôn người, giải cứu {n} nạn nhân.")
fam("sov-distort", ["sovereignty"], "negative", "distorting", "vi", False,
    "Sự thật bị che giấu: đã mất đất biên giới vào tay nước ngoài || Bài đăng lan truyền khẳng định cột mốc bị dời sâu vào lãnh thổ, chính quyền im lặng; chia sẻ ngay trước khi bị xóa!",
    "Cảnh báo: Việt Nam đã bán đảo cho nước ngoài? || Trang mạng tuyên bố lãnh đạo đã nhượng Trường Sa, kêu gọi mọi người xuống đường, thông tin không có nguồn kiểm chứng.")
fam("sov-map-misrepresent", ["sovereignty"], "negative", "neutral", "vi", True,
    "Thu giữ {n} cuốn sách in bản đồ có đường lưỡi bò || Cơ quan chức năng phát hiện ấn phẩm nhập khẩu thể hiện sai lệch chủ quyền biển đảo Việt Nam.",
    "Phát hiện áo phông in bản đồ sai lệch chủ quyền bày bán tại {d} || Đoàn kiểm tra lập biên bản, thu hồi sản phẩm thể hiện đường chín đoạn.")
fam("sov-en", ["sovereignty"], "negative", "neutral", "en", False,
    "Vietnam protests survey ship incursion in its exclusive economic zone || Hanoi demanded that the vessel leave Vietnamese waters near the Spratly Islands, citing UNCLOS.",
    "Border guards in {pe} seize smuggled goods at informal crossing || Officers intercepted contraband carried across the land border along a forest trail.")
fam("sov-en-support", ["sovereignty"], "positive", "supportive", "en", True,
    "Fishermen from {pe} keep sailing to the Paracels despite pressure || Local fleets say they will continue to fish in traditional grounds, backed by the coast guard.")
fam("sov-zh", ["sovereignty"], "neutral", "neutral", "zh", False,
    "越南外交部就南海问题表态 || 越方重申对黄沙群岛和长沙群岛拥有主权，呼吁各方遵守《联合国海洋法公约》。",
    "中越陆地边界管理合作会议举行 || 双方边防部门就界碑巡查和边境管理交换意见。")
fam("sov-fr", ["sovereignty"], "neutral", "neutral", "fr", False,
    "Le Vietnam réaffirme sa souveraineté sur les îles Paracels || Hanoï appelle au respect de la Convention des Nations unies sur le droit de la mer en mer Orientale.")
fam("sov-social", ["sovereignty"], "negative", "distorting", "vi", True,
    "Nghe noi cot moc bien gioi bi doi vao sau may km ma khong ai noi || Tin chuan 100% anh em share manh, chinh quyen giau dan het roi.")

# ------------------------------------------------------------------------------------ foreign relations
fam("fr-delegation", ["foreign_relations"], "positive", "supportive", "vi", False,
    "Lãnh đạo tỉnh {p} tiếp Đại sứ {x} tại Việt Nam || Hai bên trao đổi về hợp tác quốc tế, thúc đẩy kết nối địa phương và ngoại giao kinh tế.",
    "Đoàn công tác tỉnh {p} thăm và làm việc tại {x} || Đoàn ra ký biên bản ghi nhớ hợp tác với địa phương nước ngoài trong lĩnh vực giáo dục, nông nghiệp.")
fam("fr-laos", ["foreign_relations"], "positive", "supportive", "vi", False,
    "{p} tăng cường hợp tác với tỉnh bạn của nước Cộng hòa Dân chủ Nhân dân Lào || Hai tỉnh ký kết thỏa thuận hợp tác giai đoạn mới, hỗ trợ đào tạo {n} lưu học sinh Lào.",
    "Gặp mặt lưu học sinh Lào nhân dịp Tết cổ truyền Bunpimay || Tình hữu nghị đặc biệt Việt Nam - Lào tiếp tục được vun đắp qua giao lưu nhân dân.")
fam("fr-overseas", ["foreign_relations"], "positive", "supportive", "vi", False,
    "Gặp mặt kiều bào {p} về quê đón Tết || Người Việt Nam ở nước ngoài đóng góp kiều hối và kết nối đầu tư về quê hương.",
    "Chương trình Xuân Quê hương đón {n} kiều bào || Kiều bào chia sẻ mong muốn đóng góp xây dựng quê hương.")
fam("fr-people", ["foreign_relations"], "positive", "supportive", "vi", True,
    "Liên hiệp các tổ chức hữu nghị tỉnh {p} giao lưu với tình nguyện viên {x} || Hoạt động đối ngoại nhân dân góp phần tăng cường hiểu biết giữa nhân dân hai nước.",
    "Đón đoàn khách quốc tế thăm {d}, thúc đẩy hợp tác hữu nghị || Đoàn vào tìm hiểu cơ hội hợp tác, giao lưu văn hóa với địa phương.")
fam("fr-press", ["foreign_relations"], "neutral", "neutral", "vi", False,
    "Phóng viên báo chí nước ngoài tác nghiệp tại {p} || Sở Ngoại vụ hướng dẫn {n} phóng viên nước ngoài đưa tin về lễ hội và dự án FDI.",)
fam("fr-distort", ["foreign_relations"], "negative", "distorting", "vi", False,
    "Lãnh đạo tỉnh đi nước ngoài chỉ để du lịch bằng tiền thuế || Trang mạng lan truyền tin chuyến công tác tại {x} là đi chơi, không ký được gì, kèm ảnh cắt ghép.",
    "Quan hệ với nước láng giềng chỉ là bán nước || Bài viết kích động cho rằng mọi thỏa thuận hợp tác đều là đầu hàng, kêu gọi tẩy chay.")
fam("fr-en", ["foreign_relations"], "positive", "supportive", "en", False,
    "{pe} leaders receive ambassador of {xe} to discuss cooperation || The two sides agreed to expand exchanges in education and agriculture.",
    "{pe} signs friendship agreement with a Lao province || Officials pledged deeper people-to-people ties and scholarships for Lao students.")
fam("fr-ko", ["foreign_relations", "investment_economy"], "positive", "supportive", "ko", False,
    "박닌성 대표단, 한국 지방정부와 협력 협약 체결 || 양측은 투자와 인적 교류 확대에 합의했다.",
    "베트남 박장성, 한국 기업 투자 유치 설명회 개최 || 한국 기업 {n}곳이 참석해 산업단지 투자 기회를 논의했다.")
fam("fr-ja", ["foreign_relations"], "positive", "supportive", "ja", True,
    "フンイエン省代表団が日本の自治体と交流 || 両地域は教育と農業分野での協力拡大で合意した。",
    "ベトナム・バクニン省、日本大使と会談 || 省指導者は日本企業の投資と人材交流の促進を求めた。")
fam("fr-fr", ["foreign_relations"], "positive", "supportive", "fr", False,
    "La province de {pe} accueille une délégation française || Les deux parties ont signé un protocole de coopération décentralisée dans le domaine de la santé.")

# ------------------------------------------------------------------------------------ human rights
fam("hr-report", ["human_rights"], "positive", "supportive", "vi", False,
    "{p} bảo đảm quyền con người trong cải cách tư pháp || Tỉnh tuyên truyền về thành tựu bảo đảm nhân quyền, quyền tiếp cận công lý của người dân.",
    "Hội nghị tập huấn công tác nhân quyền cho {n} cán bộ || Ban Chỉ đạo nhân quyền tỉnh {p} phổ biến Công ước chống tra tấn và quyền trẻ em.")
fam("hr-distort", ["human_rights"], "negative", "distorting", "vi", False,
    "Việt Nam đàn áp nhân quyền, bỏ tù người nói thật || Bài đăng trên mạng xã hội xuyên tạc rằng ở {p} không có tự do ngôn luận, người dân bị bắt vì một bình luận.",
    "Tổ chức nước ngoài tung báo cáo sai sự thật về tự do tôn giáo, nhân quyền ở {p} || Báo cáo dựng chuyện người dân bị cấm đoán, trích dẫn nguồn không kiểm chứng, kêu gọi cấm vận.")
fam("hr-democracy", ["human_rights"], "neutral", "neutral", "vi", True,
    "Lấy ý kiến nhân dân về quy chế dân chủ ở cơ sở tại {p} || Luật Thực hiện dân chủ ở cơ sở bảo đảm quyền được biết, được bàn, được kiểm tra của người dân.",
    "Tọa đàm về quyền tự do ngôn luận và trách nhiệm trên không gian mạng || Các đại biểu thảo luận về bảo đảm quyền tự do báo chí gắn với tuân thủ pháp luật.")
fam("hr-rebut", ["human_rights"], "neutral", "neutral", "vi", False,
    "Bác bỏ luận điệu sai trái về nhân quyền ở {p} || Cơ quan chức năng cung cấp thông tin chính thống, khẳng định người bị xử lý là do vi phạm pháp luật, không phải vì quan điểm.")
fam("hr-en", ["human_rights"], "negative", "neutral", "en", False,
    "Rights group criticises detention of blogger in {pe} || The report calls for the release of the writer and more room for freedom of expression.",
    "UN review discusses Vietnam's human rights record || Delegates raised press freedom and civil society while Hanoi cited progress on poverty reduction.")
fam("hr-en-distort", ["human_rights"], "negative", "distorting", "en", True,
    "SHOCKING: Vietnam bans all churches and jails believers, insiders say || A viral post claims every worshipper in {pe} was arrested last night; no evidence or source is given. Share before it is deleted.")
fam("hr-fr", ["human_rights"], "negative", "neutral", "fr", False,
    "Une ONG dénonce des atteintes à la liberté d'expression au Vietnam || Le rapport appelle à la libération de blogueurs détenus.")
fam("hr-social", ["human_rights"], "negative", "distorting", "vi", False,
    "o viet nam noi that la bi bat, khong co nhan quyen gi het || ai con tin bao nha nuoc thi tinh lai di, tu do ngon luan = 0, share cho moi nguoi biet")

# ----------------------------------------------------------------------------- religion and ethnicity
fam("rel-festival", ["religion_ethnicity"], "positive", "supportive", "vi", False,
    "Giáo hội Phật giáo tỉnh {p} tổ chức Đại lễ Phật đản || Hàng nghìn tăng ni, phật tử tham dự, chính quyền tạo điều kiện cho sinh hoạt tôn giáo.",
    "Chúc mừng Giáng sinh các giáo xứ trên địa bàn {p} || Lãnh đạo tỉnh thăm, tặng quà linh mục và đồng bào Công giáo, ghi nhận đóng góp của các tôn giáo.")
fam("rel-ethnic", ["religion_ethnicity", "social_welfare"], "positive", "supportive", "vi", False,
    "Chăm lo đời sống đồng bào dân tộc thiểu số ở {d} || Chương trình mục tiêu quốc gia hỗ trợ {n} hộ đồng bào Dao, Tày, Mông làm nhà, nước sạch.",
    "Người có uy tín trong đồng bào dân tộc thiểu số {p} được tôn vinh || {n} già làng, trưởng bản được khen thưởng vì giữ gìn khối đại đoàn kết.")
fam("rel-law", ["religion_ethnicity"], "neutral", "neutral", "vi", True,
    "Hướng dẫn đăng ký sinh hoạt tôn giáo tập trung tại {p} || Ban Tôn giáo hướng dẫn các nhóm tín đồ thực hiện Luật Tín ngưỡng, tôn giáo.",
    "Xử lý đối tượng truyền đạo trái pháp luật ở vùng đồng bào dân tộc || Chính quyền vận động người dân không nghe theo tà đạo, không tham gia tổ chức bất hợp pháp.")
fam("rel-ethnic-culture", ["religion_ethnicity", "tourism_culture"], "positive", "supportive", "vi", False,
    "Ngày hội văn hóa các dân tộc {p} năm 2026 || Đồng bào Tày, Nùng, Sán Dìu trình diễn trang phục truyền thống, hát then, đàn tính.")
fam("rel-distort", ["religion_ethnicity"], "negative", "distorting", "vi", False,
    "Chính quyền {p} đàn áp người theo đạo, phá nhà thờ || Video cắt ghép lan truyền trên mạng, kích động đồng bào dân tộc thiểu số chống lại chính quyền; nội dung sai sự thật.",
    "Người dân tộc thiểu số bị cướp đất, bị cấm nói tiếng mẹ đẻ || Bài viết xuyên tạc, chia rẽ khối đại đoàn kết dân tộc, không đưa ra bằng chứng.")
fam("rel-en", ["religion_ethnicity"], "neutral", "neutral", "en", False,
    "Buddhist followers celebrate Vesak in {pe} || Thousands gathered at the provincial pagoda as authorities facilitated the ceremony.",
    "Ethnic minority communities in {pe} receive support for housing || The Hmong and Dao families will get new homes under the national target programme.")
fam("rel-zh", ["religion_ethnicity"], "neutral", "neutral", "zh", True,
    "越南{pe}省少数民族文化节开幕 || 岱依族、侬族等少数民族同胞展示传统服饰和歌舞。")
fam("rel-social", ["religion_ethnicity"], "negative", "distorting", "vi", True,
    "nha tho o ban toi bi pha roi, chinh quyen cam dan theo dao || dong bao dan toc bi ep bo dao, ai biet thi chia se, dung tin bao chi")

# ------------------------------------------------------------------------------ investment, economy
fam("inv-fdi", ["investment_economy"], "positive", "supportive", "vi", False,
    "Trao giấy chứng nhận đăng ký đầu tư cho dự án {n} triệu USD của {c} tại {p} || Dự án FDI sản xuất linh kiện điện tử dự kiến tạo việc làm và nâng cao giá trị xuất khẩu.",
    "{p} thu hút hơn {n} triệu USD vốn đầu tư nước ngoài trong quý III || Tỉnh tiếp tục dẫn đầu cả nước về thu hút FDI nhờ cải thiện môi trường đầu tư.")
fam("inv-pci", ["investment_economy"], "positive", "supportive", "vi", False,
    "Chỉ số PCI của {p} tăng {n} bậc || Cải cách hành chính, chuyển đổi số giúp doanh nghiệp hài lòng hơn với chính quyền.",
    "{p} dẫn đầu cả nước về chỉ số cải cách hành chính PAR INDEX || Tỉnh rút ngắn thời gian giải quyết thủ tục cho nhà đầu tư.")
fam("inv-agri", ["investment_economy"], "positive", "supportive", "vi", False,
    "Vải thiều {p} xuất khẩu sang {x} tăng mạnh || Nông sản đạt chuẩn OCOP, mã số vùng trồng giúp mở rộng thị trường xuất khẩu.",
    "Hội nghị xúc tiến thương mại nông sản {p} năm 2026 || {n} doanh nghiệp ký kết tiêu thụ cam, bưởi, chè cho nông dân.")
fam("inv-decline", ["investment_economy"], "negative", "neutral", "vi", True,
    "Xuất khẩu của {p} sụt giảm do đơn hàng điện tử giảm mạnh || Kim ngạch xuất khẩu 9 tháng giảm {n} triệu USD, nhiều doanh nghiệp thu hẹp sản xuất.",
    "Chỉ số PCI của {p} tụt hạng || Doanh nghiệp phản ánh thủ tục đất đai còn chậm, chi phí không chính thức tăng.")
fam("inv-digital", ["investment_economy"], "positive", "supportive", "vi", False,
    "{p} đẩy mạnh chuyển đổi số, {n} thủ tục được giải quyết trực tuyến || Kinh tế số đóng góp ngày càng lớn vào tăng trưởng của tỉnh.")
fam("inv-fta", ["investment_economy"], "neutral", "neutral", "vi", False,
    "Doanh nghiệp {p} tận dụng hiệp định EVFTA để xuất khẩu || Hội thảo hướng dẫn quy tắc xuất xứ, cắt giảm thuế quan theo các hiệp định thương mại tự do.")
fam("inv-trademark", ["investment_economy"], "neutral", "neutral", "vi", False,
    "Bảo hộ chủ quyền thương hiệu vải thiều Lục Ngạn tại {x} || Nhãn hiệu chứng nhận giúp nông sản địa phương khẳng định chủ quyền thương hiệu ở thị trường quốc tế.",
    "Doanh nghiệp cần xác lập chủ quyền nhãn hiệu trước khi xuất khẩu || Chuyên gia khuyến cáo đăng ký bảo hộ sở hữu trí tuệ để tránh bị chiếm đoạt thương hiệu.")
fam("inv-en", ["investment_economy"], "positive", "supportive", "en", False,
    "{ce} to invest ${n} million in new plant in {pe} || The electronics maker received its investment certificate for a factory in an industrial park.",
    "{pe} tops national rankings for foreign direct investment || The province attracted record FDI as it streamlined procedures for investors.")
fam("inv-en-neg", ["investment_economy"], "negative", "neutral", "en", True,
    "Exports from {pe} slump as electronics orders fall || Several suppliers cut output and the province revised its growth target.")
fam("inv-zh", ["investment_economy"], "positive", "supportive", "zh", False,
    "越南{pe}省吸引外资创新高 || 该省今年新批外国直接投资项目{n}个，电子产业占主导。")
fam("inv-ko", ["investment_economy"], "positive", "supportive", "ko", True,
    "{ce}, 베트남 {pe}에 신규 공장 투자 || 전자부품 공장 투자 허가서를 받았으며 현지 일자리 창출이 기대된다.")
fam("inv-ja", ["investment_economy"], "positive", "supportive", "ja", False,
    "日系企業、ベトナム{pe}省に新工場 || 電子部品工場の投資証明書を取得し、来年稼働の予定。")
fam("inv-distort", ["investment_economy"], "negative", "distorting", "vi", False,
    "Nhà đầu tư nước ngoài đang tháo chạy hết khỏi {p} || Bài đăng bịa đặt rằng các tập đoàn đã rút vốn, tỉnh sắp phá sản, kèm số liệu không có nguồn.")

# --------------------------------------------------------------------------------------------- labour
fam("lab-strike", ["labour"], "negative", "neutral", "vi", False,
    "Hơn {n} công nhân Công ty {c} ngừng việc tập thể || Người lao động tại khu công nghiệp {d} đề nghị tăng lương, điều chỉnh chế độ tăng ca.",
    "Công nhân đình công tại KCN {d} vì bị nợ lương || {n} người lao động tập trung trước cổng nhà máy, Ban Quản lý các KCN vào cuộc đối thoại.")
fam("lab-resolve", ["labour"], "positive", "supportive", "vi", False,
    "Đối thoại thành công, {n} công nhân trở lại làm việc || Doanh nghiệp đồng ý tăng phụ cấp, Liên đoàn Lao động tỉnh {p} giám sát việc thực hiện.",
    "{p} chăm lo Tết cho công nhân các khu công nghiệp || Công đoàn trao {n} suất quà, hỗ trợ vé xe cho người lao động về quê.")
fam("lab-recruit", ["labour"], "neutral", "neutral", "vi", True,
    "Doanh nghiệp ở KCN {d} tuyển {n} lao động cuối năm || Nhu cầu tuyển dụng công nhân lắp ráp tăng, mức lương khởi điểm từ 6 triệu đồng.",
    "Thị trường lao động {p}: nhiều doanh nghiệp cắt giảm giờ làm || Người lao động lo ngại thu nhập giảm khi đơn hàng sụt.")
fam("lab-safety", ["labour", "local_issues"], "negative", "critical", "vi", False,
    "Công nhân bị ngộ độc thực phẩm tại nhà máy ở {d} || {n} người lao động phải cấp cứu sau bữa ăn ca, bếp ăn không bảo đảm an toàn; đề nghị xử lý nghiêm.")
fam("lab-distort", ["labour"], "negative", "distorting", "vi", False,
    "Công nhân KCN {d} bị đánh đập, chính quyền bao che || Bài đăng sai sự thật kêu gọi toàn bộ công nhân đình công, bạo loạn, kèm video cũ từ nơi khác.")
fam("lab-en", ["labour"], "negative", "neutral", "en", False,
    "Thousands of workers walk out at {ce} factory in {pe} || Employees demanded higher wages and better overtime pay; labour officials opened talks.",
    "Wage arrears spark protest at industrial park in {pe} || Around {n} workers gathered at the gate of the garment plant.")
fam("lab-en-pos", ["labour"], "positive", "supportive", "en", True,
    "Workers return after wage deal at {pe} electronics plant || Management agreed to raise allowances after a day of dialogue mediated by the trade union.")
fam("lab-ko", ["labour"], "negative", "neutral", "ko", False,
    "베트남 {pe} 공단 근로자 파업 || 근로자 {n}명이 임금 인상을 요구하며 작업을 중단했다.")
fam("lab-zh", ["labour"], "negative", "neutral", "zh", True,
    "越南{pe}工业区工人停工 || 约{n}名工人要求提高工资，当局介入对话。")
fam("lab-social", ["labour"], "negative", "critical", "vi", False,
    "cong ty o kcn {dd} no luong 3 thang roi ma khong ai giai quyet || cong nhan bon em kho qua, mong cac co quan vao cuoc giup")

# ------------------------------------------------------------------------------- tourism and culture
fam("tour-festival", ["tourism_culture"], "positive", "supportive", "vi", False,
    "Khai mạc lễ hội du lịch {d} năm 2026 || Hàng nghìn du khách đổ về thưởng thức ẩm thực, các hoạt động văn hóa, thể thao đặc sắc.",
    "{p} đón {n} nghìn lượt khách du lịch dịp nghỉ lễ || Doanh thu du lịch tăng mạnh, các khu du lịch sinh thái kín phòng.")
fam("tour-heritage", ["tourism_culture"], "positive", "supportive", "vi", False,
    "Chùa Bút Tháp đón bằng di tích quốc gia đặc biệt || Ngôi chùa cổ với kiến trúc độc đáo là điểm đến di sản hấp dẫn của {p}.",
    "Quan họ Bắc Ninh được giới thiệu tại {x} || Chương trình quảng bá di sản văn hóa phi vật thể của nhân loại thu hút đông đảo khán giả.")
fam("tour-sport", ["tourism_culture"], "positive", "neutral", "vi", False,
    "Đội bóng {p} khẳng định chủ quyền sân nhà với chiến thắng 3-0 || Các cầu thủ chủ nhà thi đấu áp đảo, giữ vững ngôi đầu bảng giải hạng Nhất.",
    "Giải việt dã {d} thu hút {n} vận động viên || Giải chạy là hoạt động thể thao lớn nhất năm của tỉnh.")
fam("tour-history", ["tourism_culture"], "neutral", "neutral", "vi", True,
    "Kỷ niệm 90 năm cuộc đình công của thợ mỏ Quảng Ninh năm 1936 || Cuộc đình công lịch sử là dấu mốc trong phong trào công nhân; nhà trưng bày giới thiệu hiện vật tư liệu.",
    "Phục dựng lễ hội truyền thống tại đình làng {d} || Lễ hội tái hiện tích cổ, góp phần bảo tồn giá trị văn hóa.")
fam("tour-seaisland", ["tourism_culture"], "positive", "supportive", "vi", False,
    "Tour biển đảo Cô Tô hút khách dịp hè || Các công ty lữ hành tung ra gói du lịch biển, đảo giá rẻ, du khách trải nghiệm lặn ngắm san hô.")
fam("tour-negative", ["tourism_culture", "local_issues"], "negative", "critical", "vi", True,
    "Du khách bức xúc vì bị chặt chém giá tại khu du lịch {d} || Nhiều người phản ánh giá dịch vụ tăng gấp đôi, vệ sinh kém; đề nghị ngành du lịch chấn chỉnh.")
fam("tour-en", ["tourism_culture"], "positive", "supportive", "en", False,
    "Flower season draws record crowds to {pe} || Tourism officials said hotels were fully booked as visitors flocked to the highland festival.",
    "Ancient pagoda in {pe} recognised as special national relic || The heritage site is expected to attract more visitors.")
fam("tour-ja", ["tourism_culture"], "positive", "supportive", "ja", False,
    "ベトナム{pe}省で観光祭りが開幕 || 伝統文化と料理を楽しむ観光客で賑わった。")
fam("tour-ko", ["tourism_culture"], "positive", "supportive", "ko", True,
    "베트남 {pe}, 꽃 축제로 관광객 몰려 || 호텔 예약이 가득 찼으며 관광 수입이 크게 늘었다.")
fam("tour-fr", ["tourism_culture"], "positive", "supportive", "fr", False,
    "La province de {pe} attire les touristes avec son festival des fleurs || Les hôtels affichent complet pendant le week-end.")
fam("tour-social", ["tourism_culture"], "positive", "neutral", "vi", False,
    "cuoi tuan di {dd} check in dep xiu luon moi nguoi oi || canh dep, do an ngon, gia ca hop ly, nen di thu nha")

# ------------------------------------------------------------------------------------- local issues
fam("loc-pollution", ["local_issues"], "negative", "critical", "vi", False,
    "Người dân {d} bức xúc vì bãi rác gây ô nhiễm kéo dài || Mùi hôi và nước rỉ rác chảy ra ruộng, người dân đề nghị chính quyền sớm xử lý dứt điểm.",
    "Nhà máy xả thải ra sông, cá chết hàng loạt ở {d} || Người dân phản ánh nhiều lần nhưng tình trạng ô nhiễm vẫn chưa được khắc phục.")
fam("loc-road", ["local_issues"], "negative", "critical", "vi", False,
    "Đường tỉnh qua {d} xuống cấp nghiêm trọng, dự án chậm tiến độ {n} ngày || Ổ gà, bụi mù khiến người dân bức xúc, nhiều vụ tai nạn xảy ra.",
    "Dự án treo nhiều năm, người dân {d} khổ sở || Đất đã thu hồi bỏ hoang, người dân không được đền bù thỏa đáng.")
fam("loc-corruption", ["local_issues"], "negative", "neutral", "vi", True,
    "Khởi tố nguyên chủ tịch xã ở {d} về tội tham ô || Cơ quan điều tra xác định sai phạm trong quản lý đất đai gây thất thoát {n} tỷ đồng.",
    "Thanh tra chỉ ra hàng loạt sai phạm tại dự án khu đô thị ở {p} || Kết luận thanh tra kiến nghị thu hồi tiền và xử lý trách nhiệm cá nhân.")
fam("loc-accident", ["local_issues"], "negative", "neutral", "vi", False,
    "Tai nạn giao thông nghiêm trọng trên quốc lộ qua {d}, {n} người bị thương || Xe tải mất lái đâm vào nhóm xe máy; cơ quan chức năng điều tra nguyên nhân.",
    "Cháy xưởng gỗ ở {d}, thiệt hại hàng tỷ đồng || Lực lượng cứu hỏa mất nhiều giờ mới khống chế được đám cháy.")
fam("loc-fixed", ["local_issues"], "positive", "supportive", "vi", False,
    "Sau phản ánh của báo chí, {d} đã xử lý dứt điểm bãi rác tự phát || Chính quyền tiếp thu, khắc phục kịp thời, người dân hài lòng.")
fam("loc-land", ["local_issues"], "negative", "critical", "vi", True,
    "Hàng chục hộ dân {d} khiếu kiện kéo dài về đền bù đất || Người dân cho rằng giá bồi thường quá thấp, đề nghị tỉnh {p} xem xét lại.",
    "Trường học xuống cấp, học sinh {d} học trong lớp dột nát || Phụ huynh lo lắng cho an toàn của con em, mong ngành giáo dục sớm sửa chữa.")
fam("loc-distort", ["local_issues"], "negative", "distorting", "vi", False,
    "Tin đồn nước máy {p} nhiễm độc, hàng trăm người nhập viện || Bài đăng lan truyền hình ảnh cũ, thông tin bịa đặt gây hoang mang; thực tế không có ca nào.",
    "Cả xã {d} bị cưỡng chế đất, chính quyền đánh dân || Video cắt ghép đăng kèm lời kêu gọi tụ tập, nội dung sai sự thật.")
fam("loc-en", ["local_issues"], "negative", "critical", "en", False,
    "Residents in {pe} complain of dust and pollution from stalled road project || Locals say the delayed works have damaged homes and caused accidents.",
    "Former commune official in {pe} prosecuted for embezzlement || Investigators say the land management violations caused losses of billions of dong.")
fam("loc-en-distort", ["local_issues"], "negative", "distorting", "en", True,
    "Viral post falsely claims tap water in {pe} is poisoned || The post, using old photos, urged people to stop drinking water; health officials say no cases exist.")
fam("loc-social", ["local_issues"], "negative", "critical", "vi", False,
    "duong o {dd} hu hong qua troi ma khong ai sua || moi lan mua la ngap, xe may chet may, mong chinh quyen xem lai",
    "bai rac gan nha toi boc mui kinh khung may thang nay roi || tre con ho suot, dan phan anh bao lan van vay")
fam("loc-zh", ["local_issues"], "negative", "critical", "zh", False,
    "越南{pe}省居民投诉垃圾场污染 || 居民表示恶臭持续数月，要求当局尽快处理。")

# ------------------------------------------------------------------------------ politics, governance
fam("pol-congress", ["politics_governance"], "positive", "supportive", "vi", False,
    "Đại hội đại biểu Đảng bộ tỉnh {p} nhiệm kỳ 2025-2030 thành công tốt đẹp || Đại hội bầu Ban Chấp hành, thông qua Nghị quyết với {n} chỉ tiêu phát triển.",
    "Hội nghị Tỉnh ủy {p} lần thứ {n} || Hội nghị đánh giá kết quả lãnh đạo, chỉ đạo và bàn nhiệm vụ trọng tâm năm tới.")
fam("pol-council", ["politics_governance"], "neutral", "neutral", "vi", False,
    "Kỳ họp HĐND tỉnh {p} xem xét {n} tờ trình || Đại biểu chất vấn về giải ngân vốn đầu tư công và cải cách thủ tục hành chính.",
    "UBND tỉnh {p} họp phiên thường kỳ tháng 10 || Chủ tịch UBND yêu cầu các sở, ngành tập trung hoàn thành kế hoạch năm.")
fam("pol-presser", ["politics_governance"], "neutral", "neutral", "vi", True,
    "{p} họp báo cung cấp thông tin chính thống về kinh tế - xã hội || Người phát ngôn trả lời câu hỏi của phóng viên về các vấn đề dư luận quan tâm.",
    "Sở TTTT {p} ra mắt Cổng thông tin đối ngoại điện tử || Cổng thông tin quảng bá hình ảnh địa phương bằng nhiều ngôn ngữ.")
fam("pol-secrets", ["politics_governance"], "negative", "neutral", "vi", False,
    "Xử lý cán bộ làm lộ bí mật nhà nước trên mạng xã hội || Công an tỉnh {p} cảnh báo nguy cơ lộ lọt tài liệu mật, yêu cầu tăng cường an ninh thông tin.")
fam("pol-national-unity", ["politics_governance"], "positive", "supportive", "vi", False,
    "Ngày hội đại đoàn kết toàn dân tộc tại khu dân cư {d} || Mặt trận Tổ quốc phát huy sức mạnh khối đại đoàn kết dân tộc trong xây dựng nông thôn mới.")
fam("pol-distort", ["politics_governance"], "negative", "distorting", "vi", False,
    "Nội bộ lãnh đạo tỉnh {p} chia rẽ, sắp bị kỷ luật hàng loạt || Trang mạng tung tin bịa đặt về nhân sự đại hội, dẫn nguồn giấu tên, kêu gọi chia sẻ.",
    "Đại hội Đảng chỉ là dàn xếp, dân không có tiếng nói || Bài viết xuyên tạc, bôi nhọ chế độ, kêu gọi tẩy chay bầu cử.")
fam("pol-en", ["politics_governance"], "neutral", "neutral", "en", False,
    "{pe} People's Council opens year-end session || Deputies will question department heads on public investment and administrative reform.",
    "Provincial Party Congress in {pe} elects new executive committee || The congress set targets for growth and digital government for the next five years.")
fam("pol-ja", ["politics_governance"], "neutral", "neutral", "ja", True,
    "ベトナム{pe}省人民評議会が年末会期を開会 || 代表は公共投資と行政改革について質疑を行う。")
fam("pol-social", ["politics_governance"], "negative", "distorting", "vi", True,
    "nghe noi lanh dao tinh sap bi bat het, noi bo dau dau || tin mat tu nguoi trong cuoc, bao chi khong dam dang dau, share gap")


fam("hr-children", ["human_rights", "social_welfare"], "positive", "supportive", "vi", False,
    "{p} bảo đảm quyền trẻ em, quyền của người khuyết tật || Tỉnh ban hành kế hoạch thực hiện Công ước Liên hợp quốc về quyền của người khuyết tật, hỗ trợ {n} trẻ em có hoàn cảnh đặc biệt.",
    "Bảo đảm quyền bầu cử, ứng cử của công dân tại {d} || Cử tri được tạo điều kiện thực hiện quyền làm chủ, tỷ lệ đi bầu đạt {n}%.")
fam("hr-en-report", ["human_rights"], "neutral", "neutral", "en", False,
    "Vietnam presents report on implementation of the Convention against Torture || The delegation outlined legal reforms and training for police in {pe}.",
    "Freedom of the press debated at {pe} media forum || Journalists and officials discussed access to information and civil liberties.")
fam("hr-trial-distort", ["human_rights"], "negative", "distorting", "vi", True,
    "Phiên tòa xử người bất đồng chính kiến là trò hề, vi phạm nhân quyền || Trang mạng nước ngoài dựng chuyện bị cáo bị tra tấn, cắt ghép phát biểu của luật sư; thông tin hoàn toàn sai sự thật.",
    "Không có tự do báo chí, mọi nhà báo ở {p} đều bị kiểm duyệt || Bài viết xuyên tạc tình hình dân chủ, nhân quyền, kêu gọi các tổ chức quốc tế can thiệp.")
fam("rel-pilgrimage", ["religion_ethnicity"], "neutral", "neutral", "vi", False,
    "Hàng nghìn tín đồ Công giáo hành hương về giáo xứ {d} || Chính quyền bố trí lực lượng bảo đảm an ninh trật tự cho các hoạt động tôn giáo.",
    "Đại hội Phật giáo tỉnh {p} nhiệm kỳ mới || Đại hội suy tôn Hội đồng chứng minh, bầu Ban Trị sự gồm {n} chức sắc, tăng ni.")
fam("rel-ethnic-policy", ["religion_ethnicity"], "positive", "supportive", "vi", True,
    "Ban Dân tộc tỉnh {p} triển khai chính sách cho vùng đồng bào dân tộc thiểu số và miền núi || {n} thôn bản đặc biệt khó khăn được đầu tư đường, điện, trường học.",
    "Bảo tồn tiếng nói, chữ viết của đồng bào dân tộc Dao ở {d} || Lớp học chữ Nôm Dao thu hút đông đảo thanh niên tham gia.")
fam("rel-en-2", ["religion_ethnicity"], "positive", "supportive", "en", False,
    "Catholic parishes in {pe} celebrate Christmas with local leaders || Provincial officials visited priests and thanked religious communities for their charity work.",
    "Ethnic Dao language classes revive traditions in {pe} || Young people are learning the script with support from the provincial ethnic affairs committee.")
fam("pol-admin", ["politics_governance"], "neutral", "neutral", "vi", False,
    "Sắp xếp đơn vị hành chính cấp xã tại {p}: từ {n} còn 60 xã, phường || Chính quyền địa phương hai cấp chính thức vận hành, bảo đảm không gián đoạn phục vụ người dân.",
    "Bổ nhiệm Giám đốc Sở Nội vụ tỉnh {p} || Chủ tịch UBND tỉnh trao quyết định và giao nhiệm vụ tinh gọn bộ máy.")

# ------------------------------------------------------------------------------------ social welfare
fam("soc-poverty", ["social_welfare"], "positive", "supportive", "vi", False,
    "{p} giảm tỷ lệ hộ nghèo xuống còn {n}% || Chương trình mục tiêu quốc gia giảm nghèo bền vững đạt và vượt kế hoạch.",
    "Xóa nhà tạm, nhà dột nát cho {n} hộ nghèo ở {d} || Các hộ nghèo, hộ cận nghèo phấn khởi nhận nhà mới trước Tết.")
fam("soc-health", ["social_welfare"], "positive", "supportive", "vi", False,
    "Bệnh viện đa khoa tỉnh {p} triển khai kỹ thuật mới || Người bệnh được điều trị ngay tại tỉnh, giảm chi phí, được bảo hiểm y tế chi trả.",
    "Tiêm chủng mở rộng cho {n} trẻ em tại {d} || Ngành y tế bảo đảm an toàn, người dân hưởng ứng tích cực.")
fam("soc-education", ["social_welfare"], "neutral", "neutral", "vi", True,
    "{p} tuyển sinh lớp 10 với {n} chỉ tiêu || Sở Giáo dục và Đào tạo công bố phương án thi, học sinh vùng khó được cộng điểm ưu tiên.",
    "Trao học bổng cho học sinh nghèo vượt khó ở {d} || {n} suất học bổng giúp các em có điều kiện đến trường.")
fam("soc-disaster", ["social_welfare"], "negative", "neutral", "vi", False,
    "Mưa lũ gây sạt lở, {n} hộ dân ở {d} phải di dời khẩn cấp || Chính quyền hỗ trợ lương thực, nhu yếu phẩm cho người dân vùng lũ.",
    "Bão số 3 làm hư hỏng nhà cửa ở {p} || Tỉnh trích ngân sách cứu trợ, khắc phục hậu quả thiên tai.")
fam("soc-critical", ["social_welfare", "local_issues"], "negative", "critical", "vi", False,
    "Bệnh nhân chờ khám hàng giờ, trạm y tế {d} thiếu thuốc || Người dân phản ánh bất cập trong khám chữa bệnh bảo hiểm y tế, đề nghị ngành y tế khắc phục.")
fam("soc-en", ["social_welfare"], "positive", "supportive", "en", False,
    "{pe} cuts poverty rate as new homes handed to poor families || The national target programme funded housing for {n} households.",
    "Floods force evacuation of {n} households in {pe} || Authorities delivered food and supplies to affected residents.")
fam("soc-ko", ["social_welfare"], "positive", "supportive", "ko", False,
    "베트남 {pe}성, 빈곤 가구에 새집 지원 || 국가 목표 프로그램으로 {n}가구가 새 집을 받았다.")
fam("soc-fr", ["social_welfare"], "negative", "neutral", "fr", True,
    "Inondations dans la province de {pe} : {n} foyers évacués || Les autorités distribuent des vivres aux habitants sinistrés.")
fam("soc-social", ["social_welfare"], "positive", "neutral", "vi", False,
    "xa minh vua duoc ho tro xay nha cho ba con ngheo, vui qua || cam on doan thanh nien va chinh quyen da giup do")

# ------------------------------------------------------------------------- topic-free and mixed items
fam("none-weather", [], "neutral", "neutral", "vi", False,
    "Dự báo thời tiết: miền Bắc trời rét, nhiệt độ thấp nhất {n} độ || Không khí lạnh tăng cường, vùng núi có sương muối.",
    "Giá vàng hôm nay tiếp tục biến động || Giá vàng trong nước đi ngang theo thị trường thế giới.")
fam("none-science", [], "neutral", "neutral", "vi", True,
    "Phát hiện loài ếch mới ở vùng núi phía Bắc || Các nhà khoa học công bố loài mới trên tạp chí quốc tế.",
    "Mẹo bảo quản rau củ tươi lâu trong tủ lạnh || Chuyên gia dinh dưỡng chia sẻ cách sơ chế trước khi cất trữ.")
fam("none-en", [], "neutral", "neutral", "en", False,
    "New smartphone goes on sale with larger battery || Reviewers praised the camera but criticised the price.",
    "Weather: cold spell to hit northern provinces this weekend || Temperatures may drop to 8C in mountainous areas.")
fam("mix-fdi-labour", ["investment_economy", "labour"], "positive", "supportive", "vi", False,
    "Nhà máy {c} mới ở KCN {d} tuyển {n} công nhân || Dự án FDI vừa đi vào hoạt động, giải quyết việc làm cho lao động địa phương.")
fam("mix-border-trade", ["investment_economy", "sovereignty"], "positive", "supportive", "vi", True,
    "Kim ngạch xuất nhập khẩu qua cửa khẩu Hữu Nghị tăng {n}% || Hoạt động thông quan tại cửa khẩu biên giới thuận lợi, nông sản xuất khẩu tăng mạnh.")
fam("mix-delegation-tourism", ["foreign_relations", "tourism_culture"], "positive", "supportive", "vi", False,
    "Đoàn khách {x} khảo sát du lịch tại {p} || Hai bên thảo luận hợp tác quảng bá du lịch, văn hóa và mở đường bay thẳng.")
fam("mix-laos-labour-history", ["tourism_culture", "foreign_relations"], "neutral", "neutral", "vi", False,
    "Triển lãm ảnh về tình hữu nghị Việt Nam - Lào tại bảo tàng {p} || Nhiều hiện vật về Cộng hòa Dân chủ Nhân dân Lào được giới thiệu tới khách tham quan.")


# hand-typed singles that templates cannot produce well: (id, topics, sentiment, stance, lang, dev, title, text)
SINGLES = [
    ("hn-chuquyen-fashion", ["investment_economy"], "neutral", "neutral", "vi", False,
     "Thương hiệu thời trang Việt giành lại chủ quyền tên miền", "Sau hai năm tranh chấp, doanh nghiệp đã lấy lại tên miền và nhãn hiệu của mình."),
    ("hn-chuquyen-football", ["tourism_culture"], "positive", "neutral", "vi", True,
     "Hoàng Anh Gia Lai bảo vệ chủ quyền sân Pleiku", "Đội bóng phố núi thắng thuyết phục và tiếp tục bất bại trên sân nhà."),
    ("hn-dinhcong-film", ["tourism_culture"], "neutral", "neutral", "vi", False,
     "Phim tài liệu về cuộc đình công ở nhà máy dệt Nam Định năm 1930 ra mắt", "Bộ phim tái hiện phong trào công nhân thời kỳ đầu thành lập Đảng."),
    ("hn-dinhcong-history-dev", ["tourism_culture"], "neutral", "neutral", "vi", True,
     "Di tích lịch sử ghi dấu cuộc đình công của công nhân đồn điền cao su Phú Riềng", "Khu di tích đón học sinh đến tìm hiểu truyền thống cách mạng."),
    ("hn-danchu-laos", ["foreign_relations"], "positive", "supportive", "vi", False,
     "Điện mừng Quốc khánh nước Cộng hòa Dân chủ Nhân dân Lào", "Lãnh đạo tỉnh gửi điện chúc mừng tỉnh kết nghĩa nhân dịp Quốc khánh Lào 2/12."),
    ("hn-danchu-laos-dev", ["foreign_relations"], "positive", "supportive", "vi", True,
     "Đoàn đại biểu nước Cộng hòa Dân chủ Nhân dân Lào thăm tỉnh", "Hai bên ôn lại truyền thống hữu nghị và bàn hợp tác đào tạo cán bộ."),
    ("hn-vndcch", ["tourism_culture"], "neutral", "neutral", "vi", True,
     "Trưng bày tư liệu về Việt Nam Dân chủ Cộng hòa những năm đầu", "Bảo tàng tỉnh giới thiệu hiện vật về sự ra đời của nhà nước Việt Nam Dân chủ Cộng hòa năm 1945."),
    ("hn-chua-heritage", ["tourism_culture"], "positive", "supportive", "vi", False,
     "Chùa Vĩnh Nghiêm - điểm đến của du khách mùa lễ hội", "Ngôi chùa cổ lưu giữ mộc bản kinh Phật, di sản tư liệu được UNESCO ghi danh."),
    ("hn-chua-heritage-dev", ["tourism_culture"], "positive", "supportive", "vi", True,
     "Tu bổ di tích chùa Dâu, ngôi chùa cổ nhất Việt Nam", "Dự án bảo tồn giữ nguyên kiến trúc cổ, phục vụ khách tham quan."),
    ("hn-nhan-fruit", ["investment_economy"], "positive", "supportive", "vi", False,
     "Nhãn lồng Hưng Yên được mùa, được giá", "Nông dân phấn khởi khi thương lái thu mua nhãn với giá cao, nhiều lô xuất khẩu."),
    ("hn-biendao-tour-dev", ["tourism_culture"], "positive", "supportive", "vi", True,
     "Khám phá biển đảo Phú Quốc mùa khô", "Du khách có thể lặn ngắm san hô, câu mực đêm và thưởng thức hải sản."),
    ("hn-dantoc-nation", ["politics_governance"], "positive", "supportive", "vi", False,
     "Phát huy sức mạnh đại đoàn kết dân tộc trong giai đoạn mới", "Mặt trận Tổ quốc tỉnh tổ chức hội nghị biểu dương điển hình tiên tiến."),
    ("hn-hoangsa-restaurant", [], "neutral", "neutral", "vi", True,
     "Quán cà phê đường Hoàng Sa đông khách ngày cuối tuần", "Không gian xanh, đồ uống giá phải chăng khiến giới trẻ thích thú."),
    ("hn-strike-football-en", ["tourism_culture"], "positive", "neutral", "en", True,
     "Striker's late goal gives Hanoi FC win", "The forward struck in the 89th minute to secure three points at home."),
    ("hn-rights-trademark-en", ["investment_economy"], "neutral", "neutral", "en", False,
     "Vietnamese coffee brand wins trademark rights dispute abroad", "The company regained the rights to its name in two export markets."),
    ("hn-sovereignty-data-en", ["investment_economy"], "neutral", "neutral", "en", True,
     "Tech firms discuss data sovereignty at Hanoi forum", "Executives debated cloud storage rules and digital transformation for businesses."),
    ("soc-vi-nodia-1", ["local_issues"], "negative", "critical", "vi", True,
     "khu nay mat dien 3 ngay roi dien luc dau het", "nong qua ma khong ai tra loi, goi tong dai toan may ban"),
    ("soc-vi-nodia-2", ["labour"], "negative", "neutral", "vi", True,
     "nghe noi cong ty dien tu gan nha sap cat giam ca nghin cong nhan", "ai lam o do cho hoi that khong, lo qua"),
    ("soc-vi-nodia-3", ["investment_economy"], "positive", "supportive", "vi", True,
     "tinh minh nam nay thu hut dau tu nuoc ngoai nhieu that", "may nha may moi xay xong, tuyen nguoi lien tuc"),
    ("soc-vi-nodia-4", ["tourism_culture"], "positive", "neutral", "vi", True,
     "le hoi hoa o da lat nam nay dep qua troi", "nguoi dong nghet, khach san kin phong het"),
    ("soc-vi-nodia-5", ["sovereignty"], "neutral", "neutral", "vi", False,
     "xem phong su ve anh em bo doi o truong sa ma xuc dong", "giu bien dao vat va qua, tu hao lam"),
]

FILL = dict(p=P, d=D, n=N, c=C, x=X, pe=PE)
X_EN = ["South Korea", "Japan", "Laos", "Cambodia", "China", "France", "the United States", "Singapore"]


def _variants(template: str, k: int, rnd: random.Random) -> list[str]:
    out = []
    for _ in range(k * 3):
        vals = {"p": rnd.choice(P), "d": rnd.choice(D), "n": rnd.choice(N), "c": rnd.choice(C), "x": rnd.choice(X),
                "pe": rnd.choice(PE), "xe": rnd.choice(X_EN), "ce": rnd.choice(C)}
        vals["dd"] = fold(vals["d"])
        s = template.format(**vals)
        if s not in out:
            out.append(s)
        if len(out) == k:
            break
    return out


def build() -> list[dict]:
    rnd = random.Random(20261122)
    rows = []
    for fid, topics, sentiment, stance, lang, dev, templates in F:
        per = 7 if len(templates) > 1 else 9  # variants per template
        if lang != "vi":
            per = 4 if len(templates) > 1 else 6
        for ti, t in enumerate(templates):
            for vi, s in enumerate(_variants(t, per, rnd)):
                title, _, text = (x.strip() for x in s.partition("||"))
                rows.append({"id": f"{fid}-{ti}-{vi}", "family": fid, "lang": lang, "title": title, "text": text,
                             "topics": topics, "sentiment": sentiment, "stance": stance,
                             "split": "dev" if dev else "train", "tags": _tags(fid, title + " " + text)})
    for sid, topics, sentiment, stance, lang, dev, title, text in SINGLES:
        rows.append({"id": sid, "family": sid, "lang": lang, "title": title, "text": text, "topics": topics,
                     "sentiment": sentiment, "stance": stance, "split": "dev" if dev else "train",
                     "tags": _tags(sid, title + " " + text)})
    # social-style twins without diacritics: one in four Vietnamese items, in the same split as the original
    for r in list(rows):
        if r["lang"] == "vi" and "no_diacritics" not in r["tags"] and \
                int(hashlib.sha1(r["id"].encode()).hexdigest(), 16) % 4 == 0:
            rows.append(dict(r, id=r["id"] + "-nd", title=fold(r["title"]), text=fold(r["text"]),
                             tags=sorted(set(r["tags"]) | {"no_diacritics", "folded_twin"})))
    return rows


def _tags(fid: str, text: str) -> list[str]:
    tags = []
    if fid.startswith("hn-") or fid in ("inv-trademark", "tour-sport", "tour-history", "tour-seaisland",
                                        "pol-national-unity", "mix-laos-labour-history"):
        tags.append("hard_negative")
    if text == fold(text) and any("a" <= ch <= "z" for ch in text) and not fid.endswith("-en") and \
            ("-social" in fid or fid.startswith("soc-vi-nodia") or "nodia" in fid):
        tags.append("no_diacritics")
    return tags


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    from collections import Counter

    per_topic = Counter((t, r["split"]) for r in rows for t in r["topics"])
    print(len(rows), "items;", dict(Counter(r["split"] for r in rows)), dict(Counter(r["lang"] for r in rows)))
    for t in sorted({t for t, _ in per_topic}):
        print(f"  {t:22s} train {per_topic[(t, 'train')]:4d} dev {per_topic[(t, 'dev')]:4d}")
    print(" stance", dict(Counter((r["stance"], r["split"]) for r in rows)))


if __name__ == "__main__":
    main()
