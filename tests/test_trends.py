"""Trends on SQLite and PostgreSQL: counts by period (SQL aggregation) and emerging issues."""

from datetime import UTC, datetime, timedelta


def monday(weeks_ago: int) -> datetime:
    """10:00 in Vietnam on the Monday ``weeks_ago`` weeks before this (Vietnamese) week, in UTC."""
    today = (datetime.now(UTC) + timedelta(hours=7)).replace(hour=10, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday() + 7 * weeks_ago, hours=7)


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
    this_week = (monday(0) + timedelta(hours=7)).date().isoformat()
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


def test_keywords_of_a_topic_and_a_ward_with_masked_examples(api):
    base = monday(1)
    flood = [
        f"Kính gửi UBND phường Xuân La. Sau mỗi trận mưa, ngõ {i} bị ngập úng, cống thoát nước tắc nghẽn. "
        f"Tôi là Nguyễn Văn An, số điện thoại 0912 345 67{i}."
        for i in range(6)
    ]
    light = [f"Đèn chiếu sáng ngõ {i} phố Hoàng Quốc Việt hỏng, buổi tối tối om rất nguy hiểm." for i in range(6)]
    letters = [{"text": t, "received_at": (base + timedelta(hours=i)).isoformat()} for i, t in enumerate(flood + light)]
    r = api.post("/v1/letters/batch", json={"letters": letters}, headers=api.as_("clerk"))
    assert r.json()["created"] == 12
    topic = "moi_truong"
    for i, item in enumerate(r.json()["items"]):  # the clerks' labels, whatever the model said
        label = topic if i < 6 else "ha_tang_giao_thong"
        api.patch(f"/v1/letters/{item['id']}", json={"topic": label}, headers=api.as_("clerk"))

    window = {"received_from": (base - timedelta(days=1)).isoformat(), "received_to": monday(0).isoformat()}
    body = api.get("/v1/trends/keywords", params={"topic": topic, **window}, headers=api.as_("analyst")).json()
    terms = [k["term"] for k in body["keywords"]]
    assert "ngập úng" in terms[:5], terms
    assert not {"tôi", "kính gửi", "phường"} & set(terms)  # stop words
    assert body["examples"] and "0912" not in body["examples"][0]["text"]  # personal data masked
    assert "Nguyễn Văn An" not in str(body)

    ward = api.get("/v1/trends/keywords", params={"ward": "Xuân La", **window}, headers=api.as_("analyst")).json()
    assert ward["letters"] == 6
    assert "xuân la" not in [k["term"] for k in ward["keywords"]]  # the place itself is not a keyword

    missing = api.get("/v1/trends/keywords", headers=api.as_("analyst"))
    assert missing.status_code == 422 and missing.json()["message"].startswith("query.topic")
    unknown = api.get("/v1/trends/keywords", params={"topic": "weather"}, headers=api.as_("analyst"))
    assert unknown.status_code == 422 and "unknown topic" in unknown.json()["message"]
    assert api.get("/v1/trends/keywords", params={"topic": topic}, headers=api.as_("clerk")).status_code == 403


