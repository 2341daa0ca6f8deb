"""Open311 GeoReport v2 facade (JSON), so civic tools can send letters to homthu.

- ``GET services.json``: our topics as service codes (group = the department).
- ``POST requests.json``: a letter (form-encoded as the spec says, or JSON); ``api_key`` is a
  homthu key with the clerk or admin role. Location is optional; ``address_string`` is appended
  to the text so that places in it are found.
- ``GET requests.json`` / ``GET requests/{id}.json``: status ``open`` or ``closed``,
  ``agency_responsible`` = the routed department. Descriptions are served with personal data
  masked, and an ``api_key`` is required since letters are not public.

Left out: XML responses, service definitions (``services/{code}.json`` attributes), ``jurisdiction_id``
(one jurisdiction per deployment), ``lat``/``long`` storage, media uploads, ``tokens``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from models.text import LetterTextError, check_letter_text
from service import workflow
from service.auth import authenticate
from service.deps import IntakeDep, SessionDep, SettingsDep
from service.intake import IncomingLetter
from service.letters import CorrectionError, correct_letter, store_letters
from service.storage.tables import Letter


class Open311Error(BaseModel):
    code: int
    description: str


_ERRORS = {
    c: {"model": list[Open311Error], "description": d}
    for c, d in [(400, "Bad request"), (403, "api_key missing, unknown or not allowed"), (404, "Not found")]
}
router = APIRouter(prefix="/open311/v2", tags=["open311"], responses=_ERRORS)


def o311_error(status: int, description: str) -> JSONResponse:
    return JSONResponse(status_code=status, content=[{"code": status, "description": description}])


def _request_view(letter: Letter, names: dict[str, str]) -> dict:
    closed = letter.status in (workflow.RESOLVED, *workflow.CLOSED)
    return {
        "service_request_id": str(letter.id),
        "status": "closed" if closed else "open",
        "status_notes": workflow.LABELS_VI.get(letter.status, letter.status),
        "service_name": names.get(letter.topic, letter.topic),
        "service_code": letter.topic,
        "description": letter.text_masked,
        "agency_responsible": letter.department,
        "service_notice": None,
        "requested_datetime": letter.received_at.isoformat(),
        "updated_datetime": letter.updated_at.isoformat(),
        "expected_datetime": datetime.combine(letter.settle_due, datetime.min.time(), UTC).isoformat(),
        "address": ", ".join(w["as_written"] for w in letter.wards or []) or None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


@router.get("/services.json", operation_id="open311_services", summary="Open311: topics as services")
def services(intake: IntakeDep):
    tax, routes = intake.triage.taxonomy, intake.triage.routes
    return [
        {
            "service_code": t.id,
            "service_name": t.name,
            "description": t.description,
            "metadata": False,
            "type": "batch",
            "keywords": "",
            "group": routes.topics[t.id],
        }
        for t in tax.topics
    ]


async def _form_or_json(request: Request) -> dict:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            data = await request.json()
        except ValueError:
            return {"__error__": "request body is not valid JSON"}
        return data if isinstance(data, dict) else {"__error__": "expected a JSON object"}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/requests.json", operation_id="open311_create_request", summary="Open311: submit a letter")
async def create_request(request: Request, session: SessionDep, intake: IntakeDep, settings: SettingsDep):
    data = await _form_or_json(request)
    if "__error__" in data:
        return o311_error(400, data["__error__"])
    principal = authenticate(session, str(data.get("api_key", ""))) if data.get("api_key") else None
    if principal is None:
        return o311_error(403, "api_key: missing, unknown or revoked")
    if not principal.can("letters:create"):
        return o311_error(403, f"api_key: role {principal.role} may not submit requests")
    description = data.get("description")
    if not isinstance(description, str):
        return o311_error(400, "description: required")
    text = description
    if isinstance(data.get("address_string"), str) and data["address_string"].strip():
        text = f"{description}\nĐịa điểm: {data['address_string'].strip()}"
    try:
        check_letter_text(text, settings.max_text_chars)
    except LetterTextError as exc:
        return o311_error(400, f"description: {exc}")
    code = data.get("service_code")
    tax = intake.triage.taxonomy
    if code not in (None, "") and code not in tax.topic_ids:
        return o311_error(400, f"service_code: unknown service {code!r}")
    name = " ".join(str(data.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    writer = {
        k: v
        for k, v in {"name": name, "email": data.get("email"), "phone": data.get("phone")}.items()
        if isinstance(v, str) and v.strip()
    }
    letter = IncomingLetter(text=text, channel="portal", writer=writer)
    [(row, _)] = store_letters(session, intake.prepare([letter]), actor=principal.name)
    if code and code != row.topic:
        try:
            correct_letter(
                session,
                row,
                changes={"topic": code},
                actor=principal.name,
                note="service_code given by the Open311 client",
                taxonomy=tax,
                routes=intake.triage.routes,
            )
        except CorrectionError as exc:
            return o311_error(400, f"service_code: {exc}")
    return [{"service_request_id": str(row.id), "service_notice": None, "account_id": None}]


def _key_or_error(session, api_key: str | None) -> JSONResponse | None:
    principal = authenticate(session, api_key) if api_key else None
    if principal is None:
        return o311_error(403, "api_key: missing, unknown or revoked")
    if not principal.can("letters:read"):
        return o311_error(403, f"api_key: role {principal.role} may not read requests")
    return None


@router.get("/requests.json", operation_id="open311_list_requests", summary="Open311: requests")
def list_requests(
    session: SessionDep,
    intake: IntakeDep,
    api_key: str | None = None,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    status: str | None = None,
):
    denied = _key_or_error(session, api_key)
    if denied:
        return denied
    stmt = select(Letter)
    if service_request_id:
        try:
            ids = [int(x) for x in service_request_id.split(",") if x.strip()]
        except ValueError:
            return o311_error(400, "service_request_id: a comma-separated list of numbers")
        stmt = stmt.where(Letter.id.in_(ids))
    if service_code:
        stmt = stmt.where(Letter.topic.in_(service_code.split(",")))
    if start_date:
        stmt = stmt.where(Letter.received_at >= start_date)
    if end_date:
        stmt = stmt.where(Letter.received_at < end_date)
    if status:
        if status not in ("open", "closed"):
            return o311_error(400, "status: open or closed")
        closed = (workflow.RESOLVED, *workflow.CLOSED)
        stmt = stmt.where(Letter.status.in_(closed) if status == "closed" else Letter.status.not_in(closed))
    names = {t.id: t.name for t in intake.triage.taxonomy.topics}
    rows = session.scalars(stmt.order_by(Letter.id.desc()).limit(1000))
    return [_request_view(x, names) for x in rows]


@router.get("/requests/{request_id}.json", operation_id="open311_get_request", summary="Open311: one request")
def get_request(request_id: str, session: SessionDep, intake: IntakeDep, api_key: str | None = None):
    denied = _key_or_error(session, api_key)
    if denied:
        return denied
    if not request_id.isdigit() or len(request_id) > 18:
        return o311_error(404, f"no request {request_id}")
    row = session.get(Letter, int(request_id))
    if row is None:
        return o311_error(404, f"no request {request_id}")
    return [_request_view(row, {t.id: t.name for t in intake.triage.taxonomy.topics})]
