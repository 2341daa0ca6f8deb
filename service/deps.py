"""Dependencies injected into the routes (``Annotated`` aliases read like prose)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from models.triage import Triage
from service.auth import Principal, authenticate
from service.errors import ApiError
from service.intake import Intake
from service.model_holder import Serving
from service.settings import Settings

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key from `homthu keys create`.")


async def get_serving(request: Request) -> Serving:
    """The model snapshot of this request (FastAPI caches it per request: one version throughout).

    These small dependencies are ``async``: FastAPI runs a plain ``def`` one in a worker thread.
    """
    return request.app.state.holder.current


async def get_triage(serving: Annotated[Serving, Depends(get_serving)]) -> Triage:
    return serving.triage


async def get_intake(serving: Annotated[Serving, Depends(get_serving)]) -> Intake:
    return serving.intake


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.db.session() as session:
        yield session


TriageDep = Annotated[Triage, Depends(get_triage)]
IntakeDep = Annotated[Intake, Depends(get_intake)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def current_principal(session: SessionDep, key: Annotated[str | None, Security(api_key_header)]) -> Principal:
    if not key:
        raise ApiError(401, ("header", "X-API-Key"), "an API key is required", {"WWW-Authenticate": "X-API-Key"})
    principal = authenticate(session, key)
    if principal is None:
        raise ApiError(401, ("header", "X-API-Key"), "unknown or revoked API key", {"WWW-Authenticate": "X-API-Key"})
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: str):
    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise ApiError(403, ("header", "X-API-Key"), f"role {principal.role} may not {permission}")
        return principal

    return Annotated[Principal, Depends(check)]


Clerk = require("letters:create")
Reader = require("letters:read")
Corrector = require("letters:update")
Analyst = require("trends:read")
Admin = require("keys")
