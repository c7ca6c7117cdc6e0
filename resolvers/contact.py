"""Attempts to reach a released child, and what they say about where the child is."""

import uuid
from datetime import datetime

from models import ContactAttempt
from models.enums import ContactMethod, ContactOutcome, VerificationStatus
from resolvers.children import IN_CUSTODY, current_address, lock_child, record_changed
from resolvers.errors import InvalidInput, InvalidTransition
from resolvers.unit import Unit
from resolvers.validation import optional_text, past_instant


async def record_contact_attempt(
    unit: Unit,
    *,
    child_id: uuid.UUID,
    attempted_at: datetime,
    method: ContactMethod,
    outcome: ContactOutcome,
    notes: str | None = None,
) -> ContactAttempt:
    """One attempt and its outcome; finding the child at the current address verifies it."""
    past_instant(attempted_at, unit.now(), "attemptedAt")
    text = optional_text(notes, "notes", max_length=2000)
    child = await lock_child(unit, child_id)
    if child.custody_status in IN_CUSTODY:
        raise InvalidTransition("The child is in custody; there is no one to contact.", ["childId"])
    if attempted_at.date() < child.date_of_birth:
        raise InvalidInput("The attempt is dated before the child's birth.", ["attemptedAt"])
    address = await current_address(unit, child.id)
    if outcome == ContactOutcome.LOCATED_AT_ADDRESS:
        if address is None:
            raise InvalidInput(
                "The child has no current address to be located at; record the address first.",
                ["outcome"],
            )
        if attempted_at.date() < address.effective_from:
            raise InvalidInput(
                "The attempt is dated before the current address took effect.", ["attemptedAt"]
            )
        if address.verified_at is None or attempted_at >= address.verified_at:
            address.verification = VerificationStatus.VERIFIED
            address.verified_at = attempted_at
            unit.session.add(address)
    attempt = ContactAttempt(
        child_id=child.id, attempted_at=attempted_at, method=method, outcome=outcome, notes=text
    )
    unit.session.add(attempt)
    await record_changed(unit, child)
    return attempt
