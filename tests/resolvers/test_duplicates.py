"""The rules that call two records possibly one child, on the misspellings officers make and
on children who only look alike."""

import uuid
from datetime import date

import pytest

from models.enums import DuplicateReason
from resolvers.duplicates import Identity, compare, mistyped_numbers, name_similarity

BORN = date(2011, 6, 14)


def record(first: str, last: str, a_number: str = "201234567", born: date = BORN) -> Identity:
    return Identity(uuid.uuid4(), a_number, first, last, born)


@pytest.mark.parametrize(
    ("first", "last", "other_first", "other_last"),
    [
        ("José", "Hernández", "Jose", "Hernandez"),  # accents dropped
        ("Katherine", "Gonzalez", "Catherine", "Gonzales"),  # C for K, s for z
        ("Yesenia", "Ramos", "Jesenia", "Ramos"),  # J for Y
        ("Jhon", "Martinez", "John", "Martinez"),  # two letters swapped
        ("María", "García López", "Maria", "Garcia"),  # second surname left off
        ("Guadalupe", "Reyes", "Reyes", "Guadalupe"),  # surname first
        ("Wilmer", "Ochoa", "Wilmer", "Ochoa "),  # a stray space
        ("BRAYAN", "CRUZ", "Bryan", "Cruz"),  # capitals, a letter dropped
    ],
)
def test_a_name_spelled_differently_on_the_same_birth_date_is_a_possible_duplicate(
    first: str, last: str, other_first: str, other_last: str
) -> None:
    # when
    found = compare(record(first, last), record(other_first, other_last, "209999999"))

    # then
    assert found is not None
    assert {
        DuplicateReason.SIMILAR_NAME_SAME_BIRTH_DATE,
        DuplicateReason.SOUNDS_ALIKE_SAME_BIRTH_DATE,
    } & set(found.reasons)


@pytest.mark.parametrize(
    ("first", "last", "other_first", "other_last", "other_born"),
    [
        ("Ana", "Garcia", "Luis", "Garcia", BORN),  # siblings, twins even
        ("Juan", "Perez", "Pedro", "Sanchez", BORN),  # strangers born the same day
        ("Jose", "Hernandez", "Jose", "Hernandez", date(2012, 6, 14)),  # same name, a year apart
        ("Carlos", "Mendoza", "Carla", "Medina", BORN),
    ],
)
def test_distinct_children_are_not_possible_duplicates(
    first: str, last: str, other_first: str, other_last: str, other_born: date
) -> None:
    assert (
        compare(record(first, last), record(other_first, other_last, "209999999", other_born))
        is None
    )


@pytest.mark.parametrize(
    ("a_number", "other", "reason"),
    [
        ("201234567", "201234568", DuplicateReason.A_NUMBER_ONE_DIGIT_OFF),
        ("201234567", "701234567", DuplicateReason.A_NUMBER_ONE_DIGIT_OFF),
        ("201234567", "202134567", DuplicateReason.A_NUMBER_DIGITS_TRANSPOSED),
        ("201234567", "201234576", DuplicateReason.A_NUMBER_DIGITS_TRANSPOSED),
    ],
)
def test_an_a_number_one_keystroke_off_with_the_same_child_behind_it_is_a_possible_duplicate(
    a_number: str, other: str, reason: DuplicateReason
) -> None:
    # given a record under the mistyped number, its birth date entered wrong too
    subject = record("Kevin", "Alvarado", a_number)
    typo = record("Kevin", "Alvarado", other, date(2011, 6, 15))

    # when
    found = compare(subject, typo)

    # then
    assert found is not None
    assert found.reasons == (reason,)
    assert found.similarity == 1.0


def test_an_a_number_one_keystroke_off_held_by_another_child_is_no_duplicate() -> None:
    # given: about one number in 25 has a neighbour at this population's size
    subject = record("Kevin", "Alvarado", "201234567")
    neighbour = record("Sofia", "Castillo", "201234568", date(2009, 1, 2))

    # then
    assert compare(subject, neighbour) is None


def test_two_digits_apart_that_are_not_a_swap_is_no_typo() -> None:
    subject = record("Kevin", "Alvarado", "201234567")
    assert compare(subject, record("Kevin", "Alvarado", "201234599", date(2010, 1, 1))) is None
    assert compare(subject, record("Kevin", "Alvarado", "201243576", date(2010, 1, 1))) is None


def test_the_mistyped_numbers_are_one_change_or_one_swap_away() -> None:
    # when
    numbers = mistyped_numbers("201234567")

    # then: 9 digits x 9 others, and 8 neighbour swaps (none of equal digits here)
    assert len(numbers) == 9 * 9 + 8
    assert "201234567" not in numbers
    assert {"301234567", "201234566", "021234567", "201234576"} <= numbers
    assert len(mistyped_numbers("111111111")) == 9 * 9  # swapping equal digits changes nothing


def test_name_similarity_is_symmetric_and_one_for_the_same_name() -> None:
    assert name_similarity("Ana", "Pérez", "ana", "perez") == 1.0
    assert name_similarity("Katherine", "Gonzalez", "Catherine", "Gonzales") == name_similarity(
        "Catherine", "Gonzales", "Katherine", "Gonzalez"
    )


def test_twins_with_consecutive_a_numbers_are_no_duplicates() -> None:
    # given: apprehended together, numbered one after the other, born the same day
    ana = record("Ana", "Gonzalez", "201234567")
    luis = record("Luis", "Gonzalez", "201234568")

    # then
    assert compare(ana, luis) is None
