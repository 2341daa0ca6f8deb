"""`homthu demo seed`: a year of corpus letters in a fresh database, run as a real process."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

HOMTHU = str(Path(sys.executable).parent / "homthu")


def test_demo_seed_fills_a_year_once_with_keys(model_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "HOMTHU_DATABASE_URL": url, "HOMTHU_MODEL_DIR": str(model_dir)}
    args = [HOMTHU, "demo", "seed", "--limit", "150", "--end", "2026-06-30"]
    first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "150 letters stored (0 were already there)" in first.stdout
    keys = dict(line.split()[:2] for line in first.stdout.splitlines() if line.startswith("demo-"))
    assert set(keys) == {"demo-clerk", "demo-analyst", "demo-admin"}
    assert all(k.startswith("hmt_") for k in keys.values())

    again = subprocess.run([*args, "--no-keys"], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "0 letters stored (150 were already there)" in again.stdout

    from service.storage.db import Database
    from service.storage.tables import Letter

    db = Database(url)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 150
        first_day, last_day = s.execute(select(func.min(Letter.received_at), func.max(Letter.received_at))).one()
        assert date(2025, 7, 1) <= first_day.date() and last_day.date() <= date(2026, 6, 30)
        assert last_day.date() - first_day.date() > timedelta(days=300)  # spread over the year
        statuses = dict(s.execute(select(Letter.status, func.count()).group_by(Letter.status)).all())
        assert statuses.get("resolved", 0) > 50  # old letters are settled
        old = select(func.count()).where(Letter.received_at < "2026-04-01", Letter.status == "needs_review")
        assert s.scalar(old) == 0  # nothing months old still waits for review
        assert s.scalar(select(func.count()).where(Letter.terms.is_(None))) == 0
        assert len(set(s.scalars(select(Letter.channel)))) >= 4
    db.dispose()

    bad = subprocess.run([HOMTHU, "demo", "seed", "--end", "30/06/2026"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "--end" in bad.stderr and "Traceback" not in bad.stderr
