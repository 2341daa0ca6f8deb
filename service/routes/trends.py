"""``/v1/trends``: what people write about, over time and place (analyst role)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from service.deps import Analyst, SessionDep
from service.letters import LetterFilters
from service.schemas import IsoDatetime, error_responses
from service.trends import counts, emerging, period_start

router = APIRouter(prefix="/v1/trends", tags=["trends"], responses=error_responses(401, 403, 422))

Group = Literal["topic", "letter_type", "department", "ward", "channel", "status"]
Period = Literal["day", "week", "month"]


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


class EmergingPublic(BaseModel):
    by: str
    period: str
    latest: str
    rule: str
    emerging: list[EmergingItem]


@router.get(
    "",
    operation_id="get_trends",
    response_model=TrendsPublic,
    summary="Letter counts over time, grouped by topic, letter type, department, ward or channel",
)
def trends(
    principal: Analyst,
    session: SessionDep,
    by: Group = "topic",
    period: Period = "week",
    received_from: IsoDatetime | None = None,
    received_to: IsoDatetime | None = None,
    topic: Annotated[str | None, Query(max_length=60)] = None,
    department: Annotated[str | None, Query(max_length=60)] = None,
    letter_type: Annotated[str | None, Query(max_length=60)] = None,
):
    filters = LetterFilters(
        received_from=received_from,
        received_to=received_to,
        topic=topic or None,
        department=department or None,
        letter_type=letter_type or None,
    )
    data = counts(session, by=by, period=period, filters=filters)
    series = [
        Series(
            key=k, total=sum(v.values()), points=[Point(period=d.isoformat(), count=n) for d, n in sorted(v.items())]
        )
        for k, v in data.items()
    ]
    return TrendsPublic(by=by, period=period, series=sorted(series, key=lambda s: -s.total))


@router.get(
    "/emerging",
    operation_id="get_emerging",
    response_model=EmergingPublic,
    summary="Topics or wards whose latest count is well above their own recent baseline",
)
def emerging_issues(
    principal: Analyst,
    session: SessionDep,
    by: Group = "topic",
    period: Period = "week",
    latest: IsoDatetime | None = None,
    baseline: Annotated[int, Query(ge=2, le=52)] = 8,
    min_count: Annotated[int, Query(ge=1, le=10_000)] = 5,
):
    last = period_start((latest or datetime.now(UTC)).date(), period)
    data = counts(session, by=by, period=period, filters=LetterFilters())
    found = emerging(data, latest=last, period=period, baseline=baseline, min_count=min_count)
    rule = (
        f"count in the {period} starting {last} >= {min_count} and Poisson P(X >= count | mean of the "
        f"{baseline} previous {period}s) < 0.01"
    )
    return EmergingPublic(
        by=by,
        period=period,
        latest=last.isoformat(),
        rule=rule,
        emerging=[
            EmergingItem(
                key=e.key,
                period=e.period.isoformat(),
                count=e.count,
                baseline_mean=e.baseline_mean,
                ratio=e.ratio,
                p_value=e.p_value,
            )
            for e in found
        ],
    )
