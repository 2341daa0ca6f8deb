"""Taxonomy and routing configuration: the shipped ids, overrides, review policy, bad files."""

import re

import pytest

from models.routing import RouteTable
from models.taxonomy import ConfigError, Taxonomy

TOPICS = [
    "giai_phong_mat_bang",
    "dat_dai",
    "trat_tu_xay_dung",
    "ha_tang_giao_thong",
    "moi_truong",
    "an_ninh_trat_tu",
    "thu_tuc_hanh_chinh",
    "chinh_sach_xa_hoi",
    "y_te",
    "giao_duc",
    "can_bo_dang_vien",
    "xay_dung_chinh_sach",
    "khac",
]


@pytest.fixture(scope="module")
def taxonomy():
    return Taxonomy.load()


@pytest.fixture(scope="module")
def routes(taxonomy):
    return RouteTable.load(taxonomy)


def test_taxonomy_ships_exactly_the_shared_ids(taxonomy):
    assert taxonomy.topic_ids == TOPICS
    assert taxonomy.letter_type_ids == ["khieu_nai", "to_cao", "kien_nghi_phan_anh", "gop_y"]
    assert set(taxonomy.department_ids) == {
        "ban_gpmb",
        "tai_nguyen_moi_truong",
        "quan_ly_do_thi",
        "cong_an",
        "van_phong_ubnd",
        "lao_dong_xa_hoi",
        "y_te",
        "giao_duc",
        "thanh_tra",
        "mat_tran_to_quoc",
    }
    assert all(re.fullmatch(r"[a-z_]+", i) for i in taxonomy.topic_ids + taxonomy.department_ids)


def test_taxonomy_ids_match_shared_taxonomy_file(taxonomy):
    from pathlib import Path

    shared = Path(__file__).resolve().parents[2] / "shared" / "taxonomy.md"
    if not shared.exists():
        pytest.skip("../shared/taxonomy.md not beside this checkout")
    text = shared.read_text(encoding="utf-8")
    for topic in taxonomy.topic_ids + taxonomy.letter_type_ids + taxonomy.department_ids:
        assert f"`{topic}`" in text


def test_route_table_follows_topic_table(routes):
    assert routes.department_for("ha_tang_giao_thong", "kien_nghi_phan_anh", "Đèn đường hỏng") == (
        "quan_ly_do_thi",
        "topic",
    )
    assert routes.department_for("xay_dung_chinh_sach", "gop_y", "Góp ý dự thảo")[0] == "mat_tran_to_quoc"


def test_denunciation_of_an_official_goes_to_the_inspectorate(routes):
    text = "Tôi tố cáo cán bộ địa chính phường nhận tiền để làm sổ đỏ nhanh"
    assert routes.department_for("dat_dai", "to_cao", text) == ("thanh_tra", "to_cao_about_official")
    # also typed without diacritics
    assert routes.department_for("dat_dai", "to_cao", "to cao can bo dia chinh nhan tien")[0] == "thanh_tra"
    # a denunciation of a neighbour stays with the topic's department
    assert routes.department_for("trat_tu_xay_dung", "to_cao", "Nhà hàng xóm xây trái phép")[0] == "quan_ly_do_thi"


def test_review_policy_reasons(routes):
    policy = routes.review
    assert policy.reasons([("dat_dai", 0.9), ("khac", 0.05)], 0.9) == []
    low = policy.reasons([("dat_dai", 0.30), ("khac", 0.10)], 0.9)
    assert low and low[0].startswith("low_topic_confidence")
    close = policy.reasons([("dat_dai", 0.50), ("giai_phong_mat_bang", 0.45)], 0.9)
    assert close and close[0].startswith("close_topics")
    assert policy.reasons([("dat_dai", 0.9), ("khac", 0.05)], 0.2)[0].startswith("low_letter_type_confidence")


def test_routing_config_errors_name_the_file(tmp_path, taxonomy):
    bad = tmp_path / "routing.toml"
    bad.write_text('[topics]\ndat_dai = "nowhere"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"routing.toml: \[topics\] has no department"):
        RouteTable.load(taxonomy, bad)
    full = "\n".join(f'{t} = "van_phong_ubnd"' for t in TOPICS)
    bad.write_text(f"[topics]\n{full}\n[review]\nmin_topic_confidence = 0.5\nbogus = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown keys"):
        RouteTable.load(taxonomy, bad)
    bad.write_text("[topics\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="routing.toml"):
        RouteTable.load(taxonomy, bad)


def test_config_dir_can_be_replaced(tmp_path, monkeypatch, taxonomy):
    (tmp_path / "taxonomy.toml").write_text(
        '[[topics]]\nid = "roads"\nname = "Đường"\n[[topics]]\nid = "other"\nname = "Khác"\n'
        '[[letter_types]]\nid = "any"\nname = "Đơn"\n[[departments]]\nid = "works"\nname = "Phòng"\n',
        encoding="utf-8",
    )
    (tmp_path / "routing.toml").write_text('[topics]\nroads = "works"\nother = "works"\n', encoding="utf-8")
    monkeypatch.setenv("HOMTHU_CONFIG_DIR", str(tmp_path))
    custom = Taxonomy.load()
    assert custom.topic_ids == ["roads", "other"]
    assert RouteTable.load(custom).department_for("roads", "any") == ("works", "topic")
