"""Pydantic models at the HTTP edge, named by role."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    StrictStr,
    Tag,
    field_validator,
)


def _no_surrogates(value):
    """Refuse lone UTF-16 surrogates ("\\ud83a" in JSON): they are not text and cannot be stored."""
    if isinstance(value, str):
        if any("\ud800" <= c <= "\udfff" for c in value):
            raise ValueError("contains invalid Unicode (a lone surrogate)")
    elif isinstance(value, list):
        for v in value:
            _no_surrogates(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_surrogates(k)
            _no_surrogates(v)
    return value


class InputModel(BaseModel):
    """A request body: unknown fields are refused, strings must be real text."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _text_only(cls, value):
        return _no_surrogates(value)


Reference = StrictStr | StrictInt | None


def _iso_only(value):
    """Dates and times as ISO 8601 text ("2026-11-27T09:00:00+07:00"), not as bare numbers."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("give an ISO 8601 date-time such as 2026-11-27T09:00:00+07:00, not a number")
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        raise ValueError("give an ISO 8601 date-time such as 2026-11-27T09:00:00+07:00, not a number")
    return value


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]


class LetterText(InputModel):
    text: str = Field(
        description="The letter's text, as received (HTML and Word debris are cleaned).",
        examples=["Đèn đường ngõ 12 phố Xuân La tắt cả tuần nay, đề nghị phường sửa."],
    )
    id: Reference = Field(None, description="Your reference for this letter, echoed back.")


class ClassifyBatch(InputModel):
    letters: list[LetterText] = Field(min_length=1, description="A batch of letters.")


def _classify_kind(body) -> str:
    return "batch" if isinstance(body, dict) and "letters" in body else "single"


ClassifyRequest = Annotated[
    Annotated[LetterText, Tag("single")] | Annotated[ClassifyBatch, Tag("batch")],
    Discriminator(_classify_kind),
]
# The tags above are internal: error locations leave them out ("body.text", not "body.single.text").
UNION_TAGS = {"single", "batch"}


class TopicScore(BaseModel):
    id: str
    confidence: float


class ExplanationTerm(BaseModel):
    term: str
    weight: float


class Classification(BaseModel):
    id: Reference = None
    topic: str
    topic_confidence: float
    topics: list[TopicScore]
    letter_type: str
    letter_type_confidence: float
    department: str
    route_rule: str = Field(description="'topic' (the route table) or the name of the override that applied.")
    office: str | None = Field(None, description="The ward office, where routing by place applies")
    urgent: bool = False
    urgent_confidence: float | None = None
    needs_review: bool
    review_reasons: list[str]
    wards: list[dict]
    model_version: str
    explanation: list[ExplanationTerm] = Field(
        default_factory=list,
        description="The words that pushed the model most towards its topic, with their weights "
        "(from the linear model's coefficients); empty with explain=false.",
    )


class ClassificationBatch(BaseModel):
    results: list[Classification]
    model_version: str


# -- letters ------------------------------------------------------------------------------------

from datetime import date, datetime  # noqa: E402
from typing import Any, Literal  # noqa: E402

Channel = Literal["mailbox", "portal", "email", "voters_meeting", "hotline", "letter", "app", "other"]


class Writer(InputModel):
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=500)
    id_number: str | None = Field(None, max_length=30, description="CCCD (12 digits) or CMND (9 digits)")


class LetterCreate(InputModel):
    text: str = Field(description="The letter as received.")
    received_at: IsoDatetime | None = Field(None, description="When the office received it (default: now).")
    channel: Channel = "portal"
    external_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Your id for this letter: a retried request with the same id returns the stored letter.",
    )
    writer: Writer | None = None


class LetterBatchCreate(InputModel):
    letters: list[Any] = Field(description="Letters as for POST /v1/letters; each is checked on its own.")


class BatchItem(BaseModel):
    index: int
    status: Literal["created", "existing", "error"]
    id: int | None = None
    external_id: str | None = None
    error: str | None = None


class BatchResult(BaseModel):
    created: int
    existing: int
    failed: int
    items: list[BatchItem]


class Place(BaseModel):
    as_written: str
    start: int | None = None
    end: int | None = None
    unit: str | None = None
    current_unit: str | None = None
    ambiguous: bool = False
    candidates: list[str] = Field(default_factory=list, description="Possible units when ambiguous")


class Prediction(BaseModel):
    """What the model said at intake: never changed by corrections."""

    model_version: str
    topic: str
    letter_type: str
    department: str
    topic_confidence: float
    letter_type_confidence: float
    topics: list[TopicScore]
    explanation: list[dict]


class LetterPublic(BaseModel):
    id: int
    external_id: str | None
    text: str = Field(description="Masked (personal data hidden) for roles that may not see it.")
    text_masked: bool
    received_at: datetime
    channel: str
    status: str
    topic: str
    letter_type: str
    department: str
    route_rule: str
    needs_review: bool
    review_reasons: list[str]
    referred_to: str | None
    urgent: bool
    urgent_terms: list[str]
    wards: list[Place]
    duplicate_of: int | None
    duplicate_similarity: float | None
    recipients: list[str] = Field(default_factory=list, description="Agencies the letter is addressed to")
    accept_due: date
    settle_due: date
    overdue: bool
    prediction: Prediction
    writer: Writer | None = Field(
        None, description="Only for roles allowed to see it; never for to_cao letters except to admin."
    )
    created_at: datetime
    updated_at: datetime


class LettersPublic(BaseModel):
    letters: list[LetterPublic]
    next_cursor: str | None


class LetterEventPublic(BaseModel):
    at: datetime
    actor: str
    action: str
    before: dict
    after: dict
    note: str | None


class LetterWithHistory(LetterPublic):
    history: list[LetterEventPublic]


class LetterUpdate(InputModel):
    topic: str | None = None
    letter_type: str | None = None
    department: str | None = None
    status: str | None = None
    referred_to: str | None = Field(None, max_length=300)
    note: str | None = Field(None, max_length=5000)


class LetterUpdated(BaseModel):
    letter: LetterPublic
    rerouted: dict | None = None


class DueCount(BaseModel):
    department: str
    open: int
    due_soon: int
    overdue: int


class ErrorDetail(BaseModel):
    loc: list[str | int]
    field: str
    msg: str
    type: str | None = None


class ErrorResponse(BaseModel):
    """Every 4xx: ``message`` names the field at fault and says what is wrong."""

    message: str
    detail: list[ErrorDetail] | str | None = None


def error_responses(*codes: int) -> dict:
    text = {
        400: "Malformed request",
        401: "No or unknown API key",
        403: "The key's role may not do this",
        404: "Not found",
        422: "A field is invalid (the message names it)",
    }
    return {c: {"model": ErrorResponse, "description": text.get(c, "Error")} for c in codes}
