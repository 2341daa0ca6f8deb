"""Topic trends for leaders: counts over time (SQL aggregation in the database) and emerging issues.

Emerging rule: for each group (topic, ward…), the count in the latest period is compared with the
mean of the ``baseline`` periods before it; it is *emerging* when the count is at least
``min_count`` and a Poisson test with that mean gives p < ``alpha`` for a count this high
(``P(X >= count | mean)``). A group unseen in the baseline gets a floor mean of 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from scipy.stats import poisson
from sqlalchemy import BigInteger, Date, cast, func, literal, literal_column, select, update
from sqlalchemy.orm import Session

from models.keywords import class_tfidf, emerging_terms, letter_terms
from service.letters import LetterFilters, apply_filters
from service.storage.tables import Letter, LetterPlace

GROUPS = ("topic", "letter_type", "department", "ward", "channel", "status")
PERIODS = ("day", "week", "month")


def bucket(session: Session, period: str):
    """The start date of each letter's period, in the database's own dialect."""
    if session.bind.dialect.name == "postgresql":
        return cast(func.date_trunc(period, Letter.received_at), Date)
    if period == "day":
        return func.date(Letter.received_at)
    if period == "month":
        return func.strftime("%Y-%m-01", Letter.received_at)
    return func.date(Letter.received_at, "weekday 0", "-6 days")  # the Monday of the week


def period_start(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def next_period(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def counts(session: Session, *, by: str, period: str, filters: LetterFilters) -> dict[str, dict[date, int]]:
    """{group: {period start: letters}} for letters matching ``filters``."""
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
    out: dict[str, dict[date, int]] = {}
    for k, start, n in session.execute(stmt):
        if isinstance(start, str):
            start = date.fromisoformat(start[:10])
        elif isinstance(start, datetime):
            start = start.date()
        out.setdefault(str(k), {})[start] = int(n)
    return out


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
    starts, start = [], latest
    for _ in range(baseline):
        start = _previous(start, period)
        starts.append(start)
    out = []
    for key, points in series.items():
        count = points.get(latest, 0)
        if count < min_count:
            continue
        before = [points.get(s, 0) for s in reversed(starts)]
        mean = max(sum(before) / baseline, 0.5)
        p = float(poisson.sf(count - 1, mean))
        if p < alpha:
            out.append(Emerging(key, latest, count, round(mean, 2), round(count / mean, 2), p, before))
    return sorted(out, key=lambda e: e.p_value)


def _previous(start: date, period: str) -> date:
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


def _sample(session: Session, filters: LetterFilters, limit: int, *extra) -> list[tuple[int, list[str]]]:
    """(letter id, terms) of up to ``limit`` letters matching ``filters``, a stable pseudo-random sample."""
    shuffle = (cast(Letter.id, BigInteger) * literal(2654435761, BigInteger)) % literal(4294967296, BigInteger)
    stmt = select(Letter.id, Letter.terms).where(*extra)
    stmt = apply_filters(stmt, filters).order_by(shuffle).limit(limit)
    rows = session.execute(stmt).all()
    missing = [i for i, t in rows if t is None]
    terms = {i: t.split() for i, t in rows if t is not None}
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
            t: _sample(session, replace(period, topic=t), SAMPLE_PER_CLASS) for t in topic_ids if t != filters.topic
        }
        classes[filters.topic] = target
    else:
        target = _sample(session, filters, SAMPLE_PER_CLASS)
        ids = {i for i, _ in target}
        rest = [x for x in _sample(session, period, 3 * SAMPLE_PER_CLASS) if x[0] not in ids]
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
    start = latest
    for _ in range(baseline):
        start = _previous(start, period)
    as_dt = lambda d: datetime(d.year, d.month, d.day, tzinfo=UTC)  # noqa: E731
    now = _sample(
        session, replace(filters, received_from=as_dt(latest), received_to=as_dt(next_period(latest, period))), sample
    )
    before = _sample(session, replace(filters, received_from=as_dt(start), received_to=as_dt(latest)), sample)
    found = emerging_terms([t for _, t in now], [t for _, t in before], min_count=min_count)
    return EmergingTermsResult(latest_letters=len(now), baseline_letters=len(before), terms=found)
