"""``POST /v1/classify``: triage letters without storing them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from models.text import LetterTextError, check_letter_text
from service.deps import SettingsDep, TriageDep
from service.errors import field_error
from service.metrics import record_classified
from service.schemas import Classification, ClassificationBatch, ClassifyBatch, ClassifyRequest, error_responses

INLINE_LETTERS = 4
INLINE_CHARS = 8_000

router = APIRouter(prefix="/v1", tags=["classify"], responses=error_responses(400, 422))


@router.post(
    "/classify",
    operation_id="classify_letters",
    response_model=Classification | ClassificationBatch,
    summary="Classify and route one letter or a batch, without storing it",
)
async def classify(
    body: ClassifyRequest,
    triage: TriageDep,
    settings: SettingsDep,
    explain: Annotated[bool, Query(description="Return the words that drove each topic decision.")] = True,
):
    single = not isinstance(body, ClassifyBatch)
    items = [(body.id, body.text)] if single else [(x.id, x.text) for x in body.letters]
    if len(items) > settings.max_batch:
        raise field_error(("body", "letters"), f"at most {settings.max_batch} letters per call, got {len(items)}")
    for i, (_, text) in enumerate(items):
        try:
            check_letter_text(text, settings.max_text_chars)
        except LetterTextError as exc:
            loc = ("body", "text") if single else ("body", "letters", i, "text")
            raise field_error(loc, str(exc)) from None
    texts = [t for _, t in items]

    def run() -> list:
        results = []
        for start in range(0, len(texts), settings.batch_size):
            results.extend(triage.run(texts[start : start + settings.batch_size], explain=explain))
        return results

    # A few short letters are classified on the event loop (a few ms: a thread hop would cost a
    # share of that); a batch or a long letter goes to a worker thread, so the loop keeps answering.
    small = len(texts) <= INLINE_LETTERS and sum(map(len, texts)) <= INLINE_CHARS
    results = run() if small else await run_in_threadpool(run)
    record_classified([r.needs_review for r in results])
    out = [Classification(id=ref, **r.as_dict()) for (ref, _), r in zip(items, results, strict=True)]
    return out[0] if single else ClassificationBatch(results=out, model_version=triage.version)
