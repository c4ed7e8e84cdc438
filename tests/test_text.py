from presswatch.text import PhraseMatcher, fold, has_diacritics, normalize


def test_normalize_is_nfc_and_unifies_tone_placement():
    decomposed = "Hoa\u0300 Bi\u0300nh"  # combining grave accents, as Windows-1258 pages decode
    assert normalize(decomposed) == "Hòa Bình"
    assert normalize("hoà thuận, thuỷ lợi") == "hòa thuận, thủy lợi"
    # tone mark stays where both conventions agree, and after q the u is not a vowel
    assert normalize("hoàn thành quý khách") == "hoàn thành quý khách"
    assert normalize(normalize("Thuỷ")) == "Thủy"


def test_normalize_tidies_whitespace():
    assert normalize("  a \u00a0 b \n\n\n\n c ") == "a b\n\nc"


def test_fold_removes_diacritics_and_folds_dj_keeping_length():
    s = normalize("Đắk Nông, Đình công ở Bắc Giang")
    assert fold(s) == "dak nong, dinh cong o bac giang"
    assert len(fold(s)) == len(s)
    assert has_diacritics("Bắc Ninh") and not has_diacritics("Bac Ninh")


def test_phrase_matcher_whole_words_separators_and_diacritics():
    m = PhraseMatcher([("chủ quyền biển, đảo", "long"), ("biển đảo", "short"), ("Tiên Du", "district")])
    text = "Bảo vệ chủ quyền biển - đảo. Biển. Đảo; đi tiến du lịch"
    folded = [hits for _, _, hits in m.find(fold(normalize(text)))]
    assert folded == [["long"], ["short"], ["district"]]  # overlapping hits kept; sentence ends not crossed
    exact = [hits for _, _, hits in m.find(normalize(text).lower(), folded=False)]
    assert exact == [["long"], ["short"]]  # with diacritics, "tiến du" is not the district "Tiên Du"
    s, e, _ = m.find(fold(normalize(text)))[0]
    assert text[s:e] == "chủ quyền biển - đảo"
    assert not m.find(fold("chủ quyền biển đảoxx"))
