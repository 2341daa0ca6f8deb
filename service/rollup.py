"""Daily letter counts, kept in step with the letters table in the same transaction.

Every stored letter adds one to its (day, topic, letter type, department, channel) row and to
a (day, ward, topic) row per ward it names; a correction of topic, letter type or department moves the letter
from its old rows to its new ones. ``rebuild`` recomputes both tables from the letters (after a
bulk load or to check them). Days are local days in Vietnam (UTC+7, no daylight saving), the
days the offices and the leaders count in; times are stored in UTC.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.storage.tables import DailyCount, DailyWardCount, Letter, LetterPlace

DIMENSIONS = ("topic", "letter_type", "department", "channel")
LOCAL_OFFSET = timedelta(hours=7)  # Indochina Time; migration 0004 uses the same offset


def local(value: datetime) -> datetime:
    """A stored (UTC) time as wall-clock time in Vietnam, without offset."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value + LOCAL_OFFSET


def day_of(received_at: datetime) -> date:
    return local(received_at).date()


def local_time(session: Session, column):
    """SQL: ``column`` (stored in UTC) as wall-clock time in Vietnam."""
    if session.bind.dialect.name == "postgresql":
        return func.timezone("UTC", column) + LOCAL_OFFSET
    return func.datetime(column, f"+{int(LOCAL_OFFSET.total_seconds() // 3600)} hours")


def ward_of(place) -> str:
    return place.current_unit or place.as_written


def key_of(letter: Letter) -> tuple:
    """A letter's counted key now (take it before a correction, give it to ``count(-1)``)."""
    return (day_of(letter.received_at), *(getattr(letter, d) for d in DIMENSIONS))


def _wards(letter: Letter) -> set[str]:
    return {ward_of(p) for p in letter.places}


def _upsert(session: Session, table, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={"letters": table.c.letters + stmt.excluded.letters})
    session.execute(stmt, rows)


def count(session: Session, letters: list[Letter], sign: int = 1, keys: list[tuple] | None = None) -> None:
    """Add (``sign`` 1) or remove (-1) ``letters`` from the daily counts; ``keys`` overrides their
    (day, topic, letter type, department, channel) — the values before a correction."""
    plain, wards = Counter(), Counter()
    for i, letter in enumerate(letters):
        key = keys[i] if keys else key_of(letter)
        plain[key] += sign
        for ward in _wards(letter):
            wards[(key[0], ward, key[1])] += sign  # day, ward, topic
    names = ("day", *DIMENSIONS)
    # sorted: concurrent writers take row locks in the same order (no deadlock on PostgreSQL)
    _upsert(
        session,
        DailyCount.__table__,
        [dict(zip(names, k, strict=True), letters=n) for k, n in sorted(plain.items()) if n],
    )
    names = ("day", "ward", "topic")
    _upsert(
        session,
        DailyWardCount.__table__,
        [dict(zip(names, k, strict=True), letters=n) for k, n in sorted(wards.items()) if n],
    )


def rebuild(session: Session) -> int:
    """Recompute both tables from the letters; returns the number of letters counted."""
    day = func.date(local_time(session, Letter.received_at))
    dims = [getattr(Letter, d) for d in DIMENSIONS]
    session.execute(delete(DailyCount))
    session.execute(delete(DailyWardCount))
    session.execute(
        insert(DailyCount).from_select(
            ["day", *DIMENSIONS, "letters"], select(day, *dims, func.count()).group_by(day, *dims)
        )
    )
    ward = func.coalesce(LetterPlace.current_unit, LetterPlace.as_written)
    per_letter = (
        select(Letter.id.label("id"), day.label("day"), ward.label("ward"), *dims)
        .join(LetterPlace, LetterPlace.letter_id == Letter.id)
        .distinct()
        .subquery()
    )
    cols = [per_letter.c.day, per_letter.c.ward, per_letter.c.topic]
    session.execute(
        insert(DailyWardCount).from_select(
            ["day", "ward", "topic", "letters"], select(*cols, func.count()).group_by(*cols)
        )
    )
    return session.scalar(select(func.coalesce(func.sum(DailyCount.letters), 0)))
