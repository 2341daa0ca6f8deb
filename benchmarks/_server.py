"""A uvicorn process for benchmarks, on a fresh database, with a key per role."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BenchServer:
    """``with BenchServer(workers=2) as srv: srv.url, srv.keys['clerk']``"""

    def __init__(self, workers: int = 1, database_url: str | None = None, env: dict | None = None):
        self.workers = workers
        self.tmp = tempfile.TemporaryDirectory(prefix="homthu-bench-")
        self.env = {**os.environ, "HOMTHU_DATA_DIR": self.tmp.name, **(env or {})}
        if database_url:
            self.env["HOMTHU_DATABASE_URL"] = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BenchServer:
        from service.auth import create_key
        from service.settings import Settings
        from service.storage.db import Database

        db = Database(Settings(data_dir=Path(self.tmp.name), database_url=self.env.get("HOMTHU_DATABASE_URL")).db_url)
        db.migrate()
        with db.session() as s:
            self.keys = {role: create_key(s, name=f"bench-{role}-{self.port}", role=role)
                         for role in ("clerk", "analyst", "admin")}
        self.db = db
        self.proc = subprocess.Popen(
            [str(BIN / "uvicorn"), "service.asgi:create_app", "--factory", "--host", "127.0.0.1", "--port",
             str(self.port), "--workers", str(self.workers), "--log-level", "warning", "--no-access-log"],
            cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300  # a busy 2-core box loads two workers' models slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("server did not start")

    def rss_mb(self) -> float:
        """Resident memory of the server's processes (master and workers), in MB."""
        import psutil

        proc = psutil.Process(self.proc.pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.db.dispose()
        self.tmp.cleanup()