def test_trends_export_as_csv_and_excel(api, tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    letters = [
        {"text": f"Rác thải ùn ứ đầu ngõ {i} phố Hoàng Quốc Việt", "received_at": monday(i % 3).isoformat()}
        for i in range(9)
    ]
    api.post("/v1/letters/batch", json={"letters": letters}, headers=api.as_("clerk"))
    r = api.get("/v1/trends", params={"by": "channel", "format": "csv"}, headers=api.as_("analyst"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["period", "channel", "letters"]
    assert sum(int(x[2]) for x in rows[1:]) == 9

    x = api.get("/v1/trends", params={"by": "topic", "period": "month", "format": "xlsx"}, headers=api.as_("analyst"))
    assert x.status_code == 200 and "spreadsheetml" in x.headers["content-type"]
    (tmp_path / "t.xlsx").write_bytes(x.content)
    sheet = load_workbook(tmp_path / "t.xlsx").active
    values = list(sheet.values)
    assert values[0] == ("period", "topic", "letters") and sum(v[2] for v in values[1:]) == 9
    bad = api.get("/v1/trends", params={"format": "pdf"}, headers=api.as_("analyst"))
    assert bad.status_code == 422 and bad.json()["message"].startswith("query.format")


def test_emerging_terms(api):
    letters = []
    for w in range(1, 9):
        for i in range(3):
            letters.append(
                {"text": f"Đèn đường ngõ {w}{i} phố Xuân La hỏng đã lâu", "received_at": monday(w).isoformat()}
            )
    for i in range(8):  # this week: a new word everyone uses
        letters.append(
            {
                "text": f"Mùi khét từ lò đốt rác tự phát ở bãi đất trống ngõ {i}, khói bụi mịt mù",
                "received_at": (monday(0) + timedelta(hours=i)).isoformat(),
            }
        )
    api.post("/v1/letters/batch", json={"letters": letters}, headers=api.as_("clerk"))
    body = api.get("/v1/trends/emerging", params={"by": "term", "min_count": 4}, headers=api.as_("analyst")).json()
    terms = [e["key"] for e in body["emerging"]]
    assert "khói bụi" in terms or "lò đốt" in terms, terms
    assert "đèn" not in terms and "hỏng" not in terms  # steady terms are not emerging
    assert "Poisson" in body["rule"]


def test_daily_counts_agree_with_the_letters_after_corrections(api, database_url):
    """The trends read daily counts kept beside the letters; a correction moves the letter."""
    from service.letters import LetterFilters
    from service.storage.db import Database
    from service.trends import _rollup_answers, counts, midnight

    letters = [
        {
            "text": text,
            "channel": channel,
            "received_at": (monday(w) + timedelta(hours=5 + w)).isoformat().replace("+00:00", "+07:00"),
        }
        for w in range(6)
        for text, channel in (
            ("Đèn đường ngõ 4 phường Xuân La hỏng cả tuần", "hotline"),
            ("Rác thải ùn ứ đầu ngõ 7 phường Phú Thượng, bốc mùi", "portal"),
            ("Xây nhà sai phép ở tổ 3 phường Xuân La, lấn chiếm vỉa hè", "mailbox"),
        )
    ]
    created = api.post("/v1/letters/batch", json={"letters": letters}, headers=api.as_("clerk")).json()["items"]
    for item in created[:4]:
        r = api.patch(
            f"/v1/letters/{item['id']}", json={"topic": "khac", "note": "sai chủ đề"}, headers=api.as_("clerk")
        )
        assert r.status_code == 200
    api.patch(f"/v1/letters/{created[5]['id']}", json={"department": "thanh_tra"}, headers=api.as_("clerk"))

    db = Database(database_url)
    with db.session() as s:
        whole_weeks = LetterFilters(received_from=midnight(monday(8).date()), received_to=midnight(monday(-1).date()))
        ward = sorted(counts(s, by="ward", period="month", filters=LetterFilters()))[0]  # a ward key
        assert _rollup_answers(s, "topic", whole_weeks) and _rollup_answers(s, "topic", LetterFilters(ward=ward))
        assert not _rollup_answers(s, "topic", LetterFilters(ward="xuan la"))  # loose names: from the letters
        for by in ("topic", "letter_type", "department", "channel", "ward"):
            for period in ("day", "week", "month"):
                for f in (LetterFilters(), whole_weeks, LetterFilters(topic="khac"), LetterFilters(ward=ward)):
                    assert counts(s, by=by, period=period, filters=f) == counts(
                        s, by=by, period=period, filters=f, raw=True
                    ), (by, period, f)
        topics = counts(s, by="topic", period="month", filters=LetterFilters())
        assert sum(topics["khac"].values()) >= 4
    db.dispose()
    body = api.get("/v1/trends", params={"by": "topic", "period": "month"}, headers=api.as_("analyst")).json()
    assert {s["key"]: s["total"] for s in body["series"]}["khac"] >= 4


def test_dates_far_out_of_range_are_a_422_naming_the_field(api):
    h = api.as_("analyst")
    r = api.get("/v1/trends/emerging", params={"by": "ward", "latest": "0001-02-02T03:04:00Z"}, headers=h)
    assert r.status_code == 422 and r.json()["message"].startswith("query.latest")
    r = api.get("/v1/trends/keywords", params={"topic": "moi_truong", "received_to": "0001-01-05T00:00:00Z"}, headers=h)
    assert r.status_code == 422 and r.json()["message"].startswith("query.received_to")
