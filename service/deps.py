"""Dependencies injected into the routes (``Annotated`` aliases read like prose)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from models.triage import Triage
from service.settings import Settings


def get_triage(request: Request) -> Triage:
    return request.app.state.triage


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


TriageDep = Annotated[Triage, Depends(get_triage)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
