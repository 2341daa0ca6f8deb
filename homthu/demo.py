"""Demo data: a realistic year of letters from the corpus, for the dashboard and the notebooks.

Every corpus letter is received once, through the real intake (classification, routing, places,
masking, terms, duplicates), at a time drawn from its topic's season:

- environment and infrastructure letters peak in the rainy season (June to October: flooding,
  drains, fallen trees), education in August and September (school year, fees), administrative
  procedures before Tết (December, January), health in the dengue months (June to September);
- letters arrive on working days and in working hours more than at weekends and at night;
- two emerging issues in the latest week (the week of the last day): a burst of environment
  letters, and many letters from one ward (the ward the corpus names most), so
  ``/v1/trends/emerging`` finds them;
- older letters are resolved or in progress, recent ones routed or waiting for review;
- writers (names and phones, invented) on most letters, some anonymous.

External ids are ``demo-<corpus id>``: seeding twice stores nothing new.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from service import workflow
from service.intake import IncomingLetter, Intake
from service.letters import store_letters
from service.storage.db import Database
from service.storage.tables import Letter

SEASONS = {  # month weights (Jan..Dec) per topic; a topic not named is even through the year
    "moi_truong": [1, 1, 1, 1, 2, 3, 4, 4, 3, 2, 1, 1],
    "ha_tang_giao_thong": [1, 1, 1, 1, 2, 3, 3, 4, 3, 2, 1, 1],
    "giao_duc": [1, 1, 1, 1, 1, 2, 2, 4, 4, 1, 1, 1],
    "thu_tuc_hanh_chinh": [3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3],
    "y_te": [1, 1, 1, 1, 2, 3, 3, 3, 3, 1, 1, 1],
}
CHANNELS = {  # corpus style -> channel
    "formal_letter": ["letter"],
    "portal_message": ["portal"],
    "city_portal": ["portal"],
    "qa_question": ["portal"],
    "chat_group": ["app"],
    "no_diacritics": ["app", "hotline", "portal"],
    "email": ["email"],
    "voters_meeting": ["voters_meeting"],
    "hotline_digest": ["hotline"],
    "one_liner": ["mailbox", "app"],
    "newspaper_column": ["other"],
}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Hữu"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phương", "Sơn", "Tâm", "Yến"]
EMERGING_TOPIC = "moi_truong"


@dataclass
class SeedReport:
    letters: int
    created: int
    existing: int
    start: date
    end: date
    emerging_topic: str
    emerging_ward: str | None
    topics: Counter


def _when(rng: random.Random, topic: str, start: date, days: int) -> datetime:
    """A receiving time in [start, start + days): the topic's season, working days and hours."""
    weights = SEASONS.get(topic)
    while True:
        day = start + timedelta(days=rng.randrange(days))
        keep = (weights[day.month - 1] / max(weights)) if weights else 1.0
        if day.weekday() >= 5:
            keep *= 0.35
        if rng.random() < keep:
            break
    hour = min(max(int(rng.gauss(11, 3.5)), 6), 22)
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=UTC)


def _status(rng: random.Random, row: dict, age_days: int) -> str:
    if age_days > 60:
        return rng.choices(
            [workflow.RESOLVED, workflow.IN_PROGRESS, workflow.CLOSED_NOT_RESPONSIBLE, workflow.CLOSED_WITHDRAWN],
            [80, 10, 6, 4],
        )[0]
    if age_days > 14:
        return rng.choices([workflow.RESOLVED, workflow.IN_PROGRESS, workflow.ROUTED], [40, 40, 20])[0]
    return row["status"] if rng.random() < 0.85 else workflow.IN_PROGRESS


def _writer(rng: random.Random) -> dict:
    if rng.random() < 0.25:
        return {}  # anonymous
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return {"name": name, "phone": "09" + "".join(str(rng.randrange(10)) for _ in range(8))}


def seed(
    db: Database,
    intake: Intake,
    corpus: list[dict],
    *,
    end: date | None = None,
    days: int = 365,
    limit: int | None = None,
    seed: int = 0,
    batch: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Receive the corpus letters (or the first ``limit`` of a shuffled copy) over ``days`` days to ``end``."""
    rng = random.Random(seed)
    letters = sorted(corpus, key=lambda r: r["id"])
    rng.shuffle(letters)
    letters = letters[:limit] if limit else letters
    end = end or datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    ward_counts = Counter(w for r in letters for w in r.get("wards") or [])
    emerging_ward = ward_counts.most_common(1)[0][0] if ward_counts else None

    plan = []  # (corpus row, received_at)
    week = end - timedelta(days=end.weekday())  # the burst lands in the week of ``end``: the latest one
    for r in letters:
        burst = (r["topic"] == EMERGING_TOPIC and rng.random() < 0.3) or (
            emerging_ward in (r.get("wards") or []) and rng.random() < 0.6
        )
        when = _when(rng, r["topic"], week, (end - week).days + 1) if burst else _when(rng, r["topic"], start, days)
        plan.append((r, when))
    plan.sort(key=lambda x: x[1])

    with db.session() as session:
        stored = set(session.scalars(select(Letter.external_id).where(Letter.external_id.like("demo-%"))))
    existing = sum(f"demo-{r['id']}" in stored for r, _ in plan)
    todo = [(r, when) for r, when in plan if f"demo-{r['id']}" not in stored]
    created = 0
    for i in range(0, len(todo), batch):
        chunk = todo[i : i + batch]
        incoming = [
            IncomingLetter(
                text=r["text"],
                received_at=when,
                channel=rng.choice(CHANNELS.get(r.get("style", ""), ["portal"])),
                external_id=f"demo-{r['id']}",
                writer=_writer(rng),
            )
            for r, when in chunk
        ]
        rows = intake.prepare(incoming)
        for row, (_, when) in zip(rows, chunk, strict=True):
            status = _status(rng, row, (end - when.date()).days)
            if status != row["status"]:
                row["status"], row["needs_review"] = status, False
            row["created_at"] = row["updated_at"] = when
        with db.session() as session:
            for _, was_created in store_letters(session, rows, actor="demo-seed"):
                created += was_created
                existing += not was_created
        if progress:
            progress(min(i + batch, len(todo)), len(todo))
    return SeedReport(
        letters=len(plan),
        created=created,
        existing=existing,
        start=start,
        end=end,
        emerging_topic=EMERGING_TOPIC,
        emerging_ward=emerging_ward,
        topics=Counter(r["topic"] for r, _ in plan),
    )
