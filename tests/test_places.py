"""Place extraction on real letters and underthesea's real administrative-unit data (no mocks)."""

from __future__ import annotations

import unicodedata

import pytest
from underthesea.address import convert_address

from models.places import PlaceFinder
from models.taxonomy import ConfigError
from models.text import unaccent


@pytest.fixture(scope="module")
def finder() -> PlaceFinder:
    return PlaceFinder.load()


BTL = "Quận Bắc Từ Liêm, Thành phố Hà Nội"


def only_ward(finder: PlaceFinder, text: str) -> dict:
    wards = finder.find(text)
    assert len(wards) == 1, wards
    return wards[0]


def spans_hold(text: str, places: list[dict]) -> bool:
    return all(text[p["start"] : p["end"]] == p["as_written"] for p in places)


# -- old names, current units ---------------------------------------------------------------


def test_co_nhue_1_is_mapped_to_the_ward_it_went_to(finder):
    w = only_ward(finder, "Kính gửi: UBND phường Cổ Nhuế 1, quận Bắc Từ Liêm")
    assert w["as_written"] == "Cổ Nhuế 1"
    assert w["unit"] == "Phường Cổ Nhuế 1, Quận Bắc Từ Liêm, Thành phố Hà Nội"
    # Cổ Nhuế 1 was split: the main new ward (the mapping's default) first, the others listed.
    assert w["current_unit"] == "Phường Nghĩa Đô, Thành phố Hà Nội"
    assert set(w["split_into"]) == {
        "Phường Nghĩa Đô, Thành phố Hà Nội",
        "Phường Phú Diễn, Thành phố Hà Nội",
        "Phường Xuân Đỉnh, Thành phố Hà Nội",
    }
    assert not w["ambiguous"] and "candidates" not in w


@pytest.mark.parametrize(
    "text, unit, current",
    [
        (
            "Gia đình tôi ở tổ dân phố 5, phường Xuân Đỉnh xin phản ánh",
            "Phường Xuân Đỉnh, Quận Bắc Từ Liêm, Thành phố Hà Nội",
            "Phường Xuân Đỉnh, Thành phố Hà Nội",
        ),
        (
            "Cử tri phường Tây Tựu kiến nghị về đất trồng hoa bị thu hồi",
            "Phường Tây Tựu, Quận Bắc Từ Liêm, Thành phố Hà Nội",
            "Phường Tây Tựu, Thành phố Hà Nội",
        ),
        (
            "Kính gửi UBND phường Cổ Nhuế 2",
            "Phường Cổ Nhuế 2, Quận Bắc Từ Liêm, Thành phố Hà Nội",
            "Phường Đông Ngạc, Thành phố Hà Nội",
        ),
    ],
)
def test_old_wards_are_mapped_to_their_current_unit(finder, text, unit, current):
    w = only_ward(finder, text)
    assert (w["unit"], w["current_unit"]) == (unit, current)


@pytest.mark.parametrize("name", ["Cổ Nhuế 1", "Cổ Nhuế 2", "Xuân Đỉnh", "Tây Tựu", "Trâu Quỳ"])
def test_current_unit_agrees_with_underthesea_convert_address(finder, name):
    prefix = "thị trấn" if name == "Trâu Quỳ" else "phường"
    w = only_ward(finder, f"Tôi ở {prefix} {name}, Hà Nội")
    assert convert_address(w["unit"]).converted == w["current_unit"]


def test_a_ward_that_merged_into_a_new_one(finder):
    w = only_ward(finder, "Trạm y tế xã Tự Lập, huyện Mê Linh xuống cấp")
    assert w["unit"] == "Xã Tự Lập, Huyện Mê Linh, Thành phố Hà Nội"
    assert w["current_unit"] == "Xã Tiến Thắng, Thành phố Hà Nội"
    assert "split_into" not in w


def test_a_new_post_merger_ward_is_recognised(finder):
    # "Hoàn Kiếm" was a district; since 1 July 2025 it is also a ward.
    w = only_ward(finder, "Đề nghị UBND phường Hoàn Kiếm xử lý việc lấn chiếm vỉa hè")
    assert w["unit"] == w["current_unit"] == "Phường Hoàn Kiếm, Thành phố Hà Nội"
    w = only_ward(finder, "Cử tri xã Hoài Đức phản ánh")
    assert w["unit"] == "Xã Hoài Đức, Thành phố Hà Nội"


# -- spellings: no diacritics, abbreviations, case, NFD -----------------------------------------


