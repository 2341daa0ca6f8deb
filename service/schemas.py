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
