"""Service metadata: the label set and routes, and health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from service.auth import PERMISSIONS
from service.deps import CurrentPrincipal, TriageDep
from service.schemas import error_responses

router = APIRouter(tags=["meta"])


class MePublic(BaseModel):
    name: str
    role: str
    permissions: list[str]


@router.get(
    "/v1/me",
    operation_id="get_me",
    response_model=MePublic,
    summary="The API key's name, role and permissions (the web pages show only what the role may use)",
    responses=error_responses(401),
)
def me(principal: CurrentPrincipal) -> MePublic:
    return MePublic(name=principal.name, role=principal.role, permissions=sorted(PERMISSIONS[principal.role]))


@router.get("/v1/taxonomy", operation_id="get_taxonomy", summary="Topics, letter types, departments and routes")
def taxonomy(triage: TriageDep) -> dict:
    tax, routes = triage.taxonomy, triage.routes
    return {
        "topics": [
            {"id": t.id, "name": t.name, "description": t.description, "department": routes.topics[t.id]}
            for t in tax.topics
        ],
        "letter_types": [{"id": t.id, "name": t.name, "description": t.description} for t in tax.letter_types],
        "departments": [{"id": d.id, "name": d.name} for d in tax.departments],
        "overrides": [
            {
                "name": o.name,
                "description": o.description,
                "letter_type": o.letter_type,
                "topics": list(o.topics),
                "department": o.department,
            }
            for o in routes.overrides
        ],
        "review": vars(routes.review),
        "model_version": triage.version,
    }


@router.get("/healthz", operation_id="healthz", summary="Liveness: the process is up and a model is loaded")
def healthz(triage: TriageDep) -> dict:
    return {"status": "ok", "model_version": triage.version}


@router.get("/v1/departments", operation_id="list_departments", summary="Departments and the topics routed to them")
def departments(triage: TriageDep) -> list[dict]:
    routes = triage.routes
    return [
        {
            "id": d.id,
            "name": d.name,
            "topics": [t for t, dept in routes.topics.items() if dept == d.id],
            "overrides": [o.name for o in routes.overrides if o.department == d.id],
        }
        for d in triage.taxonomy.departments
    ]


@router.get("/readyz", operation_id="readyz", summary="Readiness: the database answers and a model is loaded")
def readyz(request: Request):
    holder = request.app.state.holder
    try:
        with request.app.state.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse(status_code=503, content={"status": "unavailable", "database": type(exc).__name__})
    return {"status": "ready", "model_version": holder.current.version, "model_error": holder.last_error}
