"""The database tables (SQLAlchemy 2). Migrations in ``service/migrations`` create them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Letter(Base):
    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(Text)
    # cleaned, unaccented, lower-case text: search without diacritics
    text_plain: Mapped[str] = mapped_column(Text)
    # the text with personal data masked (phones, ID numbers, emails, accounts, plates, names)
    text_masked: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str] = mapped_column(String(30))
    # the writer (personal data: shown only to roles allowed to see it)
    writer_name: Mapped[str | None] = mapped_column(String(200))
    writer_phone: Mapped[str | None] = mapped_column(String(50))
    writer_email: Mapped[str | None] = mapped_column(String(200))
    writer_address: Mapped[str | None] = mapped_column(String(500))
    writer_id_number: Mapped[str | None] = mapped_column(String(30))
    # the current (possibly corrected) decision
    status: Mapped[str] = mapped_column(String(40), index=True)
    topic: Mapped[str] = mapped_column(String(60), index=True)
    letter_type: Mapped[str] = mapped_column(String(60), index=True)
    department: Mapped[str] = mapped_column(String(60), index=True)
    route_rule: Mapped[str] = mapped_column(String(80))
    needs_review: Mapped[bool] = mapped_column(Boolean, index=True)
    review_reasons: Mapped[list] = mapped_column(JSON, default=list)
    referred_to: Mapped[str | None] = mapped_column(String(300))
    # the model's original prediction: never overwritten, so corrections become training data
    model_version: Mapped[str] = mapped_column(String(120))
    predicted_topic: Mapped[str] = mapped_column(String(60))
    predicted_letter_type: Mapped[str] = mapped_column(String(60))
    predicted_department: Mapped[str] = mapped_column(String(60))
    topic_confidence: Mapped[float] = mapped_column(Float)
    letter_type_confidence: Mapped[float] = mapped_column(Float)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    explanation: Mapped[list] = mapped_column(JSON, default=list)
    # segmented words of the masked text, stop words removed (models.keywords): keywords, trends
    terms: Mapped[str | None] = mapped_column(Text)
    # places, urgency, duplicates
    wards: Mapped[list] = mapped_column(JSON, default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    urgent_terms: Mapped[list] = mapped_column(JSON, default=list)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    duplicate_similarity: Mapped[float | None] = mapped_column(Float)
    # MinHash signature (models.duplicates) and the agencies the letter is addressed to
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    recipients: Mapped[list | None] = mapped_column(JSON)
    # time limits
    accept_due: Mapped[date] = mapped_column(Date, index=True)
    settle_due: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    events: Mapped[list[LetterEvent]] = relationship(back_populates="letter", order_by="LetterEvent.id")
    places: Mapped[list[LetterPlace]] = relationship(back_populates="letter", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_letters_queue", "needs_review", "urgent", "topic_confidence", "id"),
        Index("ix_letters_dept_status", "department", "status"),
        # trends: a date range grouped by topic (covering), one topic or department over time
        Index("ix_letters_received_topic", "received_at", "topic"),
        Index("ix_letters_topic_received", "topic", "received_at"),
        Index("ix_letters_department_received", "department", "received_at"),
    )


class LetterPlace(Base):
    """A ward (or other unit) a letter names: as written, then and now."""

    __tablename__ = "letter_places"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    as_written: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(200), index=True)
    current_unit: Mapped[str | None] = mapped_column(String(200), index=True)

    letter: Mapped[Letter] = relationship(back_populates="places")


class DailyCount(Base):
    """Letters per day and decision (service.rollup keeps it in step with ``letters``): trends
    read a few hundred thousand rows here instead of scanning a million letters."""

    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    letter_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    department: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    letters: Mapped[int] = mapped_column(Integer)


class DailyWardCount(Base):
    """Letters per day, ward (its current unit, else as written) and topic: wards are many, so
    this table keeps only the topic beside them (other filters with a ward read the letters)."""

    __tablename__ = "daily_ward_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    ward: Mapped[str] = mapped_column(String(200), primary_key=True)
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    letters: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_daily_ward_counts_ward_day", "ward", "day"),)


class LetterBand(Base):
    """LSH band keys of a letter's MinHash signature: the shared, persistent near-duplicate index."""

    __tablename__ = "letter_bands"

    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), primary_key=True)


class LetterEvent(Base):
    """The audit history: who changed what, when, from what to what."""

    __tablename__ = "letter_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)

    letter: Mapped[Letter] = relationship(back_populates="events")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
