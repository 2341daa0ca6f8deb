"""Pydantic models at the HTTP edge, named by role."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LetterText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        description="The letter's text, as received (HTML and Word debris are cleaned).",
        examples=["Đèn đường ngõ 12 phố Xuân La tắt cả tuần nay, đề nghị phường sửa."],
    )
    id: str | int | None = Field(None, description="Your reference for this letter, echoed back.")


class ClassifyRequest(BaseModel):
    """One letter (``text``) or a batch (``letters``), not both."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="One letter's text.")
    id: str | int | None = Field(None, description="Your reference for the single letter, echoed back.")
    letters: list[LetterText] | None = Field(None, description="A batch of letters.")

    @model_validator(mode="after")
    def one_or_batch(self) -> ClassifyRequest:
        if (self.text is None) == (self.letters is None):
            raise ValueError("give either 'text' (one letter) or 'letters' (a batch), not both and not neither")
        if self.letters is not None and not self.letters:
            raise ValueError("'letters' is empty")
        return self


class TopicScore(BaseModel):
    id: str
    confidence: float


class Classification(BaseModel):
    id: str | int | None = None
    topic: str
    topic_confidence: float
    topics: list[TopicScore]
    letter_type: str
    letter_type_confidence: float
    department: str
    route_rule: str = Field(description="'topic' (the route table) or the name of the override that applied.")
    needs_review: bool
    review_reasons: list[str]
    wards: list[dict]
    model_version: str


class ClassificationBatch(BaseModel):
    results: list[Classification]
    model_version: str


# -- letters ------------------------------------------------------------------------------------

from datetime import date, datetime  # noqa: E402
from typing import Any, Literal  # noqa: E402

Channel = Literal["mailbox", "portal", "email", "voters_meeting", "hotline", "letter", "app", "other"]


class Writer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=500)
    id_number: str | None = Field(None, max_length=30, description="CCCD (12 digits) or CMND (9 digits)")


class LetterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The letter as received.")
    received_at: datetime | None = Field(None, description="When the office received it (default: now).")
    channel: Channel = "portal"
    external_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Your id for this letter: a retried request with the same id returns the stored letter.",
    )
    writer: Writer | None = None


class LetterBatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

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


class LetterUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