@pytest.mark.parametrize(
    "text, as_written, unit",
    [
        ("phuong co nhue 2", "co nhue 2", f"Phường Cổ Nhuế 2, {BTL}"),
        ("xa dong ngac", "dong ngac", f"Phường Đông Ngạc, {BTL}"),
        ("Gui UBND phuong Co Nhue 2, toi ten la Tran Minh Hai", "Co Nhue 2", f"Phường Cổ Nhuế 2, {BTL}"),
        ("Nhà tôi ở P. Xuân Đỉnh", "Xuân Đỉnh", f"Phường Xuân Đỉnh, {BTL}"),
        ("Tôi ở tổ 9, p.xuan dinh, Q. BTL", "xuan dinh", f"Phường Xuân Đỉnh, {BTL}"),
        ("Trường tiểu học TT. Trâu Quỳ", "Trâu Quỳ", "Thị trấn Trâu Quỳ, Huyện Gia Lâm, Thành phố Hà Nội"),
        ("KÍNH GỬI UBND PHƯỜNG CỔ NHUẾ 1", "CỔ NHUẾ 1", f"Phường Cổ Nhuế 1, {BTL}"),
        ("Kinh gui UBND xa Kim Chung, huyen Dong Anh", "Kim Chung", "Xã Kim Chung, Huyện Đông Anh, Thành phố Hà Nội"),
    ],
)
def test_unaccented_abbreviated_and_upper_case_names_are_found(finder, text, as_written, unit):
    w = only_ward(finder, text)
    assert (w["as_written"], w["unit"]) == (as_written, unit)
    assert spans_hold(text, [w])


def test_district_abbreviation_is_a_district(finder):
    text = "Tôi ở tổ 9, p.xuan dinh, Q. BTL"
    districts = [p for p in finder.find_all(text) if p["kind"] == "district"]
    assert [(d["as_written"], d["unit"]) for d in districts] == [("BTL", "Quận Bắc Từ Liêm, Thành phố Hà Nội")]
    assert districts[0]["current_unit"] is None  # districts no longer exist
    assert [p["as_written"] for p in finder.find_all("nhà ở Q.Cầu Giấy") if p["kind"] == "district"] == ["Cầu Giấy"]


def test_spans_point_into_the_text_as_given_nfc_or_nfd(finder):
    text = "Cử tri phường Cổ Nhuế 2 và phường Xuân Đỉnh, quận Bắc Từ Liêm phản ánh"
    nfc = finder.find(unicodedata.normalize("NFC", text))
    assert [(w["as_written"], w["start"], w["end"]) for w in nfc] == [("Cổ Nhuế 2", 14, 23), ("Xuân Đỉnh", 34, 43)]
    decomposed = unicodedata.normalize("NFD", text)
    nfd = finder.find(decomposed)
    assert spans_hold(decomposed, nfd)
    assert [unicodedata.normalize("NFC", w["as_written"]) for w in nfd] == ["Cổ Nhuế 2", "Xuân Đỉnh"]
    assert [w["unit"] for w in nfd] == [w["unit"] for w in nfc]
    plain = unaccent(text)
    assert [(w["start"], w["end"]) for w in finder.find(plain)] == [(14, 23), (34, 43)]


def test_spans_hold_for_every_kind_of_place(finder):
    text = "Nhà tôi ở TDP số 5, ngõ 12 phố Xuân La, phường Xuân La, Q. Tây Hồ; quê thôn Phú Mỹ, xã Tự Lập"
    places = finder.find_all(text)
    assert spans_hold(text, places)
    assert [(p["kind"], p["as_written"]) for p in places] == [
        ("group", "5"),
        ("street", "12"),
        ("street", "Xuân La"),
        ("ward", "Xuân La"),
        ("district", "Tây Hồ"),
        ("village", "Phú Mỹ"),
        ("ward", "Tự Lập"),
    ]


# -- ambiguity ------------------------------------------------------------------------------


def test_a_name_in_two_districts_without_context_is_ambiguous(finder):
    w = only_ward(finder, "Cử tri xã Kim Chung phản ánh đường làng xuống cấp")
    assert w["ambiguous"]
    assert w["unit"] is None and w["current_unit"] is None
    assert set(w["candidates"]) == {
        "Xã Kim Chung, Huyện Đông Anh, Thành phố Hà Nội",
        "Xã Kim Chung, Huyện Hoài Đức, Thành phố Hà Nội",
    }


@pytest.mark.parametrize(
    "text, district",
    [
        ("Cử tri phường Minh Khai, quận Hai Bà Trưng phản ánh", "Quận Hai Bà Trưng"),
        ("Cử tri phường Minh Khai (Q. BTL) phản ánh", "Quận Bắc Từ Liêm"),
        ("Cử tri phường Minh Khai, Bắc Từ Liêm, Hà Nội phản ánh", "Quận Bắc Từ Liêm"),
        # another ward of the letter that exists in one district only decides
        ("Cử tri phường Minh Khai và phường Vĩnh Tuy phản ánh", "Quận Hai Bà Trưng"),
    ],
)
def test_the_same_name_with_its_district_named_is_resolved(finder, text, district):
    w = finder.find(text)[0]
    assert w["as_written"] == "Minh Khai"
    assert not w["ambiguous"]
    assert w["unit"] == f"Phường Minh Khai, {district}, Thành phố Hà Nội"


