"""The corpus: loading, fixed splits, derived variants, and `homthu corpus validate`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from training.corpus import (
    CorpusError,
    assign_splits,
    fingerprint,
    load_corpus,
    read_letters,
    read_splits,
    write_splits,
)
from training.corpus_checks import check_corpus

HOMTHU = str(Path(sys.executable).parent / "homthu")
REPO = Path(__file__).resolve().parent.parent


def letter(i, text, topic="ha_tang_giao_thong", **kw):
    return {
        "id": f"t-{i:04d}",
        "text": text,
        "topic": topic,
        "letter_type": "kien_nghi_phan_anh",
        "department": "quan_ly_do_thi",
        "wards": [],
        "style": "one_liner",
        "urgent": False,
        **kw,
    }


def write_corpus(folder: Path, rows, raw_lines=()):
    (folder / "letters").mkdir(parents=True)
    with (folder / "letters" / "a.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        for line in raw_lines:
            fh.write(line + "\n")
    return folder


def test_splits_are_stratified_and_never_move(tmp_path):
    rows = [letter(i, f"thư số {i}", topic=["dat_dai", "y_te"][i % 2]) for i in range(200)]
    splits = assign_splits(rows, {}, seed=1)
    assert {s for s in splits.values()} == {"train", "dev", "test"}
    for topic in ("dat_dai", "y_te"):
        test = sum(1 for r in rows if r["topic"] == topic and splits[r["id"]] == "test")
        assert test == 15  # 15% of 100
    more = rows + [letter(i, f"thư mới {i}") for i in range(200, 260)]
    again = assign_splits(more, splits, seed=99)
    assert all(again[k] == v for k, v in splits.items())
    write_splits(tmp_path, again)
    assert read_splits(tmp_path) == again


def test_derived_unaccented_letters_stay_in_their_source_split(tmp_path):
    rows = [letter(i, f"Đèn đường ngõ {i} hỏng đã lâu", topic=["dat_dai", "y_te"][i % 2]) for i in range(60)]
    write_corpus(tmp_path, rows)
    write_splits(tmp_path, assign_splits(rows, {}, seed=3))
    data = load_corpus(tmp_path, derive_fraction=0.5, seed=3)
    splits = read_splits(tmp_path)
    derived = [r for s in data.values() for r in s if r["derived_from"]]
    assert derived
    for split, ds in data.items():
        for r in ds:
            if r["derived_from"]:
                assert splits[r["derived_from"]] == split
                assert r["text"].isascii()


def test_fingerprint_changes_with_a_label():
    rows = [letter(1, "a"), letter(2, "b")]
    fields = ["id", "text", "topic"]
    assert fingerprint(rows, fields) == fingerprint(list(reversed(rows)), fields)
    assert fingerprint(rows, fields) != fingerprint([rows[0], {**rows[1], "topic": "y_te"}], fields)


def test_a_broken_line_names_file_and_line(tmp_path):
    write_corpus(tmp_path, [letter(1, "Đèn hỏng")], raw_lines=["{oops"])
    with pytest.raises(CorpusError, match=r"a.jsonl:2: not valid JSON"):
        read_letters(tmp_path)


def test_validate_finds_every_kind_of_problem(tmp_path):
    base = "Đề nghị phường sửa lại đoạn đường trước cổng chợ Xuân Đỉnh bị sụt lún sâu, xe máy ngã liên tục mỗi tối"
    rows = [
        letter(1, base),
        letter(2, base.replace("mỗi tối", "mỗi sáng")),  # near-duplicate
        letter(3, "Rác ở đầu ngõ 8 không ai thu gom", topic="moi_truong_x"),  # unknown label
        letter(4, "Cây đổ chắn đường ở phường Tây Tựu", wards=["Tây Hồ"]),  # ward not in text
        {k: v for k, v in letter(5, "Thiếu trường").items() if k != "style"},  # missing field
    ]
    write_corpus(tmp_path, rows)
    splits = {"t-0001": "train", "t-0002": "test", "t-0003": "train", "t-0004": "dev"}
    write_splits(tmp_path, splits)  # t-0005 has no split
    report = check_corpus(tmp_path)
    text = "\n".join(report.errors)
    assert not report.ok
    assert "near-duplicate" in text and "split leakage: train vs test" in text
    assert "a.jsonl:3: topic 'moi_truong_x' is not in the taxonomy" in text
    assert "ward 'Tây Hồ' is not written in the text" in text
    assert "a.jsonl:5: missing field(s) ['style']" in text


def test_validate_cli_on_the_shipped_corpus_passes_and_prints_counts():
    proc = subprocess.run([HOMTHU, "corpus", "validate"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "corpus OK" in proc.stdout
    for heading in ("by topic:", "by style:", "by split:", "by letter_type:"):
        assert heading in proc.stdout
