"""Data staff's loop, end to end, as the README tells it: import an .xlsx with Vietnamese headers →
train → evaluate → promote → the running service answers with the new version → roll back."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from openpyxl import Workbook

from models.registry import Registry
from tests.conftest import Server, free_port, small_sample
from training.corpus import assign_splits, write_splits

HOMTHU = str(Path(sys.executable).parent / "homthu")

NEW_LETTERS = [
    ("Đề nghị nạo vét rãnh thoát nước ngõ 88 phố Trần Cung, mưa là ngập đến đầu gối", "Hạ tầng, giao thông",
     "Kiến nghị, phản ánh", "không"),
    ("Quán karaoke số 15 đường Tân Xuân hát đến 2 giờ sáng, đề nghị công an phường xử phạt chủ quán",
     "an_ninh_trat_tu", "Tố cáo", ""),
    ("Trường tiểu học thu tiền điều hòa 500 nghìn mỗi học sinh dù phòng học không có máy", "Giáo dục",
     "Kiến nghị, phản ánh", ""),
    ("Dây điện trước nhà số 3 ngõ 12 bị đứt rơi xuống đường, trẻ con đi học qua rất nguy hiểm",
     "ha_tang_giao_thong", "kien_nghi_phan_anh", "có"),
]


def run(args, env, check=True):
    proc = subprocess.run([HOMTHU, *args], env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def wait_for_version(url: str, version: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(url + "/healthz").json()["model_version"] == version:
            return
        time.sleep(0.2)
    raise AssertionError(f"service did not switch to {version}")


def test_import_train_evaluate_promote_serve_rollback(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "letters").mkdir(parents=True)
    rows = small_sample(per_topic=25)
    with (corpus / "letters" / "base.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, ensure_ascii=False) + "\n")
    write_splits(corpus, assign_splits(rows, {}, seed=1))
    env = {**os.environ, "HOMTHU_MODELS_DIR": str(tmp_path / "registry"), "HOMTHU_DATA_DIR": str(tmp_path / "data"),
           "HOMTHU_REGISTRY_POLL_SECONDS": "0.3"}
    train_args = ["train", "--set", f'corpus.path="{corpus}"', "--set", "corpus.derive_unaccented=0.0",
                  "--set", "model.char_max_features=20000"]

    # 1. import a spreadsheet with Vietnamese headers; a bad row blocks the whole file
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung", "Lĩnh vực", "Loại đơn", "Khẩn cấp"])
    for i, (text, topic, kind, urgent) in enumerate(NEW_LETTERS, 1):
        ws.append([i, text, topic, kind, urgent])
    ws.append([99, "Rác ùn ứ đầu ngõ", "Môi trường xanh", "Kiến nghị, phản ánh", ""])
    xlsx = tmp_path / "don-thang-11.xlsx"
    wb.save(xlsx)
    bad = run(["corpus", "import", str(xlsx), "--path", str(corpus), "--batch", "t11"], env, check=False)
    assert bad.returncode == 1 and "row 6, column Lĩnh vực: unknown topic 'Môi trường xanh'" in bad.stderr
    assert not (corpus / "letters" / "t11.jsonl").exists()
    ws.delete_rows(6)
    wb.save(xlsx)
    run(["corpus", "import", str(xlsx), "--path", str(corpus), "--batch", "t11"], env)
    imported = [json.loads(x) for x in (corpus / "letters" / "t11.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["topic"] for x in imported] == ["ha_tang_giao_thong", "an_ninh_trat_tu", "giao_duc", "ha_tang_giao_thong"]
    assert imported[3]["urgent"] is True and imported[1]["letter_type"] == "to_cao"

    # 2. train the first version and put it in service
    first = json.loads(run([*train_args, "--promote"], env).stdout)["version"]
    registry = Registry(tmp_path / "registry")
    assert registry.current() == first
    manifest = json.loads((registry.path_of(first) / "manifest.json").read_text())
    assert manifest["corpus"]["fingerprint"].startswith("sha256:") and manifest["seed"] == 20251128
    assert (registry.path_of(first) / "report.md").exists()

    server = Server(env, free_port())
    try:
        assert httpx.get(server.url + "/healthz").json()["model_version"] == first

        # 3. a second version (another C), evaluated, then promoted while requests are in flight
        second = json.loads(run([*train_args, "--set", "model.C=3.0"], env).stdout)["version"]
        assert second != first
        report = run(["evaluate", second], env).stdout
        assert "topic_macro_f1" in report
        answers, stop = [], threading.Event()

        def hammer():
            with httpx.Client(base_url=server.url, timeout=30) as client:
                while not stop.is_set():
                    r = client.post("/v1/classify", json={"text": "Đèn đường ngõ 12 hỏng cả tuần"})
                    answers.append((r.status_code, r.json().get("model_version")))

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        run(["models", "promote", second, "--force"], env)
        wait_for_version(server.url, second)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        assert answers and all(code == 200 for code, _ in answers)
        assert {v for _, v in answers} <= {first, second} and answers[-1][1] == second

        # 4. roll back: the old version answers again
        run(["models", "rollback"], env)
        wait_for_version(server.url, first)

        # 5. a corrupted version is refused by promote, and if forced into the registry, the old one keeps serving
        broken = registry.path_of(second) / "model.skops"
        broken.write_bytes(broken.read_bytes()[:1000])
        refused = run(["models", "promote", second], env, check=False)
        assert refused.returncode == 2 and "checksum" in refused.stderr
        registry.set_current(second, action="test")
        time.sleep(2)
        health = httpx.get(server.url + "/readyz").json()
        assert health["model_version"] == first and "checksum" in health["model_error"]
        assert httpx.post(server.url + "/v1/classify", json={"text": "Rác ùn ứ"}).status_code == 200
    finally:
        server.stop()
