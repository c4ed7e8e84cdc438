"""Dedup: exact copies by content hash, syndicated near-copies by MinHash-LSH, both folding into the
first copy's story — through the real store (SQLite file) and the real processing batch."""
from pipelines import dedup as dd
from pipelines.runner import process_batch
from presswatch.record import Document, Fetch, SourceRef

ORIGINAL = (
    "Sáng 21/11, hơn 1.200 công nhân Công ty TNHH Điện tử Quang Châu ngừng việc tập thể tại Khu công nghiệp "
    "Quang Châu, tỉnh Bắc Ninh, đề nghị tăng lương và cải thiện chất lượng bữa ăn ca. Ngay trong buổi sáng, "
    "lãnh đạo Ban quản lý các khu công nghiệp tỉnh, Liên đoàn Lao động tỉnh và chính quyền địa phương đã có mặt, "
    "đối thoại trực tiếp với người lao động và đại diện doanh nghiệp. Theo báo cáo ban đầu, công nhân đề nghị "
    "điều chỉnh đơn giá tiền lương từ tháng 12, bổ sung phụ cấp nhà ở và đi lại, đồng thời nâng định mức bữa "
    "ăn ca lên 25.000 đồng mỗi suất. Đại diện công ty cam kết xem xét các kiến nghị và trả lời bằng văn bản "
    "trước ngày 30/11. Đến trưa cùng ngày, phần lớn công nhân đã trở lại làm việc, tình hình an ninh trật tự "
    "tại khu công nghiệp ổn định. Ban quản lý cho biết sẽ tiếp tục theo dõi, yêu cầu doanh nghiệp thực hiện "
    "đúng quy định của pháp luật lao động và báo cáo kết quả giải quyết cho Ủy ban nhân dân tỉnh."
)
# the same story re-published by another outlet: its own lead and byline, a trimmed ending, lost diacritics
# in one sentence, another tone-mark placement
SYNDICATED = (
    "(Theo Báo Bắc Ninh) Vụ ngừng việc tại Bắc Ninh đã được giải quyết trong ngày. " +
    ORIGINAL.replace("Đến trưa cùng ngày", "Den trua cung ngay").replace("Ủy ban", "Uỷ ban")
    .rsplit(" Ban quản lý cho biết", 1)[0] + " Phóng viên Minh Anh."
)
OTHER = (
    "Tối 20/11, Tuần Văn hóa - Du lịch Tây Yên Tử năm 2026 chính thức khai mạc tại huyện Sơn Động với chương "
    "trình nghệ thuật đặc sắc, thu hút hàng nghìn du khách và người dân. Trong khuôn khổ tuần văn hóa, ban tổ "
    "chức giới thiệu các sản phẩm du lịch cộng đồng, ẩm thực của đồng bào dân tộc thiểu số, trình diễn trang "
    "phục truyền thống, giải chạy địa hình và hội chợ nông sản đặc trưng. Lãnh đạo tỉnh cho biết địa phương "
    "đặt mục tiêu đón một triệu lượt khách trong năm tới, đầu tư hạ tầng giao thông kết nối các điểm di tích "
    "và tăng cường quảng bá hình ảnh vùng đất Tây Yên Tử trên các nền tảng số. Các doanh nghiệp lữ hành đã ký "
    "kết hợp tác xây dựng tuyến du lịch liên tỉnh gắn với hệ thống di tích Phật giáo Trúc Lâm."
)


def test_signature_similarity_separates_copies_from_other_stories():
    a, b, c = dd.signature(ORIGINAL), dd.signature(SYNDICATED), dd.signature(OTHER)
    assert dd.similarity(a, b) >= dd.THRESHOLD
    assert dd.similarity(a, c) < 0.1
    assert len(a.bands) == dd.BANDS and len(a.values) == 4 * dd.NUM_PERM
    # an LSH candidate: the copies share at least one band, the other story none
    assert set(a.bands) & set(b.bands) and not set(a.bands) & set(c.bands)
    assert dd.signature("quá ngắn để so sánh") is None  # short texts: exact hash only


def test_signatures_are_stable_across_processes():
    import subprocess
    import sys

    code = ("from pipelines.dedup import signature; import sys; "
            "sys.stdout.write(signature(sys.stdin.read()).values.hex())")
    out = subprocess.run([sys.executable, "-c", code], input=ORIGINAL, capture_output=True, text=True, check=True)
    assert out.stdout == dd.signature(ORIGINAL).values.hex()


def _add(store, url: str, text: str, title: str) -> int:
    html = f"<html><head><title>{title}</title></head><body><article>" + "".join(
        f"<p>{p}.</p>" for p in text.split(". ")) + "</article></body></html>"
    packed, sha = Fetch.pack(html.encode())
    doc = Document(url=url, source=SourceRef(id="t", source_type="national_press"),
                   fetch=Fetch(requested_url=url, headers={"content-type": "text/html; charset=utf-8"},
                               raw_compressed=packed, raw_sha256=sha))
    return store.add_document(doc)


def test_syndicated_copy_folds_into_the_first_story_in_the_store(store, settings):
    first = _add(store, "https://a.example.vn/1", ORIGINAL, "Hơn 1.200 công nhân ngừng việc")
    other = _add(store, "https://c.example.vn/3", OTHER, "Khai mạc Tuần Văn hóa - Du lịch Tây Yên Tử")
    counts = process_batch(store, settings, [first, other])
    assert counts.processed == 2 and counts.duplicates == 0
    copy = _add(store, "https://b.example.vn/2", SYNDICATED, "Vụ ngừng việc tại Bắc Ninh")
    exact = _add(store, "https://d.example.vn/4", ORIGINAL, "Bản sao nguyên văn")
    counts = process_batch(store, settings, [copy, exact])
    assert counts.duplicates == 2
    docs = {i: store.load(i, with_raw=False) for i in (first, other, copy, exact)}
    assert docs[copy].enrichment.duplicate_of == first
    assert docs[copy].enrichment.story_id == docs[first].enrichment.story_id
    assert docs[copy].enrichment.content_hash != docs[first].enrichment.content_hash  # near, not exact
    assert docs[exact].enrichment.duplicate_of == first  # exact hash still wins first
    assert docs[other].enrichment.duplicate_of is None
    assert docs[other].enrichment.story_id != docs[first].enrichment.story_id
    # only originals are indexed; copies are found through them
    indexed = {r[0] for r in store.conn.execute("SELECT doc_id FROM doc_minhash")}
    assert indexed == {first, other}
    story = store.conn.execute("SELECT doc_count, first_doc_id FROM stories WHERE id=?",
                               (docs[first].enrichment.story_id,)).fetchone()
    assert story["doc_count"] == 3 and story["first_doc_id"] == first


def test_save_signature_is_idempotent(store):
    doc_id = _add(store, "https://a.example.vn/x", ORIGINAL, "t")
    sig = dd.signature(ORIGINAL)
    store.save_signature(doc_id, sig)
    store.save_signature(doc_id, sig)
    n = store.conn.execute("SELECT count(*) FROM minhash_bands WHERE doc_id=?", (doc_id,)).fetchone()[0]
    assert n == dd.BANDS
