"""Topic trends for leaders: counts over time (SQL aggregation in the database) and emerging issues.

Emerging rule: for each group (topic, ward…), the count in the latest period is compared with the
mean of the ``baseline`` periods before it; it is *emerging* when the count is at least
``min_count`` and a Poisson test with that mean gives p < ``alpha`` for a count this high
(``P(X >= count | mean)``). A group unseen in the baseline gets a floor mean of 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from scipy.stats import poisson
from sqlalchemy import BigInteger, Date, cast, func, literal, literal_column, select, update
from sqlalchemy.orm import Session

from models.keywords import class_tfidf, emerging_terms, letter_terms, stop_words
from service.letters import LetterFilters, apply_filters
from service.rollup import DIMENSIONS, LOCAL_OFFSET, local, local_time
from service.storage.tables import DailyCount, DailyWardCount, Letter, LetterPlace

GROUPS = ("topic", "letter_type", "department", "ward", "channel", "status")
PERIODS = ("day", "week", "month")


def bucket(session: Session, period: str, column=Letter.received_at):
    """The start date of each row's period (local days in Vietnam), in the database's own dialect.

    ``column`` is a stored time (UTC), or the ``day`` of the daily counts (already local).
    """
    if column is Letter.received_at:
        column = local_time(session, column)
    if session.bind.dialect.name == "postgresql":
        return cast(func.date_trunc(period, column), Date)
    if period == "day":
        return func.date(column)
    if period == "month":
        return func.strftime("%Y-%m-01", column)
    return func.date(column, "weekday 0", "-6 days")  # the Monday of the week


def period_start(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def midnight(day: date) -> datetime:
    """The start of a local day in Vietnam."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - LOCAL_OFFSET


