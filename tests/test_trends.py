"""Trends on SQLite and PostgreSQL: counts by period (SQL aggregation) and emerging issues."""

from datetime import UTC, datetime, timedelta


def monday(weeks_ago: int) -> datetime:
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday() + 7 * weeks_ago)


def test_counts_by_channel_and_week_and_emerging_issue(api):
    letters = []
    for w in range(1, 9):  # a quiet baseline: one hotline call a week
        letters.append(
            {"text": f"Đèn đường ngõ {w} phố Xuân La hỏng", "channel": "hotline", "received_at": monday(w).isoformat()}
        )
        letters.append(
            {
                "text": f"Rác thải ùn ứ đầu ngõ {w} phố Hoàng Quốc Việt",
                "channel": "portal",
                "received_at": monday(w).isoformat(),
            }
        )
    for i in range(9):  # this week: a burst of hotline calls
        letters.append(
            {
                "text": f"Ngập sâu ở ngõ {i} sau mưa, nước tràn vào nhà",
                "channel": "hotline",
                "received_at": (monday(0) + timedelta(hours=i)).isoformat(),
            }
        )
    r = api.post("/v1/letters/batch", json={"letters": letters}, headers=api.as_("clerk"))
    assert r.json()["created"] == len(letters)

    assert api.get("/v1/trends", headers=api.as_("clerk")).status_code == 403  # clerks do not see trends
    body = api.get("/v1/trends", params={"by": "channel", "period": "week"}, headers=api.as_("analyst")).json()
    series = {s["key"]: s for s in body["series"]}
    assert series["hotline"]["total"] == 17 and series["portal"]["total"] == 8
    this_week = monday(0).date().isoformat()
    assert {p["period"]: p["count"] for p in series["hotline"]["points"]}[this_week] == 9
    months = api.get("/v1/trends", params={"by": "channel", "period": "month"}, headers=api.as_("analyst")).json()
    assert sum(s["total"] for s in months["series"]) == 25
    topics = api.get("/v1/trends", params={"by": "topic"}, headers=api.as_("analyst")).json()
    assert sum(s["total"] for s in topics["series"]) == 25

    found = api.get(
        "/v1/trends/emerging", params={"by": "channel", "period": "week"}, headers=api.as_("analyst")
    ).json()
    assert [e["key"] for e in found["emerging"]] == ["hotline"]
    hot = found["emerging"][0]
    assert hot["count"] == 9 and hot["baseline_mean"] == 1.0 and hot["p_value"] < 0.01
    assert "Poisson" in found["rule"]
    bad = api.get("/v1/trends", params={"by": "colour"}, headers=api.as_("analyst"))
    assert bad.status_code == 422 and bad.json()["message"].startswith("query.by")
