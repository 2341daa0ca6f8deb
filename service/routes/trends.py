"""``/v1/trends``: what people write about, over time and place (analyst role), as JSON, CSV or Excel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from service.deps import Analyst, IntakeDep, SessionDep
from service.errors import field_error
from service.export import FILE_RESPONSES, Format, table_response
from service.letters import LetterFilters, as_utc
from service.rollup import local
from service.schemas import IsoDatetime, error_responses
from service.trends import (
    SAMPLE_PER_CLASS,
    counts,
    emerging_groups,
    emerging_terms_between,
    keywords,
    period_start,
)

router = APIRouter(prefix="/v1/trends", tags=["trends"], responses=error_responses(401, 403, 422))

Group = Literal["topic", "letter_type", "department", "ward", "channel", "status"]
Period = Literal["day", "week", "month"]
Text = Annotated[str | None, Query(max_length=200)]


class Point(BaseModel):
    period: str
    count: int


class Series(BaseModel):
    key: str
    total: int
    points: list[Point]


class TrendsPublic(BaseModel):
    by: str
    period: str
    series: list[Series]


class EmergingItem(BaseModel):
    key: str
    period: str
    count: int
    baseline_mean: float
    ratio: float
    p_value: float
    baseline: list[int] = []


class EmergingPublic(BaseModel):
    by: str
    period: str
    latest: str
    rule: str
    emerging: list[EmergingItem]


class KeywordItem(BaseModel):
    term: str
    score: float
    letters: int


class ExampleLetter(BaseModel):
    id: int
    received_at: datetime
    topic: str
    text: str


class KeywordsPublic(BaseModel):
    topic: str | None
    ward: str | None
    received_from: datetime
    received_to: datetime
    letters: int
    method: str
    keywords: list[KeywordItem]
    examples: list[ExampleLetter]


def _check(intake, **values) -> None:
    tax = intake.triage.taxonomy
    allowed = {"topic": tax.topic_ids, "department": tax.department_ids, "letter_type": tax.letter_type_ids}
    for name, value in values.items():
        if value and value not in allowed[name]:
            raise field_error(("query", name), f"unknown {name} {value!r}; one of {', '.join(allowed[name])}")


@router.get(
    "",
    operation_id="get_trends",
    response_model=TrendsPublic,
    responses=FILE_RESPONSES,
    summary="Letter counts over time, grouped by topic, letter type, department, ward or channel",
)
def trends(
    principal: Analyst,
    session: SessionDep,
    intake: IntakeDep,
    by: Group = "topic",
    period: Period = "week",
    received_from: IsoDatetime | None = None,
    received_to: IsoDatetime | None = None,
    topic: Annotated[str | None, Query(max_length=60)] = None,
    department: Annotated[str | None, Query(max_length=60)] = None,
    letter_type: Annotated[str | None, Query(max_length=60)] = None,
    ward: Text = None,
    channel: Annotated[str | None, Query(max_length=30)] = None,
    format: Format = "json",
):
    _check(intake, topic=topic, department=department, letter_type=letter_type)
    filters = LetterFilters(
        received_from=received_from,
        received_to=received_to,
        topic=topic or None,
        department=department or None,
        letter_type=letter_type or None,
        ward=ward or None,
        channel=channel or None,
    )
    data = counts(session, by=by, period=period, filters=filters)
    series = sorted(
        (
            Series(
                key=k,
                total=sum(v.values()),
                points=[Point(period=d.isoformat(), count=n) for d, n in sorted(v.items())],
            )
            for k, v in data.items()
        ),
        key=lambda s: (-s.total, s.key),
    )
    if format != "json":
        rows = [(p.period, s.key, p.count) for s in series for p in s.points]
        return table_response(["period", by, "letters"], sorted(rows), name=f"trends-{by}-{period}", format=format)
    return TrendsPublic(by=by, period=period, series=series)


@router.get(
    "/emerging",
    operation_id="get_emerging",
    response_model=EmergingPublic,
    responses=FILE_RESPONSES,
    summary="Topics, wards or terms whose latest count is well above their own recent baseline",
)
def emerging_issues(
    principal: Analyst,
    session: SessionDep,
    intake: IntakeDep,
    by: Literal["topic", "letter_type", "department", "ward", "channel", "term"] = "topic",
    period: Literal["day", "week", "month"] = "week",
    latest: IsoDatetime | None = None,
    baseline: Annotated[int, Query(ge=2, le=52)] = 8,
    min_count: Annotated[int, Query(ge=1, le=10_000)] = 5,
    topic: Annotated[str | None, Query(max_length=60)] = None,
    format: Format = "json",
):
    _check(intake, topic=topic)
    last = period_start(local(latest or datetime.now(UTC)).date(), period)
    if not date(1900, 1, 1) <= last <= date(9000, 1, 1):
        raise field_error(("query", "latest"), "must be between the years 1900 and 9000")
    filters = LetterFilters(topic=topic or None)
    if by == "term":
        found = emerging_terms_between(
            session, latest=last, period=period, baseline=baseline, min_count=min_count, filters=filters
        )
        rule = (
            f"letters using the term in the {period} starting {last} >= {min_count} and Poisson P(X >= count | "
            f"expected) < 0.01, expected = letters that {period} x (baseline letters using it + 0.5) / baseline "
            f"letters over the {baseline} previous {period}s (read: {found.latest_letters} latest, "
            f"{found.baseline_letters} baseline letters, a stable sample of at most 4000 each)"
        )
        items = [
            EmergingItem(
                key=t.term.replace("_", " "),
                period=last.isoformat(),
                count=t.count,
                baseline_mean=t.expected,
                ratio=t.ratio,
                p_value=t.p_value,
            )
            for t in found.terms
        ]
    else:
        found = emerging_groups(
            session, by=by, latest=last, period=period, baseline=baseline, min_count=min_count, filters=filters
        )
        rule = (
            f"count in the {period} starting {last} >= {min_count} and Poisson P(X >= count | mean of the "
            f"{baseline} previous {period}s) < 0.01"
        )
        items = [
            EmergingItem(
                key=e.key,
                period=e.period.isoformat(),
                count=e.count,
                baseline_mean=e.baseline_mean,
                ratio=e.ratio,
                p_value=e.p_value,
                baseline=e.baseline,
            )
            for e in found
        ]
    if format != "json":
        rows = [(i.key, i.period, i.count, i.baseline_mean, i.ratio, i.p_value) for i in items]
        columns = [by, "period", "count", "baseline_mean", "ratio", "p_value"]
        return table_response(columns, rows, name=f"emerging-{by}-{last}", format=format)
    return EmergingPublic(by=by, period=period, latest=last.isoformat(), rule=rule, emerging=items)


@router.get(
    "/keywords",
    operation_id="get_keywords",
    response_model=KeywordsPublic,
    responses=FILE_RESPONSES,
    summary="The distinctive words of a topic or a ward in a period (class-based TF-IDF), with example letters",
)
def topic_keywords(
    principal: Analyst,
    session: SessionDep,
    intake: IntakeDep,
    topic: Annotated[str | None, Query(max_length=60)] = None,
    ward: Text = None,
    received_from: IsoDatetime | None = None,
    received_to: IsoDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 15,
    format: Format = "json",
):
    topic, ward = topic or None, (ward or "").strip() or None
    if not topic and not ward:
        raise field_error(("query", "topic"), "give a topic or a ward (or both)")
    _check(intake, topic=topic)
    end = received_to or datetime.now(UTC)
    for name, value in (("received_from", received_from), ("received_to", end)):
        if value is not None and not 1900 <= value.year <= 9000:
            raise field_error(("query", name), "must be between the years 1900 and 9000")
    start = received_from or end - timedelta(days=30)
    if start >= end:
        raise field_error(("query", "received_from"), "must be before received_to")
    filters = LetterFilters(topic=topic, ward=ward, received_from=start, received_to=end)
    found = keywords(session, filters=filters, topic_ids=intake.triage.taxonomy.topic_ids, top=limit)
    items = [KeywordItem(term=k.term.replace("_", " "), score=k.score, letters=k.letters) for k in found.keywords]
    if format != "json":
        name = f"keywords-{topic or 'all'}-{start.date()}"
        return table_response(
            ["term", "score", "letters"], [(k.term, k.score, k.letters) for k in items], name=name, format=format
        )
    method = (
        "class-based TF-IDF over segmented words (stop words removed) of "
        + ("each topic's letters in the period" if topic else "the ward's letters against the period's other letters")
        + f"; at most {SAMPLE_PER_CLASS} letters per class, a stable sample"
    )
    return KeywordsPublic(
        topic=topic,
        ward=ward,
        received_from=start,
        received_to=end,
        letters=found.letters,
        method=method,
        keywords=items,
        examples=[
            ExampleLetter(id=x.id, received_at=as_utc(x.received_at), topic=x.topic, text=x.text_masked[:400])
            for x in found.examples
        ],
    )
