"""A small closed-loop HTTP/1.1 load generator on asyncio streams (keep-alive, one connection per user).

Why not Locust or httpx: on a 2-core office server the load generator shares the cores with the
service it measures. Locust (gevent, one process per core) and httpx (a full client stack per
request) spend about a millisecond of CPU per request, a third of a core at 300 requests/s, taken
from the service. This client writes pre-built request bytes and reads a ``Content-Length`` (or
chunked) response: about a tenth of that. Closed loop: each of ``concurrency`` users sends its next
request as soon as the previous one is answered, so the figures are the service's capacity at that
concurrency, and latency includes any queueing in the service.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful and failed requests
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000


def request_bytes(host: str, path: str, body: dict, headers: dict | None = None) -> bytes:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json",
             f"Content-Length: {len(payload)}", *(f"{k}: {v}" for k, v in (headers or {}).items()), "", ""]
    return "\r\n".join(lines).encode("ascii") + payload


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked = None, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _run(host: str, port: int, make_request: Callable[[int], bytes], concurrency: int, seconds: float,
               warmup: float, ok: tuple[int, ...]) -> LoadResult:
    result = LoadResult()
    counter = itertools.count()
    start = time.perf_counter()
    record_from = start + warmup
    deadline = record_from + seconds

    async def user() -> None:
        reader = writer = None
        while time.perf_counter() < deadline:
            raw = make_request(next(counter))
            sent = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(raw)
                status = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                status = 0
                if writer is not None:
                    writer.close()
                reader = writer = None
            done = time.perf_counter()
            if sent >= record_from:
                result.latencies.append(done - sent)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.errors += status not in ok
        if writer is not None:
            writer.close()

    await asyncio.gather(*(user() for _ in range(concurrency)))
    result.seconds = max(time.perf_counter(), deadline) - record_from
    return result


def run_load(url: str, make_request: Callable[[str, int], bytes], concurrency: int, seconds: float,
             warmup: float = 1.0, ok: tuple[int, ...] = (200, 201)) -> LoadResult:
    """Drive ``url`` with ``concurrency`` closed-loop users for ``warmup + seconds``; record the last ``seconds``.

    ``make_request(host, n)`` returns the bytes of the n-th request.
    """
    hostport = url.split("://", 1)[1].rstrip("/")
    host, port = hostport.rsplit(":", 1)
    return asyncio.run(_run(host, int(port), lambda n: make_request(hostport, n), concurrency, seconds, warmup, ok))
