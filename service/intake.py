"""Intake: everything decided about a letter before it is stored, for a batch at once.

Classification and routing (one vectorised pass), places, urgency, personal-data masking, the
unaccented search text and the legal due dates. Plain Python: the routes call it, tests call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from models import duplicates
from models.deadlines import Deadlines
from models.keywords import letter_terms
from models.personal_data import mask
from models.text import clean, unaccent
from models.triage import Triage
from models.urgency import UrgencyDetector
from service import workflow


@dataclass
class IncomingLetter:
    text: str
    received_at: datetime | None = None
    channel: str = "portal"
    external_id: str | None = None
    writer: dict = field(default_factory=dict)


class Intake:
    def __init__(self, triage: Triage, deadlines: Deadlines, urgency: UrgencyDetector, mask_names: bool = True):
        self.triage = triage
        self.deadlines = deadlines
        self.urgency = urgency
        self.mask_names = mask_names

    def prepare(self, letters: list[IncomingLetter]) -> list[dict]:
        """Column values for new ``letters`` rows (without ids), in input order."""
        now = datetime.now(UTC)
        results = self.triage.run([x.text for x in letters], explain=True)
        rows = []
        for letter, r in zip(letters, results, strict=True):
            received = letter.received_at or now
            # stored in UTC: SQLite keeps no offset, so a +07:00 time would otherwise read as UTC
            received = received.replace(tzinfo=UTC) if received.tzinfo is None else received.astimezone(UTC)
            due = self.deadlines.due(r.letter_type, received.date())
            urgency = self.urgency.detect(letter.text)
            cleaned = clean(letter.text)
            masked = mask(letter.text, names=self.mask_names)
            rows.append(
                {
                    "external_id": letter.external_id,
                    "text": letter.text,
                    "text_plain": " ".join(unaccent(cleaned).lower().split()),
                    "text_masked": masked,
                    "terms": " ".join(letter_terms(masked, [w["as_written"] for w in r.wards])),
                    "received_at": received,
                    "channel": letter.channel,
                    **{f"writer_{k}": v for k, v in letter.writer.items()},
                    "status": workflow.NEEDS_REVIEW if r.needs_review else workflow.ROUTED,
                    "topic": r.topic,
                    "letter_type": r.letter_type,
                    "department": r.department,
                    "route_rule": r.route_rule,
                    "needs_review": r.needs_review,
                    "review_reasons": r.review_reasons,
                    "model_version": r.model_version,
                    "predicted_topic": r.topic,
                    "predicted_letter_type": r.letter_type,
                    "predicted_department": r.department,
                    "topic_confidence": r.topic_confidence,
                    "letter_type_confidence": r.letter_type_confidence,
                    "topics": [{"id": t.id, "confidence": t.confidence} for t in r.topics],
                    "explanation": r.explanation,
                    "wards": r.wards,
                    "urgent": r.urgent if r.urgent_confidence is not None else urgency.urgent,
                    "urgent_terms": list(dict.fromkeys([*urgency.terms, *r.urgent_terms]))
                    if (r.urgent if r.urgent_confidence is not None else urgency.urgent)
                    else [],
                    "signature": duplicates.to_bytes(duplicates.signature(letter.text)),
                    "recipients": duplicates.recipients(letter.text),
                    "accept_due": due.accept_due,
                    "settle_due": due.settle_due,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        return rows
