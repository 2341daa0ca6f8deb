"""Topic trends for leaders: counts over time (SQL aggregation in the database) and emerging issues.

Emerging rule: for each group (topic, ward…), the count in the latest period is compared with the
mean of the ``baseline`` periods before it; it is *emerging* when the count is at least
``min_count`` and a Poisson test with that mean gives p < ``alpha`` for a count this high
(``P(X >= count | mean)``). A group unseen in the baseline gets a floor mean of 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scipy.stats import poisson
from sqlalchemy import Date, cast, func, literal_column, select
from sqlalchemy.orm import Session

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
        mean = max(sum(points.get(s, 0) for s in starts) / baseline, 0.5)
        p = float(poisson.sf(count - 1, mean))
        if p < alpha:
            out.append(Emerging(key, latest, count, round(mean, 2), round(count / mean, 2), p))
    return sorted(out, key=lambda e: e.p_value)


def _previous(start: date, period: str) -> date:
    if period == "day":
        return start - timedelta(days=1)
    if period == "week":
        return start - timedelta(days=7)
    return (start - timedelta(days=1)).replace(day=1)
