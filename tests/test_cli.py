"""`homthu classify` — the batch contract other tools depend on, run as a real process."""

import json
import subprocess
import sys
from pathlib import Path

HOMTHU = str(Path(sys.executable).parent / "homthu")
FIELDS = {
    "topic",
    "topic_confidence",
    "topics",
    "letter_type",
    "letter_type_confidence",
    "department",
    "needs_review",
    "review_reasons",
    "wards",
    "model_version",
}


def run(args, stdin: bytes = b""):
    return subprocess.run([HOMTHU, *args], input=stdin, capture_output=True, timeout=300)


def test_classify_jsonl_adds_fields_and_passes_others_through(model_dir, tmp_path):
    src = tmp_path / "letters.jsonl"
    src.write_text(
        json.dumps(
            {"text": "Nhà số 8 ngõ 5 xây thêm tầng 6 không phép", "ref": "A-1", "meta": {"k": [1]}}, ensure_ascii=False
        )
        + "\n"
        + json.dumps({"text": "rac thai do bua bai canh mương, boc mui"})
        + "\n",
        encoding="utf-8",
    )
    proc = run(["classify", str(src), "--model", str(model_dir)])
    assert proc.returncode == 0, proc.stderr.decode()
    lines = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert FIELDS <= set(first)
    assert first["ref"] == "A-1" and first["meta"] == {"k": [1]}
    assert len(first["topics"]) == 3 and set(first["topics"][0]) == {"id", "confidence"}
    assert first["topics"][0]["id"] == first["topic"]
    assert isinstance(first["needs_review"], bool) and isinstance(first["review_reasons"], list)
    assert first["model_version"] == "letters-linear-test-0001"


def test_classify_reports_bad_lines_and_goes_on(model_dir):
    stdin = (
        b"\n".join(
            [
                b'{"text": "\xc4\x90\xc3\xa8n \xc4\x91\xc6\xb0\xe1\xbb\x9dng h\xe1\xbb\x8fng"}',  # "Đèn đường hỏng"
                b"this is not json",
                b'{"id": 3}',
                b'{"text": "   "}',
                b'{"text": "\xff\xfe broken bytes"}',
                b'["a list"]',
                '{"text": "trạm y tế phường đóng cửa"}'.encode(),
            ]
        )
        + b"\n"
    )
    proc = run(["classify", "--model", str(model_dir)], stdin)
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert len(out) == 7
    assert "topic" in out[0] and "topic" in out[6]
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert set(errors) == {2, 3, 4, 5, 6}
    assert "JSON" in errors[2] and "text" in errors[3] and "empty" in errors[4] and "UTF-8" in errors[5]
    assert out[2]["id"] == 3  # fields of a broken letter are kept
    stderr = proc.stderr.decode()
    assert "<stdin>:2:" in stderr and "5 line(s) failed" in stderr


def test_classify_text_mode_one_letter_per_line(model_dir):
    proc = run(
        ["classify", "--text", "--model", str(model_dir)], "Đề nghị sửa đường\nTôi góp ý dự thảo Luật Thủ đô\n".encode()
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [o["text"] for o in out] == ["Đề nghị sửa đường", "Tôi góp ý dự thảo Luật Thủ đô"]


def test_classify_missing_file_and_missing_model_are_clear_errors(model_dir, tmp_path):
    proc = run(["classify", str(tmp_path / "nope.jsonl"), "--model", str(model_dir)])
    assert proc.returncode == 2 and b"nope.jsonl: no such file" in proc.stderr
    proc = run(["classify", "--model", str(tmp_path)], b'{"text": "a"}\n')
    assert proc.returncode == 2 and b"manifest" in proc.stderr and b"Traceback" not in proc.stderr


def test_classify_batches_many_lines(model_dir):
    stdin = "".join(
        json.dumps({"text": f"Đèn đường số {i} hỏng", "n": i}, ensure_ascii=False) + "\n" for i in range(150)
    ).encode()
    proc = run(["classify", "--model", str(model_dir), "--batch-size", "32"], stdin)
    assert proc.returncode == 0
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [o["n"] for o in out] == list(range(150))
