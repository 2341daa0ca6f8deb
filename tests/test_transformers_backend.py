"""The transformers backend end to end, on a tiny BERT built on the spot (no model hub, no weights
shipped): tokenizer trained on corpus letters, 2 layers, hidden size 64, fine-tuned through the real
`homthu train --backend transformers --base-model DIR`, promoted, served by uvicorn, used by
`homthu classify`. One torch thread: on 2 shared cores it is several times faster for a model this
small than two threads fighting other jobs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

if os.environ.get("CI"):
    import torch  # noqa: F401  (in CI the extra must be installed: `make test` installs it)
else:
    pytest.importorskip("torch", reason="the transformers extra is not installed (pip install -e '.[transformers]')")

from conftest import CORPUS, REPO, Server, free_port  # noqa: E402

from models.classifier import load_model, read_manifest  # noqa: E402
from models.taxonomy import Taxonomy  # noqa: E402
from training.corpus import read_letters, read_splits  # noqa: E402
from training.tiny_checkpoint import build_tiny_checkpoint  # noqa: E402

HOMTHU = str(Path(sys.executable).parent / "homthu")
PER_TOPIC = {"train": 20, "dev": 4, "test": 4}
LONG_LETTER = " ".join(["Nhà số 8 ngõ 47 phường Cổ Nhuế 1 xây thêm tầng 6 không phép, tường nhà tôi nứt toác."] * 40)

TINY_CONFIG = """\
seed = 7
[corpus]
path = "{corpus}"
format = "homthu"
text_column = "text"
label_columns = ["topic", "letter_type", "urgent"]
derive_unaccented = 0.0
[model]
backend = "transformers"
[transformers]
max_length = 128
stride = 32
max_windows = 2
epochs = 5
batch_size = 8
learning_rate = 2e-3
head_learning_rate = 5e-3
patience = 2
"""


def env_for(registry: Path, **extra) -> dict:
    return {**os.environ, "HOMTHU_MODELS_DIR": str(registry), "OMP_NUM_THREADS": "1", **extra}


def homthu(args, env, stdin: bytes = b"", timeout: int = 300):
    return subprocess.run([HOMTHU, *args], input=stdin, capture_output=True, env=env, timeout=timeout, cwd=REPO)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """20 training, 4 dev and 4 test letters per topic, in the corpus format (letters + splits.tsv)."""
    root = tmp_path_factory.mktemp("tiny-corpus")
    splits = read_splits(CORPUS)
    taken: dict = defaultdict(int)
    rows = []
    for row in sorted(read_letters(CORPUS), key=lambda r: r["id"]):
        key = (splits[row["id"]], row["topic"])
        if taken[key] < PER_TOPIC[key[0]]:
            taken[key] += 1
            rows.append({k: v for k, v in row.items() if k != "_source"})
    (root / "letters").mkdir()
    (root / "letters" / "sample.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    (root / "splits.tsv").write_text("id\tsplit\n" + "".join(f"{r['id']}\t{splits[r['id']]}\n" for r in rows))
    return root


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_corpus) -> Path:
    """A local "checkpoint" folder like a downloaded one: config.json, model.safetensors, tokenizer."""
    import torch

    torch.set_num_threads(1)
    texts = [json.loads(line)["text"] for line in (tiny_corpus / "letters" / "sample.jsonl").open(encoding="utf-8")]
    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-bert"), texts)


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory, tiny_corpus) -> Path:
    path = tmp_path_factory.mktemp("tiny-config") / "tiny.toml"
    path.write_text(TINY_CONFIG.format(corpus=tiny_corpus.as_posix()), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def trained(tmp_path_factory, tiny_checkpoint, tiny_config) -> dict:
    """`homthu train --backend transformers --base-model DIR` into a fresh registry."""
    registry = tmp_path_factory.mktemp("tf-registry")
    proc = homthu(
        ["train", "--config", str(tiny_config), "--backend", "transformers", "--base-model", str(tiny_checkpoint)],
        env_for(registry),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    return {**result, "registry": registry, "path": Path(result["path"]), "log": proc.stderr.decode()}


def test_transformers_train_registers_a_version_like_the_default_backend(trained, tiny_checkpoint):
    folder = trained["path"]
    manifest = read_manifest(folder)
    assert manifest["backend"] == "transformers" and manifest["version"].startswith("letters-transformers-")
    assert manifest["corpus"]["fingerprint"].startswith("sha256:")
    assert manifest["params"]["base_model"] == str(tiny_checkpoint) and manifest["params"]["max_length"] == 128
    assert manifest["base_model"]["model_type"] == "bert"
    assert manifest["inference"]["segment_words"] is True  # detected from the tokenizer's joined words
    assert "segmented words (segment_words=auto)" in trained["log"]
    assert set(manifest["heads"]) == {"topic", "letter_type", "urgent"}
    assert {"dev", "test"} <= set(manifest["metrics"]) and manifest["epochs"][0]["epoch"] == 1
    assert all("dev_score" in e for e in manifest["epochs"])
    # weights as safetensors + JSON, every file checksummed, no pickle anywhere
    assert (folder / "model.safetensors").is_file() and (folder / "report.md").is_file()
    assert set(manifest["files"]) >= {"model.safetensors", "encoder/config.json", "tokenizer/tokenizer.json"}
    assert not [p for p in folder.rglob("*") if p.suffix in (".bin", ".pt", ".pkl", ".pickle", ".skops")]
    # it learned something: the training loss fell. (Its test accuracy, on 4 letters per topic, swings
    # between runs around 0.13-0.2 against a chance of 0.077: too few letters to assert on.)
    losses = [e["train_loss"] for e in manifest["epochs"]]
    assert losses[-1] < losses[0], losses
    assert 0.0 <= trained["metrics"]["test"]["topic_accuracy"] <= 1.0


def test_transformers_model_keeps_the_classifier_invariants(trained):
    model = load_model(trained["path"], ("topic", "letter_type"))
    clf = model.classifier
    texts = ["Đèn đường ngõ 12 phố Xuân La tắt cả tuần nay, đề nghị phường sửa", "rac thai do bua bai", LONG_LETTER]
    windows = clf.windows(LONG_LETTER)
    assert len(windows) > 3 and len(clf.windows(texts[1])) == 1
    assert max(map(len, windows)) == clf.max_length == 128
    body = [w[len(clf.prefix) : len(w) - len(clf.suffix)] for w in windows]
    assert all(a[-clf.stride :] == b[: clf.stride] for a, b in zip(body, body[1:], strict=False))  # overlap
    probas = clf.predict_proba(texts)
    for head, p in probas.items():
        assert p.shape == (3, len(clf.classes(head)))
        assert abs(p.sum(axis=1) - 1).max() < 1e-6
    assert set(clf.predict(texts)["topic"]) <= set(Taxonomy.load().topic_ids)
    again = load_model(trained["path"]).classifier.predict_proba(texts)  # save → load: the same outputs
    assert all(abs(again[h] - probas[h]).max() < 1e-5 for h in probas)
    assert clf.explain(None, "topic", clf.classes("topic")[0]) == []  # no explanations for this backend


def test_transformers_same_seed_gives_the_same_model(tiny_checkpoint, tiny_corpus):
    import torch

    from training.train_transformers import TransformerParams, fit_transformer

    torch.set_num_threads(1)
    rows = [json.loads(line) for line in (tiny_corpus / "letters" / "sample.jsonl").open(encoding="utf-8")][:40]
    params = {**TransformerParams(base_model=str(tiny_checkpoint), max_length=64, stride=16).__dict__}
    params.update(epochs=1, max_steps=3, batch_size=8)
    texts, labels = [r["text"] for r in rows], {"topic": [r["topic"] for r in rows]}
    a = fit_transformer(params, 3, texts, labels).predict_proba(texts[:5])["topic"]
    b = fit_transformer(params, 3, texts, labels).predict_proba(texts[:5])["topic"]
    assert (a == b).all()


def test_transformers_version_promoted_is_served_and_classified(trained, tmp_path):
    from models.registry import Registry
    from training.registry import promote

    env = env_for(trained["registry"])
    report = promote(Registry(trained["registry"]), trained["version"])  # what `homthu models promote` calls
    assert report["previous"] is None and Registry(trained["registry"]).current() == trained["version"]

    # the service: a real uvicorn loading the promoted version from the registry
    server = Server(env_for(trained["registry"], HOMTHU_DATA_DIR=str(tmp_path / "data")), free_port())
    try:
        health = httpx.get(server.url + "/healthz", timeout=10).json()
        assert trained["version"] in json.dumps(health)
        body = {"letters": [{"text": "Nhà số 8 xây thêm tầng không phép", "id": "a"}, {"text": LONG_LETTER}]}
        r = httpx.post(server.url + "/v1/classify", json=body, timeout=60)
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert r.json()["model_version"] == trained["version"]
        topics = set(Taxonomy.load().topic_ids)
        for res in results:
            assert res["topic"] in topics and res["topics"][0]["id"] == res["topic"] and len(res["topics"]) == 3
            assert 0 < res["topic_confidence"] <= 1 and res["letter_type"] in Taxonomy.load().letter_type_ids
            assert res["department"] and isinstance(res["needs_review"], bool)
            assert res["urgent_confidence"] is not None
        assert results[0]["id"] == "a"
    finally:
        server.stop()

    # the command line: `homthu classify` loads the version in service like any other
    letters = '{"text": "Đề nghị sửa đèn đường ngõ 12"}\n{"text": "rac thai do bua bai"}\n'.encode()
    proc = homthu(["classify"], env, letters)
    assert proc.returncode == 0, proc.stderr.decode()
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [o["model_version"] for o in out] == [trained["version"]] * 2
    assert all(o["topic"] in topics and o["urgent_confidence"] is not None for o in out)


def test_transformers_bad_base_model_is_a_clear_cli_error(tmp_path, tiny_config):
    env = env_for(tmp_path / "registry")
    proc = homthu(["train", "--config", str(tiny_config), "--base-model", str(tmp_path / "nope")], env)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert b"--base-model" in proc.stderr and b"no such folder" in proc.stderr
    (tmp_path / "empty").mkdir()
    proc = homthu(["train", "--backend", "transformers", "--base-model", str(tmp_path / "empty")], env)
    assert proc.returncode == 2 and b"no config.json" in proc.stderr and b"Traceback" not in proc.stderr
    proc = homthu(["train", "--backend", "bert"], env)
    assert proc.returncode == 2 and b"--backend 'bert'" in proc.stderr


def test_transformers_corrupted_weights_are_refused(trained, tmp_path):
    import shutil

    from models.classifier import ModelLoadError

    copy = shutil.copytree(trained["path"], tmp_path / "copy")
    with (copy / "model.safetensors").open("r+b") as fh:
        fh.seek(-8, 2)
        fh.write(b"\0" * 8)
    with pytest.raises(ModelLoadError, match="checksum"):
        load_model(copy)


def test_default_install_imports_no_torch():
    """The service, the CLI and the default backend never import torch/transformers at import time."""
    code = (
        "import sys, service.app, models.triage, models.classifier, models.registry, homthu.cli, training.train;"
        "bad = [m for m in ('torch', 'transformers', 'tokenizers', 'safetensors') if m in sys.modules];"
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()


def test_segment_words_auto_detects_tokenizers_of_joined_words(tiny_checkpoint):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    from models.transformer_backend import expects_segmented_words

    assert expects_segmented_words(AutoTokenizer.from_pretrained(tiny_checkpoint, local_files_only=True))
    syllables = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    syllables.pre_tokenizer = pre_tokenizers.Whitespace()
    texts = [r["text"] for r in read_letters(CORPUS)[:200]]
    syllables.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=500, special_tokens=["[UNK]"]))
    assert not expects_segmented_words(PreTrainedTokenizerFast(tokenizer_object=syllables, unk_token="[UNK]"))
