"""The FastAPI application factory: load the model once, warm it up, mount the routers."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from homthu import __version__
from models.registry import Registry
from models.triage import load_triage
from service import errors
from service.routes import classify, meta
from service.settings import Settings, get_settings

log = logging.getLogger("homthu.service")

WARM_UP_TEXT = "Đề nghị phường sửa đèn đường ngõ 12 bị hỏng, ko dc để tối om như vậy"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        registry = Registry(settings.models_dir) if settings.models_dir else Registry()
        app.state.triage = load_triage(settings.model_dir, registry)
        app.state.triage.run([WARM_UP_TEXT])  # first request as fast as the rest
        log.info("serving model %s", app.state.triage.version)
        yield

    app = FastAPI(
        title="homthu",
        version=__version__,
        description="Triage of Vietnamese citizens' letters: topic, letter type, route, review.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    app.include_router(classify.router)
    app.include_router(meta.router)
    return app
