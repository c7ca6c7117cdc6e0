"""Checks and normal forms for the values people type: A-numbers, names, countries, phones,
dates. Each raises InvalidInput with a message a person understands and never echoes the value."""

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

import phonenumbers
import pycountry

from resolvers.errors import InvalidInput

# How far ahead of the server's clock a client's "now" may be before it counts as the future.
CLOCK_SKEW = timedelta(minutes=5)
NAME_MAX = 100
ADULT_AGE = 18

_A_NUMBER_INPUT = re.compile(r"^A?[0-9 -]+$")


def a_number(value: str, field: str = "aNumber") -> str:
    """The 9-digit A-number; an "A" prefix, spaces and dashes are accepted and dropped."""
    compact = value.strip().upper()
    digits = re.sub(r"[ -]", "", compact.removeprefix("A"))
    if not _A_NUMBER_INPUT.match(compact) or len(digits) != 9:
        raise InvalidInput("An A-number has 9 digits, e.g. A123-456-789.", [field])
    return digits


def looks_like_a_number(value: str) -> bool:
    compact = re.sub(r"[ -]", "", value.strip().upper().removeprefix("A"))
    return compact.isdigit() and len(compact) == 9


def required_text(value: str, field: str, *, max_length: int = NAME_MAX) -> str:
    """Trimmed text with inner runs of white space folded; blank or too long is refused."""
    text = " ".join(value.split())
    if not text:
        raise InvalidInput("This field must not be blank.", [field])
    if "\x00" in text:  # PostgreSQL cannot store it in text
        raise InvalidInput("This field must not contain a NUL character.", [field])
    if len(text) > max_length:
        raise InvalidInput(f"This field is longer than {max_length} characters.", [field])
    return text


def optional_text(value: str | None, field: str, *, max_length: int = 200) -> str | None:
    if value is None or not value.strip():
        return None
    return required_text(value, field, max_length=max_length)


def name_key(value: str) -> str:
    """A name folded for search: no accents, no case, single spaces ("Núñez" -> "nunez")."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def country(value: str, field: str = "countryOfBirth") -> str:
    """ISO 3166-1 alpha-2 code for a code (alpha-2 or alpha-3) or an English country name."""
    text = value.strip()
    found = None
    if text:
        found = pycountry.countries.get(alpha_2=text.upper()) if len(text) == 2 else None
        found = found or (pycountry.countries.get(alpha_3=text.upper()) if len(text) == 3 else None)
        if found is None and len(text) > 3:
            try:
                found = pycountry.countries.lookup(text)
            except LookupError:
                found = None
    if found is None:
        raise InvalidInput("Unknown country: give an ISO code (GT, GTM) or its name.", [field])
    return str(found.alpha_2)


def phone(value: str | None, field: str = "phone") -> str | None:
    """A phone number in E.164 form; numbers without a country code are taken as US numbers."""
    if value is None or not value.strip():
        return None
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise InvalidInput("This is not a valid phone number.", [field])
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def aware(value: datetime, field: str) -> datetime:
    """Instants must say their UTC offset; a bare local time is ambiguous. An instant whose UTC
    time falls outside years 1 to 9999 (0001-01-01T00:00:00+14:00) cannot be stored or
    compared."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            "Give a date-time with its UTC offset, e.g. 2024-05-01T09:30:00-05:00.", [field]
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput("This date-time is out of range.", [field]) from None
    return value


def aware_range(start: datetime | None, end: datetime | None) -> None:
    """A filter's `from` and `to` instants must carry their UTC offsets."""
    for instant, name in ((start, "from"), (end, "to")):
        if instant is not None:
            try:
                aware(instant, name)
            except InvalidInput as error:
                raise error.at("filter") from None


def past_instant(value: datetime, now: datetime, field: str) -> datetime:
    aware(value, field)
    if value > now + CLOCK_SKEW:
        raise InvalidInput("This date-time is in the future; it must be in the past.", [field])
    return value


def past_date(value: date, now: datetime, field: str) -> date:
    if value > now.date():
        raise InvalidInput("This date is in the future; it must be in the past.", [field])
    return value


def age_on(date_of_birth: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)
