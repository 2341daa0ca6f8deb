"""Classifier invariants on a small model trained from the real corpus."""

import json

import numpy as np
import pytest

from models.classifier import ModelLoadError, load_model, save_model
from models.taxonomy import Taxonomy
from tests.conftest import train_small

LETTERS = [
    "Đề nghị phường sửa đèn đường ngõ 12 phố Xuân La, tối om cả tuần",
    "de nghi phuong sua den duong ngo 12, toi om ca tuan",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nĐƠN KHIẾU NẠI về đơn giá bồi thường",
]


def test_predictions_are_known_labels(small_classifier):
    taxonomy = Taxonomy.load()
    preds = small_classifier.predict(LETTERS)
    assert set(preds["topic"]) <= set(taxonomy.topic_ids)
    assert set(preds["letter_type"]) <= set(taxonomy.letter_type_ids)


def test_probabilities_sum_to_one(small_classifier):
    for proba in small_classifier.predict_proba(LETTERS).values():
        assert proba.shape[0] == len(LETTERS)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def test_same_seed_gives_the_same_model(sample_rows, small_classifier):
    again = train_small(sample_rows)
    for head, proba in small_classifier.predict_proba(LETTERS).items():
        np.testing.assert_array_equal(proba, again.predict_proba(LETTERS)[head])


def test_save_then_load_gives_the_same_outputs(small_classifier, model_dir):
    loaded = load_model(model_dir, ["topic", "letter_type"])
    for head, proba in small_classifier.predict_proba(LETTERS).items():
        np.testing.assert_allclose(proba, loaded.classifier.predict_proba(LETTERS)[head])
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert manifest["heads"]["topic"] == small_classifier.classes("topic")
    assert manifest["model_sha256"]


def test_a_corrupted_model_is_refused_with_a_clear_message(small_classifier, tmp_path):
    folder = save_model(small_classifier, tmp_path / "v", {"version": "v"})
    data = bytearray((folder / "model.skops").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "model.skops").write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="checksum"):
        load_model(folder)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="manifest is not valid JSON"):
        load_model(folder)


def test_a_model_without_the_needed_heads_is_refused(sample_rows, tmp_path):
    from models.classifier import LetterClassifier

    clf = LetterClassifier(char_max_features=5000).fit(
        [r["text"] for r in sample_rows], {"label": [r["topic"] for r in sample_rows]}
    )
    folder = save_model(clf, tmp_path / "one-head", {"version": "one-head"})
    with pytest.raises(ModelLoadError, match="no head"):
        load_model(folder, ["topic", "letter_type"])


def test_unaccented_letter_gets_the_same_topic_as_accented(small_classifier):
    preds = small_classifier.predict(LETTERS[:2])["topic"]
    assert preds[0] == preds[1]


def test_explain_names_words_of_the_letter(small_classifier):
    X = small_classifier.transform([LETTERS[0]])
    label = small_classifier.predict([LETTERS[0]])["topic"][0]
    words = small_classifier.explain(X[0], "topic", label, k=5)
    assert words and all(w > 0 for _, w in words)
