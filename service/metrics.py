"""Prometheus metrics: requests, latency, letters by route, review rate, model version.

With several workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder so that every worker's
counts are summed (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import logging
import os
import time

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("homthu_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "homthu_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
LETTERS = Counter(
    "homthu_letters_ingested_total", "Letters stored, by department and review", ["department", "needs_review"]
)
CLASSIFIED = Counter(
    "homthu_letters_classified_total", "Letters classified (stored or not), by review", ["needs_review"]
)
MODEL = Gauge("homthu_model_info", "The model version in service (value 1)", ["version"], multiprocess_mode="liveall")


def record_letters(rows: list[dict]) -> None:
    for row in rows:
        LETTERS.labels(row["department"], str(row["needs_review"]).lower()).inc()


def record_classified(needs_review: list[bool]) -> None:
    for flag in needs_review:
        CLASSIFIED.labels(str(flag).lower()).inc()


def set_model(version: str) -> None:
    MODEL.clear()
    MODEL.labels(version).set(1)


access_log = logging.getLogger("homthu.access")


class Measure:
    """Pure ASGI middleware: latency and count per route template, and the access log line.

    (Not ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware wraps every request in
    extra tasks and streams, a measurable share of a 5 ms classification.)
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            name = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - start
            LATENCY.labels(scope["method"], name).observe(elapsed)
            REQUESTS.labels(scope["method"], name, str(status)).inc()
            # The access log names the route template, never the path or query (which can carry search
            # words, ids or an Open311 api_key): personal data stays out of the logs.
            access_log.info("%s %s %d %.1fms", scope["method"], name, status, elapsed * 1000)


def install(app: FastAPI) -> None:
    app.add_middleware(Measure)

    @app.get("/metrics", operation_id="metrics", include_in_schema=False)
    def metrics() -> Response:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