def test_minh_khai_alone_is_ambiguous(finder):
    w = only_ward(finder, "Cử tri phường Minh Khai phản ánh")
    assert w["ambiguous"] and w["unit"] is None
    assert "Phường Minh Khai, Quận Hai Bà Trưng, Thành phố Hà Nội" in w["candidates"]
    assert "Phường Minh Khai, Quận Bắc Từ Liêm, Thành phố Hà Nội" in w["candidates"]


def test_numbered_wards_need_their_district(finder):
    w = only_ward(finder, "Khu này thuộc phường 14 quận 3 ạ")
    assert w["as_written"] == "14"
    assert w["unit"] == "Phường 14, Quận 3, Thành phố Hồ Chí Minh"
    w = only_ward(finder, "Cơ sở sản xuất trong hẻm ở phường 13 làm mất vệ sinh")
    assert w["ambiguous"] and len(w["candidates"]) > 2
    assert finder.find("Thôn tôi cách trạm y tế xã 12 km") == []
    assert finder.find("da trinh bao CA phuong 3 hom nay") == []


def test_a_ward_placed_in_a_province_outside_the_gazetteer_gets_no_unit(finder):
    # "Quang Trung" is also a ward of Hà Nội; the letter places it in Nghệ An, which is not loaded.
    w = only_ward(finder, "Cử tri phường Quang Trung, TP Vinh, Nghệ An phản ánh")
    assert w["as_written"] == "Quang Trung"
    assert w["unit"] is None and w["current_unit"] is None
    assert not w["ambiguous"] and not w["in_gazetteer"]


def test_a_ward_the_data_does_not_know_is_still_found(finder):
    w = only_ward(finder, "Bạn đọc ở xã Phù Cừ (Hưng Yên) phản ánh")
    assert (w["as_written"], w["unit"], w["in_gazetteer"]) == ("Phù Cừ", None, False)
    w = only_ward(finder, "@UBND phường Hải Châu 1: các hộ kinh doanh lấn vỉa hè")
    assert (w["as_written"], w["unit"]) == ("Hải Châu 1", None)


# -- precision -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Tôi là Nguyễn Thị Minh Khai, sinh năm 1970, nhà ở số 5 Xuân Đỉnh",
        "Bà Tây Tựu và ông Kim Chung đã ký biên bản",
        "Tôi không đồng ý với phương án bồi thường",
        "toi khong dong y voi phuong an boi thuong",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
        "Đề nghị UBND xã chỉ đạo giao thầu công khai",
        "Chính sách bảo hiểm xã hội cho người lao động",
        "Kính gửi UBND thị xã Sơn Tây",
        "Tôi ở Cầu Giấy, gần nhà văn hóa",
        "Đã báo phường. Tháng 9 vẫn chưa xử lý",
    ],
)
def test_no_ward_without_a_prefix_or_in_ordinary_words(finder, text):
    assert finder.find(text) == []


def test_a_ward_after_a_place_preposition_needs_a_known_capitalised_name(finder):
    w = only_ward(finder, "Nhà tôi ở Đông Ngạc, gần đê sông Hồng")
    assert w["as_written"] == "Đông Ngạc" and w["prefix"] is None
    assert finder.find("nhà tôi ở đông ngạc") == []  # not capitalised: no prefix, no ward


# -- configuration ---------------------------------------------------------------------------


def test_provinces_come_from_the_config(tmp_path):
    config = tmp_path / "places.toml"
    config.write_text('provinces = ["Hà Nội"]\n', encoding="utf-8")
    hanoi_only = PlaceFinder.load(config)
    w = only_ward(hanoi_only, "Kính gửi UBND phường Bến Thành, Quận 1")
    assert w["as_written"] == "Bến Thành"
    assert w["unit"] is None and not w["in_gazetteer"]
    assert only_ward(hanoi_only, "phường Cổ Nhuế 1")["unit"] is not None


def test_an_unknown_province_in_the_config_is_an_error(tmp_path):
    config = tmp_path / "places.toml"
    config.write_text('provinces = ["Atlantis"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="Atlantis"):
        PlaceFinder.load(config)


def test_default_config_covers_the_cities_the_letters_name(finder):
    assert only_ward(finder, "phường Bến Thành, Quận 1")["unit"] == "Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh"
    khue_my = only_ward(finder, "phường Khuê Mỹ, quận Ngũ Hành Sơn")
    assert khue_my["current_unit"] == "Phường Ngũ Hành Sơn, Thành phố Đà Nẵng"
    assert only_ward(finder, "phường Đông Hải 2, quận Hải An")["unit"].endswith("Thành phố Hải Phòng")
    assert only_ward(finder, "phường Long Tuyền, quận Bình Thủy")["unit"].endswith("Thành phố Cần Thơ")
