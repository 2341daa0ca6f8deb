"""What each role sees of a letter: writer identity and personal data only where allowed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from service import workflow
from service.auth import Principal
from service.schemas import LetterEventPublic, LetterPublic, LetterWithHistory, Place, Prediction, TopicScore, Writer
from service.storage.tables import Letter


def is_denunciation(letter: Letter) -> bool:
    return "to_cao" in (letter.letter_type, letter.predicted_letter_type)


def may_see_identity(letter: Letter, principal: Principal) -> bool:
    """Clerks see writers, except denouncers (Luật Tố cáo protects them): only admins see those."""
    if not principal.can("writer:read"):
        return False
    return not is_denunciation(letter) or principal.can("denouncer:read")


def is_overdue(letter: Letter, today: date) -> bool:
    if letter.status not in workflow.OPEN:
        return False
    if letter.status in workflow.BEFORE_ACCEPTANCE and letter.accept_due < today:
        return True
    return letter.settle_due < today


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def letter_view(letter: Letter, principal: Principal, history: bool = False) -> LetterPublic:
    identity = may_see_identity(letter, principal)
    writer = None
    if identity and any(getattr(letter, f"writer_{k}") for k in ("name", "phone", "email", "address", "id_number")):
        writer = Writer(
            name=letter.writer_name,
            phone=letter.writer_phone,
            email=letter.writer_email,
            address=letter.writer_address,
            id_number=letter.writer_id_number,
        )
    data = dict(
        id=letter.id,
        external_id=letter.external_id,
        text=letter.text if identity else letter.text_masked,
        text_masked=not identity,
        received_at=_aware(letter.received_at),
        channel=letter.channel,
        status=letter.status,
        topic=letter.topic,
        letter_type=letter.letter_type,
        department=letter.department,
        route_rule=letter.route_rule,
        needs_review=letter.needs_review,
        review_reasons=letter.review_reasons or [],
        referred_to=letter.referred_to,
        urgent=letter.urgent,
        urgent_terms=letter.urgent_terms or [],
        wards=[Place(**w) for w in (letter.wards or [])],
        duplicate_of=letter.duplicate_of,
        duplicate_similarity=letter.duplicate_similarity,
        recipients=letter.recipients or [],
        accept_due=letter.accept_due,
        settle_due=letter.settle_due,
        overdue=is_overdue(letter, datetime.now(UTC).date()),
        prediction=Prediction(
            model_version=letter.model_version,
            topic=letter.predicted_topic,
            letter_type=letter.predicted_letter_type,
            department=letter.predicted_department,
            topic_confidence=letter.topic_confidence,
            letter_type_confidence=letter.letter_type_confidence,
            topics=[TopicScore(**t) for t in letter.topics or []],
            explanation=letter.explanation or [],
        ),
        writer=writer,
        created_at=_aware(letter.created_at),
        updated_at=_aware(letter.updated_at),
    )
    if not history:
        return LetterPublic(**data)
    events = [
        LetterEventPublic(
            at=_aware(e.at),
            actor=e.actor,
            action=e.action,
            before=e.before or {},
            after=e.after or {},
            note=e.note if principal.can("letters:update") else None,
        )
        for e in letter.events
    ]
    return LetterWithHistory(**data, history=events)