def next_period(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def counts(
    session: Session, *, by: str, period: str, filters: LetterFilters, raw: bool = False
) -> dict[str, dict[date, int]]:
    """{group: {period start: letters}} for letters matching ``filters``.

    Read from the daily counts (service.rollup) when they can answer — whole days, filters on
    topic, letter type, department, channel or a ward key — else from the letters themselves.
    """
    if not raw and _rollup_answers(session, by, filters):
        return _collect(session.execute(_rollup_query(session, by, period, filters)))
    b = bucket(session, period).label("bucket")
    if by == "ward":
        key = func.coalesce(LetterPlace.current_unit, LetterPlace.as_written).label("key")
        stmt = select(key, b, func.count(func.distinct(Letter.id))).join(
            LetterPlace, LetterPlace.letter_id == Letter.id
        )
    else:
        key = getattr(Letter, by).label("key")
        stmt = select(key, b, func.count())
    stmt = apply_filters(stmt, filters).group_by(literal_column("key"), literal_column("bucket"))
    return _collect(session.execute(stmt))


def _collect(result) -> dict[str, dict[date, int]]:
    out: dict[str, dict[date, int]] = {}
    for k, start, n in result:
        if isinstance(start, str):
            start = date.fromisoformat(start[:10])
        elif isinstance(start, datetime):
            start = start.date()
        out.setdefault(str(k), {})[start] = int(n)
    return out


def _whole_day(value: datetime | None) -> bool:
    return value is None or local(value).time() == time(0)


def _rollup_answers(session: Session, by: str, f: LetterFilters) -> bool:
    if by == "status" or f.status or f.q or any(x is not None for x in (f.needs_review, f.urgent, f.overdue)):
        return False
    if not (_whole_day(f.received_from) and _whole_day(f.received_to)):
        return False
    if by == "ward" or f.ward:  # the ward table keeps the topic only
        if by not in ("ward", "topic") or f.letter_type or f.department or f.channel:
            return False
    if f.ward:  # a ward key as the trends return it; anything looser goes to the letters
        return session.scalar(select(DailyWardCount.day).where(DailyWardCount.ward == f.ward).limit(1)) is not None
    return True


def _rollup_query(session: Session, by: str, period: str, f: LetterFilters):
    table = DailyWardCount if by == "ward" or f.ward else DailyCount
    b = bucket(session, period, table.day).label("bucket")
    stmt = select(getattr(table, by).label("key"), b, func.sum(table.letters))
    for name in DIMENSIONS:
        if getattr(f, name):  # _rollup_answers let through only what ``table`` has
            stmt = stmt.where(getattr(table, name) == getattr(f, name))
    if f.ward:
        stmt = stmt.where(table.ward == f.ward)
    if f.received_from:
        stmt = stmt.where(table.day >= local(f.received_from).date())
    if f.received_to:
        stmt = stmt.where(table.day < local(f.received_to).date())
    return stmt.group_by(literal_column("key"), literal_column("bucket")).having(func.sum(table.letters) > 0)


@dataclass
class Emerging:
    key: str
    period: date
    count: int
    baseline_mean: float
    ratio: float
    p_value: float
    baseline: list[int]


def emerging(
    series: dict[str, dict[date, int]],
    *,
    latest: date,
    period: str,
    baseline: int = 8,
    min_count: int = 5,
    alpha: float = 0.01,
) -> list[Emerging]:
    """Groups whose count in the ``latest`` period is well above their own recent baseline."""
    starts = baseline_periods(latest, period, baseline)
    out = []
    for key, points in series.items():
        count = points.get(latest, 0)
        if count < min_count:
            continue
        before = [points.get(s, 0) for s in starts]
        mean = max(sum(before) / baseline, 0.5)
        p = float(poisson.sf(count - 1, mean))
        if p < alpha:
            out.append(Emerging(key, latest, count, round(mean, 2), round(count / mean, 2), p, before))
    return sorted(out, key=lambda e: e.p_value)


def baseline_periods(latest: date, period: str, n: int) -> list[date]:
    """The starts of the ``n`` periods before ``latest``, oldest first."""
    starts = [latest]
    for _ in range(n):
        starts.append(previous_period(starts[-1], period))
    return starts[:0:-1]


def emerging_groups(
    session: Session, *, by: str, latest: date, period: str, baseline: int, min_count: int, filters: LetterFilters
) -> list[Emerging]:
    """:func:`emerging` over the counts of the baseline periods and the latest one only."""
    first = baseline_periods(latest, period, baseline)[0]
    window = replace(filters, received_from=midnight(first), received_to=midnight(next_period(latest, period)))
    data = counts(session, by=by, period=period, filters=window)
    return emerging(data, latest=latest, period=period, baseline=baseline, min_count=min_count)


def previous_period(start: date, period: str) -> date:
    if period == "day":
        return start - timedelta(days=1)
    if period == "week":
        return start - timedelta(days=7)
    return (start - timedelta(days=1)).replace(day=1)


# -- keywords and emerging terms ------------------------------------------------------------

SAMPLE_PER_CLASS = 1500
"""At most this many letters per class are read for keywords: a fixed pseudo-random sample
(letters ordered by a hash of their id), so the answer is stable and the cost is bounded on a
million letters."""
BACKGROUND_PER_CLASS = 500  # letters read from each other class (the IDF side of c-TF-IDF)


def _sample(session: Session, filters: LetterFilters, limit: int, *extra) -> list[tuple[int, list[str]]]:
    """(letter id, terms) of up to ``limit`` letters matching ``filters``, a stable pseudo-random sample."""
    shuffle = (cast(Letter.id, BigInteger) * literal(2654435761, BigInteger)) % literal(4294967296, BigInteger)
    stmt = select(Letter.id, Letter.terms).where(*extra)
    stmt = apply_filters(stmt, filters).order_by(shuffle).limit(limit)
    rows = session.execute(stmt).all()
    missing = [i for i, t in rows if t is None]
    skip = stop_words()  # stop words added since a letter was stored apply at once
    terms = {i: [w for w in t.split() if w not in skip] for i, t in rows if t is not None}
    if missing:  # letters stored before terms existed: compute once, keep
        for letter_id, masked in session.execute(select(Letter.id, Letter.text_masked).where(Letter.id.in_(missing))):
            found = letter_terms(masked)
            terms[letter_id] = found
            session.execute(update(Letter).where(Letter.id == letter_id).values(terms=" ".join(found)))
        session.commit()
    return [(i, terms[i]) for i, _ in rows]


@dataclass
class KeywordsResult:
    letters: int
    keywords: list
    examples: list[Letter]


def keywords(
    session: Session,
    *,
    filters: LetterFilters,
    topic_ids: list[str],
    top: int = 15,
    examples: int = 3,
) -> KeywordsResult:
    """The distinctive terms of the letters that ``filters`` select (a topic or a ward, a period).

    With a topic, every topic of the same period is a class (c-TF-IDF across topics); with a
    ward (and no topic), the ward's letters are one class and all other letters of the period the other.
    """
    period = replace(filters, topic=None, ward=None)
    if filters.topic:
        target = _sample(session, filters, SAMPLE_PER_CLASS)
        classes = {
            t: _sample(session, replace(period, topic=t), BACKGROUND_PER_CLASS) for t in topic_ids if t != filters.topic
        }
        classes[filters.topic] = target
    else:
        target = _sample(session, filters, SAMPLE_PER_CLASS)
        ids = {i for i, _ in target}
        rest = [x for x in _sample(session, period, 3 * BACKGROUND_PER_CLASS) if x[0] not in ids]
        classes = {"target": target, "rest": rest}
    key = filters.topic or "target"
    scored = class_tfidf({c: [t for _, t in rows] for c, rows in classes.items() if rows}, top=top)
    found = scored.get(key, [])
    weight = {k.term: k.score for k in found}
    best = sorted(target, key=lambda x: -sum(weight.get(t, 0.0) for t in x[1]))[:examples]
    by_id = {x.id: x for x in session.scalars(select(Letter).where(Letter.id.in_([i for i, _ in best])))}
    return KeywordsResult(letters=len(target), keywords=found, examples=[by_id[i] for i, _ in best if i in by_id])


@dataclass
class EmergingTermsResult:
    latest_letters: int
    baseline_letters: int
    terms: list


def emerging_terms_between(
    session: Session,
    *,
    latest: date,
    period: str,
    baseline: int,
    min_count: int,
    filters: LetterFilters,
    sample: int = 4000,
) -> EmergingTermsResult:
    """Terms used by more letters in the period starting ``latest`` than in the ``baseline`` periods before."""
    start = baseline_periods(latest, period, baseline)[0]
    end = midnight(next_period(latest, period))
    now = _sample(session, replace(filters, received_from=midnight(latest), received_to=end), sample)
    before = _sample(session, replace(filters, received_from=midnight(start), received_to=midnight(latest)), sample)
    found = emerging_terms([t for _, t in now], [t for _, t in before], min_count=min_count)
    return EmergingTermsResult(latest_letters=len(now), baseline_letters=len(before), terms=found)
