"""The FastAPI application factory: database, model (loaded once, warmed up), routers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from homthu import __version__
from models.registry import Registry
from service import errors, metrics
from service.model_holder import ModelHolder
from service.routes import classify, letters, meta, open311, trends, web
from service.settings import Settings, get_settings
from service.storage.db import Database

log = logging.getLogger("homthu.service")


async def _watch_registry(app: FastAPI, every: float) -> None:
    """Pick up a newly promoted model (in every worker) without restart."""
    while True:
        await asyncio.sleep(every)
        holder: ModelHolder = app.state.holder
        try:
            changed = await asyncio.to_thread(holder.refresh)
        except Exception:  # never let the watcher die
            log.exception("registry watch failed")
            continue
        if changed:
            metrics.set_model(holder.current.version)


def create_app(settings: Settings | None = None, holder: ModelHolder | None = None) -> FastAPI:
    """The app. ``holder``: a model already loaded (tests share one; the service loads its own)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = Database(settings.db_url)
        db.migrate()
        app.state.db = db
        registry = Registry(settings.models_dir) if settings.models_dir else Registry()
        app.state.holder = holder or ModelHolder(registry, settings.model_dir, mask_names=settings.mask_names)
        metrics.set_model(app.state.holder.current.version)
        log.info("serving model %s", app.state.holder.current.version)
        watcher = asyncio.create_task(_watch_registry(app, settings.registry_poll_seconds))
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            db.dispose()

    app = FastAPI(
        title="homthu",
        version=__version__,
        description="Triage of Vietnamese citizens' letters: topic, letter type, route, review queue.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    metrics.install(app)
    app.include_router(classify.router)
    app.include_router(letters.router)
    app.include_router(meta.router)
    app.include_router(open311.router)
    app.include_router(trends.router)
    web.install(app)  # the staff web pages (/ui/) and their static files
    return app
