"""The text pipeline on real messy input."""

import unicodedata

import pytest

from models.text import (
    LetterTextError,
    TextViews,
    check_letter_text,
    clean,
    expand_abbreviations,
    has_diacritics,
    normalize,
    segment,
    strip_boilerplate,
    unaccent,
    word_view,
)


def test_normalize_nfd_input_equals_nfc_input():
    nfc = "Đề nghị giải phóng mặt bằng ở phường Cổ Nhuế 1, quận Bắc Từ Liêm"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert normalize(nfd) == normalize(nfc) == nfc


def test_normalize_old_tone_placement_becomes_new():
    assert normalize("Hoà bình, thuỷ lợi, khoẻ mạnh, Uỷ ban") == "Hòa bình, thủy lợi, khỏe mạnh, Ủy ban"
    assert normalize("ỦY BAN NHÂN DÂN PHƯỜNG HOÀ") == "ỦY BAN NHÂN DÂN PHƯỜNG HÒA"


def test_normalize_removes_html_and_word_paste_debris():
    pasted = (
        "<!--[if gte mso 9]><xml>junk</xml><![endif]--><p class=MsoNormal>Kính&nbsp;gửi: "
        "UBND phường</p><br/>Normal 0 false false false EN-US X-NONE X-NONE Tôi tên là\u200b An"
    )
    out = normalize(pasted)
    assert "<" not in out and "mso" not in out.lower() and "Normal 0" not in out and "\u200b" not in out
    assert "Kính gửi: UBND phường" in out and "Tôi tên là An" in out


def test_normalize_cleans_spaces_quotes_and_dashes():
    assert normalize("  Tôi  đề nghị ,  “khẩn”   – gấp !!!!!!  ") == 'Tôi đề nghị, "khẩn" - gấp!!!'


def test_strip_boilerplate_removes_motto_in_any_casing():
    letter = (
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc\n---o0o---\n"
        "ĐƠN KIẾN NGHỊ\nSố tiền 5.000.000 đồng..."
    )
    assert strip_boilerplate(normalize(letter)) == "ĐƠN KIẾN NGHỊ\nSố tiền 5.000.000 đồng..."
    assert strip_boilerplate("cong hoa xa hoi chu nghia viet nam doc lap tu do hanh phuc don de nghi") == "don de nghi"


def test_expand_abbreviations_spells_out_chat_and_office_shorthand():
    out = expand_abbreviations("mn ơi UBND ko giải quyết dc, a/c CA xem j đi, GPMB chậm, TDP số 5")
    assert out == (
        "mọi người ơi ủy ban nhân dân không giải quyết được, anh chị công an xem gì đi, "
        "giải phóng mặt bằng chậm, tổ dân phố số 5"
    )
    # ordinary words that look like acronyms are left alone
    assert expand_abbreviations("ca hát, giá 500k, 8h sáng") == "ca hát, giá 500k, 8h sáng"


def test_unaccent_keeps_length_and_maps_d():
    assert unaccent("Đông Ngạc, Thụy Phương") == "Dong Ngac, Thuy Phuong"
    assert not has_diacritics("ong canh sat khu vuc ko lam gi")
    assert has_diacritics("ông")


def test_segment_joins_syllables_of_a_word():
    assert segment("Đề nghị giải phóng mặt bằng") == ["Đề_nghị", "giải_phóng", "mặt_bằng"]
    assert segment("   ") == []


def test_word_view_lowercases_all_caps_headers():
    assert word_view(clean("ĐƠN KHIẾU NẠI về việc bồi thường")) == word_view(clean("đơn khiếu nại về việc bồi thường"))


def test_text_views_give_word_and_unaccented_columns():
    views = TextViews().transform(["Đề nghị thuỷ lợi ko dc bồi thường", "de nghi thuy loi ko dc boi thuong"])
    assert views.shape == (2, 2)
    assert views[0, 0] == "đề_nghị thủy_lợi không được bồi_thường"
    assert views[0, 1] == views[1, 1] == "de nghi thuy loi khong duoc boi thuong"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("   \n ", "empty"),
        (123, "string"),
        ("x" * 60, "limit"),
        ("<p><br></p>&nbsp;", "no words"),
        ("\x00\x01\x02\x03 abc", "binary"),
    ],
)
def test_check_letter_text_refuses_unusable_text(text, reason):
    with pytest.raises(LetterTextError, match=reason):
        check_letter_text(text, max_chars=50)


def test_check_letter_text_accepts_a_letter():
    assert check_letter_text("Đèn đường hỏng") == "Đèn đường hỏng"
