from pipelines.relevance import score_provinces


def ids(title, text=""):
    return [h.id for h in score_provinces(title, text)]


def test_old_province_names_map_to_the_merged_province():
    assert ids("Ngư dân Bình Thuận vươn khơi") == ["lam_dong"]
    assert ids("Hà Giang vào mùa hoa tam giác mạch") == ["tuyen_quang"]
    assert ids("Lúa Thái Bình được mùa") == ["hung_yen"]
    assert ids("Công nhân KCN Quang Châu ngừng việc") == ["bac_ninh"]


def test_matching_ignores_diacritics_and_case():
    assert ids("cong nhan khu cong nghiep quang chau, viet yen, BAC GIANG") == ["bac_ninh"]


def test_a_province_named_only_in_a_list_does_not_count():
    text = ("Hội nghị có đại diện các tỉnh Bắc Ninh, Hưng Yên, Tuyên Quang và Lâm Đồng. "
            "Đà Nẵng là nơi tổ chức; thành phố Đà Nẵng chuẩn bị chu đáo.")
    assert ids("Hội nghị xúc tiến du lịch", text) == ["da_nang"]


def test_hits_carry_score_and_evidence():
    hit = score_provinces("Đình công ở Bắc Ninh", "Công nhân KCN Quang Châu ngừng việc.")[0]
    assert hit.id == "bac_ninh" and 0.45 <= hit.score <= 1 and "KCN Quang Châu" in hit.evidence
