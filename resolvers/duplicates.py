"""Records that may be the same child: one name spelled two ways on the same birth date, or one
A-number mistyped. Found on intake (a warning, never a refusal) and on demand for any child."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import jellyfish
import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Child
from models.enums import DuplicateReason
from resolvers.validation import name_key

# Names at least this alike (0 to 1, first with first and last with last) on the same birth
# date are worth a look. Chosen on the misspellings officers make: accents dropped,
# "Katherine/Catherine Gonzalez/Gonzales" (0.88), "Yesenia/Jesenia" (0.93 with the same
# surname); distinct siblings ("Ana/Luis Garcia", 0.5) stay below it.
SAME_NAME_SIMILARITY = 0.85
# A mistyped A-number alone is no evidence: at 448,000 children about one number in 25 has a
# neighbour one keystroke away, and children apprehended together (twins among them) are
# often given consecutive numbers. Its holder must also have a like name.
NEAR_NUMBER_NAME_SIMILARITY = 0.75
# Candidate A-numbers per statement, well under both drivers' bound-parameter limits.
_NUMBERS_PER_STATEMENT = 900


@dataclass(frozen=True)
class Identity:
    """What a record says of who the child is."""

    id: uuid.UUID | None
    a_number: str
    first_name: str
    last_name: str
    date_of_birth: date

    # Worked out once a record, however many others it is compared with.
    @cached_property
    def folded(self) -> tuple[str, str]:
        return name_key(self.first_name), name_key(self.last_name)

    @cached_property
    def sounds(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        first, last = self.folded
        return _sound(first), _sound(last)


@dataclass(frozen=True)
class PossibleDuplicate:
    child_id: uuid.UUID
    # How alike the two names are, 0 to 1.
    similarity: float
    reasons: tuple[DuplicateReason, ...]


def mistyped_numbers(number: str) -> set[str]:
    """The A-numbers one keystroke from `number`: one digit changed, or two neighbours swapped."""
    variants: set[str] = set()
    for position, digit in enumerate(number):
        for other in "0123456789":
            if other != digit:
                variants.add(number[:position] + other + number[position + 1 :])
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a != b:
            variants.add(number[:position] + b + a + number[position + 2 :])
    return variants


def _number_mistake(a: str, b: str) -> DuplicateReason | None:
    differing = [i for i in range(len(a)) if a[i] != b[i]] if len(a) == len(b) else []
    if len(differing) == 1:
        return DuplicateReason.A_NUMBER_ONE_DIGIT_OFF
    if len(differing) == 2:
        i, j = differing
        if j == i + 1 and a[i] == b[j] and a[j] == b[i]:
            return DuplicateReason.A_NUMBER_DIGITS_TRANSPOSED
    return None


def _part_similarity(a: str, b: str) -> float:
    # token_set_ratio: a surname recorded with or without its second half ("Garcia" and
    # "Garcia Lopez") is the same surname.
    return max(fuzz.ratio(a, b), fuzz.token_set_ratio(a, b)) / 100


def _similarity(a: tuple[str, str], b: tuple[str, str]) -> float:
    straight = (_part_similarity(a[0], b[0]) + _part_similarity(a[1], b[1])) / 2
    crossed = (_part_similarity(a[0], b[1]) + _part_similarity(a[1], b[0])) / 2
    return max(straight, crossed)


def name_similarity(first_a: str, last_a: str, first_b: str, last_b: str) -> float:
    """How alike two names are, 0 to 1: first against first and last against last, or crossed
    over, as a name written surname first would be."""
    return _similarity((name_key(first_a), name_key(last_a)), (name_key(first_b), name_key(last_b)))


def _sound(folded: str) -> tuple[str, ...]:
    # Metaphone's keys, one a word: "katherine" and "catherine" are both K0RN.
    return tuple(jellyfish.metaphone(part) for part in folded.split())


def compare(subject: Identity, other: Identity) -> PossibleDuplicate | None:
    """Whether `other` may be the record of the child `subject` describes, and why: a name
    alike (RapidFuzz) or sounding alike (Metaphone) on the same birth date, or the A-number
    one keystroke off with a name alike."""
    assert other.id is not None
    similarity = _similarity(subject.folded, other.folded)
    alike = subject.sounds == other.sounds
    same_birth = subject.date_of_birth == other.date_of_birth
    reasons: list[DuplicateReason] = []
    if same_birth and similarity >= SAME_NAME_SIMILARITY:
        reasons.append(DuplicateReason.SIMILAR_NAME_SAME_BIRTH_DATE)
    if same_birth and alike:
        reasons.append(DuplicateReason.SOUNDS_ALIKE_SAME_BIRTH_DATE)
    mistake = _number_mistake(subject.a_number, other.a_number)
    if mistake is not None and (alike or similarity >= NEAR_NUMBER_NAME_SIMILARITY):
        reasons.append(mistake)
    if not reasons:
        return None
    return PossibleDuplicate(other.id, round(similarity, 3), tuple(reasons))


def _identity(row: Sequence[Any]) -> Identity:
    id_, number, first, last, born = row
    return Identity(id_, number, first, last, born)


def _identities() -> sa.Select[uuid.UUID, str, str, str, date]:
    return sa.select(
        col(Child.id),
        col(Child.a_number),
        col(Child.first_name),
        col(Child.last_name),
        col(Child.date_of_birth),
    )


async def _candidates(
    session: AsyncSession, subjects: Sequence[Identity]
) -> tuple[dict[date, list[Identity]], dict[str, Identity]]:
    """The records sharing a subject's birth date (by index) or one keystroke from its
    A-number (by the unique index): every record a rule could match, and few others."""
    births = {s.date_of_birth for s in subjects}
    numbers = sorted(set().union(*(mistyped_numbers(s.a_number) for s in subjects)))
    found: dict[uuid.UUID, Identity] = {}
    statements = [_identities().where(col(Child.date_of_birth).in_(births))]
    for start in range(0, len(numbers), _NUMBERS_PER_STATEMENT):
        chunk = numbers[start : start + _NUMBERS_PER_STATEMENT]
        statements.append(_identities().where(col(Child.a_number).in_(chunk)))
    connection = await session.connection()
    for statement in statements:
        for row in (await connection.execute(statement)).all():
            identity = _identity(row)
            assert identity.id is not None
            found[identity.id] = identity
    by_birth: dict[date, list[Identity]] = {}
    for identity in found.values():
        by_birth.setdefault(identity.date_of_birth, []).append(identity)
    return by_birth, {identity.a_number: identity for identity in found.values()}


async def find(
    session: AsyncSession, subjects: Sequence[Identity]
) -> list[list[PossibleDuplicate]]:
    """For each subject, the other records that may be the same child, likeliest first."""
    if not subjects:
        return []
    by_birth, by_number = await _candidates(session, subjects)
    answers: list[list[PossibleDuplicate]] = []
    for subject in subjects:
        # Each subject against its own candidates only: those born the same day (about 70 at
        # 448,000 children) and those one keystroke away in A-number.
        pool = {o.id: o for o in by_birth.get(subject.date_of_birth, [])}
        for number in mistyped_numbers(subject.a_number):
            if (other := by_number.get(number)) is not None:
                pool[other.id] = other
        matches = [
            match
            for other in pool.values()
            if other.id != subject.id and (match := compare(subject, other)) is not None
        ]
        matches.sort(key=lambda m: (-len(m.reasons), -m.similarity, str(m.child_id)))
        answers.append(matches)
    return answers


async def of_children(
    session: AsyncSession, child_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[PossibleDuplicate]]:
    """The possible duplicates of each of these children (batched: a constant number of
    statements for any number of children)."""
    ids = list(dict.fromkeys(child_ids))
    connection = await session.connection()
    rows = (await connection.execute(_identities().where(col(Child.id).in_(ids)))).all()
    subjects = [_identity(row) for row in rows]
    return {
        subject.id: matches
        for subject, matches in zip(subjects, await find(session, subjects), strict=True)
        if subject.id is not None
    }
