"""The fast prediction path gives the scikit-learn pipeline's features and probabilities."""

import numpy as np
import pytest

from models.predictor import Predictor
from tests.conftest import small_sample, train_small

TEXTS = [
    "Đèn đường ngõ 12 phố Xuân La tắt cả tuần nay, đề nghị phường sửa",
    "nha so 8 xay them tang 6 ko phep, UBND phuong ko xu ly",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\nĐƠN KHIẾU NẠI về bồi thường GPMB",
    "Ho\u0300a bi\u0300nh &amp; thuỷ lợi<br>rác rác rác rác",
    "!!!",
]


def _letters() -> list[str]:
    return TEXTS + [r["text"] for r in small_sample(per_topic=8)]


@pytest.mark.parametrize("segment_words", [False, True])
def test_predictor_equals_pipeline(sample_rows, small_classifier, segment_words):
    clf = small_classifier if not segment_words else train_small(sample_rows, segment_words=True)
    predictor = Predictor(clf)
    assert predictor.fast
    texts = _letters()
    expected, got = clf.transform(texts), predictor.transform(texts)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert abs(expected - got).max() <= 1e-6
    want, have = clf.predict_proba(texts), predictor.predict_proba(got)
    for head in want:
        np.testing.assert_allclose(have[head], want[head], atol=1e-6)
        assert (have[head].argmax(axis=1) == want[head].argmax(axis=1)).all()
    # one letter at a time (the service's case) and from the word cache: the same rows
    for i, text in enumerate(texts[:6]):
        assert abs(predictor.transform([text]) - expected[i]).max() <= 1e-6


def test_predictor_binary_head_and_fallback(sample_rows, small_classifier):
    rows = sample_rows
    from models.classifier import LetterClassifier

    clf = LetterClassifier(random_state=3, char_max_features=5_000).fit(
        [r["text"] for r in rows], {"urgent": ["true" if r.get("urgent") else "false" for r in rows]}
    )
    predictor = Predictor(clf)
    X = predictor.transform(TEXTS)
    np.testing.assert_allclose(predictor.predict_proba(X)["urgent"], clf.predict_proba(TEXTS)["urgent"], atol=1e-6)

    class Unknown:  # not a model the fast path knows: the classifier itself answers
        heads_ = {}

        def transform(self, texts):
            return "features"

        def predict_proba(self, texts, X=None):
            return {"seen": X}

    slow = Predictor(Unknown())
    assert not slow.fast
    assert slow.predict_proba(slow.transform(["x"])) == {"seen": "features"}
