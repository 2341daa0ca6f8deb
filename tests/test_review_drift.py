"""`homthu review suggest` and `homthu monitor drift` on a real SQLite database of letters."""

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from models.registry import Registry
from service.intake import IncomingLetter
from service.letters import store_letters
from service.model_holder import ModelHolder
from service.storage.db import Database
from tests.conftest import small_sample

HOMTHU = str(Path(sys.executable).parent / "homthu")


def test_review_suggest_and_drift_report(tmp_path, model_dir):
    registry = Registry(tmp_path / "registry")
    shutil.copytree(model_dir, registry.versions_dir / model_dir.name)
    registry.set_current(model_dir.name)
    db = Database(f"sqlite:///{tmp_path / 'data' / 'homthu.db'}")
    db.migrate()
    holder = ModelHolder(registry)
    letters = [IncomingLetter(r["text"], received_at=datetime.now(UTC)) for r in small_sample(per_topic=4)]
    letters.append(IncomingLetter("Xin hỏi thủ tục đăng ký nuôi chim bồ câu đua trên sân thượng ạ"))
    with db.session() as session:
        store_letters(session, holder.current.intake.prepare(letters), actor="test")
    db.dispose()
    env = {**os.environ, "HOMTHU_MODELS_DIR": str(tmp_path / "registry"), "HOMTHU_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([HOMTHU, "review", "suggest", "--n", "5"], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ") and not line.startswith("| letter")]
    assert len(rows) == 5
    scores = [float(r.split("|")[2]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    report = tmp_path / "drift.md"
    out = subprocess.run([HOMTHU, "monitor", "drift", "--out", str(report)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text = report.read_text(encoding="utf-8")
    assert "Domain classifier ROC AUC" in text and "Share sent to review" in text and "Verdict" in text
