"""``/v1/letters``: intake, the triage queue, corrections, due dates."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import ValidationError
from sqlalchemy import select

from models.text import LetterTextError, check_letter_text
from service import workflow
from service.deps import Clerk, Corrector, IntakeDep, Reader, SessionDep, SettingsDep
from service.errors import ApiError, field_error
from service.intake import IncomingLetter
from service.letters import (
    CorrectionError,
    CursorError,
    LetterFilters,
    correct_letter,
    due_by_department,
    get_letter,
    list_letters,
    store_letters,
)
from service.metrics import record_letters
from service.schemas import (
    BatchItem,
    BatchResult,
    DueCount,
    IsoDatetime,
    LetterBatchCreate,
    LetterCreate,
    LetterPublic,
    LettersPublic,
    LetterUpdate,
    LetterUpdated,
    LetterWithHistory,
    error_responses,
)
from service.storage.tables import Letter
from service.views import letter_view

router = APIRouter(prefix="/v1/letters", tags=["letters"], responses=error_responses(400, 401, 403, 422))

LetterId = Annotated[int, Path(ge=1, le=2_147_483_647, description="The letter's id in homthu")]


def _incoming(body: LetterCreate) -> IncomingLetter:
    writer = {k: v for k, v in (body.writer.model_dump() if body.writer else {}).items() if v}
    return IncomingLetter(
        text=body.text, received_at=body.received_at, channel=body.channel, external_id=body.external_id, writer=writer
    )


@router.post(
    "",
    operation_id="create_letter",
    response_model=LetterPublic,
    status_code=201,
    summary="Ingest one letter (idempotent on external_id)",
    responses={200: {"model": LetterPublic, "description": "The letter with this external_id, stored before"}},
)
def create_letter(
    body: LetterCreate,
    principal: Clerk,
    session: SessionDep,
    intake: IntakeDep,
    settings: SettingsDep,
    response: Response,
):
    try:
        check_letter_text(body.text, settings.max_text_chars)
    except LetterTextError as exc:
        raise field_error(("body", "text"), str(exc)) from None
    if body.external_id:
        # a retried request: answer with the stored letter without running the model again
        known = session.scalar(select(Letter).where(Letter.external_id == body.external_id))
        if known is not None:
            response.status_code = 200
            return letter_view(known, principal)
    rows = intake.prepare([_incoming(body)])
    [(letter, created)] = store_letters(session, rows, actor=principal.name)
    if created:
        record_letters(rows)
    if not created:
        response.status_code = 200
    return letter_view(letter, principal)


@router.post(
    "/batch",
    operation_id="import_letters",
    response_model=BatchResult,
    summary="Bulk import: one transaction per chunk, per-item errors reported",
)
def import_letters(
    body: LetterBatchCreate, principal: Clerk, session: SessionDep, intake: IntakeDep, settings: SettingsDep
):
    if len(body.letters) > settings.max_import:
        raise field_error(("body", "letters"), f"at most {settings.max_import} letters per call")
    items: list[BatchItem | None] = [None] * len(body.letters)
    good: list[tuple[int, LetterCreate]] = []
    for i, raw in enumerate(body.letters):
        if not isinstance(raw, dict):
            items[i] = BatchItem(index=i, status="error", error=f"letters.{i}: expected an object with a text field")
            continue
        try:
            parsed = LetterCreate.model_validate(raw)
            check_letter_text(parsed.text, settings.max_text_chars)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            msg = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
            items[i] = BatchItem(index=i, status="error", error=f"letters.{i}.{where}: {msg}")
            continue
        except LetterTextError as exc:
            items[i] = BatchItem(index=i, status="error", error=f"letters.{i}.text: {exc}")
            continue
        good.append((i, parsed))
    ext_ids = [b.external_id for _, b in good if b.external_id]
    known = {}
    for start in range(0, len(ext_ids), 1000):
        part = ext_ids[start : start + 1000]
        known.update(session.execute(select(Letter.external_id, Letter.id).where(Letter.external_id.in_(part))).all())
    fresh = []
    for i, b in good:
        if b.external_id in known:  # stored before: no need to run the model again
            items[i] = BatchItem(index=i, status="existing", id=known[b.external_id], external_id=b.external_id)
        else:
            fresh.append((i, b))
    good = fresh
    for start in range(0, len(good), settings.import_chunk):
        chunk = good[start : start + settings.import_chunk]
        rows = intake.prepare([_incoming(b) for _, b in chunk])
        stored = store_letters(session, rows, actor=principal.name)
        record_letters([r for r, (_, created) in zip(rows, stored, strict=True) if created])
        for (i, b), (letter, created) in zip(chunk, stored, strict=True):
            items[i] = BatchItem(
                index=i, status="created" if created else "existing", id=letter.id, external_id=b.external_id
            )
    done = [x for x in items if x is not None]
    return BatchResult(
        created=sum(x.status == "created" for x in done),
        existing=sum(x.status == "existing" for x in done),
        failed=sum(x.status == "error" for x in done),
        items=done,
    )


@router.get(
    "",
    operation_id="list_letters",
    response_model=LettersPublic,
    summary="Letters with filters, newest first or in review-queue order, cursor-paged",
)
def letters(
    principal: Reader,
    session: SessionDep,
    triage_taxonomy: IntakeDep,
    status: Annotated[list[str] | None, Query(description="One or more statuses")] = None,
    department: str | None = None,
    topic: str | None = None,
    letter_type: str | None = None,
    ward: Annotated[str | None, Query(max_length=200, description="A ward as written, or its unit then or now")] = None,
    needs_review: bool | None = None,
    urgent: bool | None = None,
    overdue: bool | None = None,
    channel: str | None = None,
    received_from: IsoDatetime | None = None,
    received_to: IsoDatetime | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Words to find (diacritics optional)")] = None,
    sort: Literal["newest", "queue"] = "newest",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
):
    tax = triage_taxonomy.triage.taxonomy
    # an empty query parameter (?topic=) means "no filter"
    status = [x for x in status or [] if x] or None
    department, topic, letter_type, channel, ward, q, cursor = (
        x or None for x in (department, topic, letter_type, channel, ward, q, cursor)
    )
    for name, value, allowed in (
        ("status", status, workflow.STATUSES),
        ("department", department, tax.department_ids),
        ("topic", topic, tax.topic_ids),
        ("letter_type", letter_type, tax.letter_type_ids),
    ):
        for v in value if isinstance(value, list) else [value]:
            if v is not None and v not in allowed:
                raise field_error(("query", name), f"unknown {name} {v!r}; one of {', '.join(allowed)}")
    filters = LetterFilters(
        status=status,
        department=department,
        topic=topic,
        letter_type=letter_type,
        ward=ward,
        needs_review=needs_review,
        urgent=urgent,
        overdue=overdue,
        channel=channel,
        received_from=received_from,
        received_to=received_to,
        q=q,
    )
    try:
        rows, next_cursor = list_letters(session, filters=filters, sort=sort, cursor=cursor, limit=limit)
    except CursorError as exc:
        raise field_error(("query", "cursor"), str(exc)) from None
    return LettersPublic(letters=[letter_view(x, principal) for x in rows], next_cursor=next_cursor)


@router.get(
    "/due",
    operation_id="letters_due",
    response_model=list[DueCount],
    summary="Per department: open letters, due within N days, overdue",
)
def due(principal: Reader, session: SessionDep, days: Annotated[int, Query(ge=1, le=366)] = 7):
    return [DueCount(**row) for row in due_by_department(session, days=days)]


@router.get(
    "/{letter_id:int}",
    operation_id="get_letter",
    response_model=LetterWithHistory,
    summary="One letter with its audit history",
    responses=error_responses(404),
)
def letter(letter_id: LetterId, principal: Reader, session: SessionDep):
    row = get_letter(session, letter_id)
    if row is None:
        raise ApiError(404, ("path", "letter_id"), f"no letter {letter_id}")
    return letter_view(row, principal, history=True)


@router.patch(
    "/{letter_id:int}",
    operation_id="update_letter",
    response_model=LetterUpdated,
    summary="A clerk corrects topic, letter type, department or status, with a note",
    responses=error_responses(404),
)
def update(letter_id: LetterId, body: LetterUpdate, principal: Corrector, session: SessionDep, intake: IntakeDep):
    row = get_letter(session, letter_id)
    if row is None:
        raise ApiError(404, ("path", "letter_id"), f"no letter {letter_id}")
    changes = body.model_dump(exclude_unset=True, exclude={"note"})
    nulls = [k for k, v in changes.items() if v is None and k != "referred_to"]
    if nulls:
        raise field_error(("body", nulls[0]), "cannot be null")
    if not changes and not body.note:
        raise field_error(("body",), "nothing to change: give topic, letter_type, department, status or note")
    try:
        info = correct_letter(
            session,
            row,
            changes=changes,
            actor=principal.name,
            note=body.note,
            taxonomy=intake.triage.taxonomy,
            routes=intake.triage.routes,
        )
    except CorrectionError as exc:
        raise field_error(("body", exc.field), str(exc)) from None
    session.refresh(row)
    return LetterUpdated(letter=letter_view(row, principal), rerouted=info.get("rerouted"))
