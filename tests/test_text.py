from presswatch.text import fold, has_diacritics, normalize, phrase_pattern


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


def test_phrase_pattern_matches_whole_words_across_separators():
    pat = phrase_pattern("chủ quyền biển, đảo")
    assert pat.search(fold("bảo vệ chủ quyền biển đảo"))
    assert pat.search(fold("chu quyen bien - dao"))
    assert not pat.search(fold("chủ quyền biển đảoxx"))
