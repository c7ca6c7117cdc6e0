"""Field offices: where a child's case is worked, and the areas each one covers."""

import uuid

from sqlmodel import Field, SQLModel


class FieldOffice(SQLModel, table=True):
    """A field office and what it covers: the immigration courts it attends and the ZIP codes
    (by 3- or 5-digit prefix) it visits. A child belongs to the office covering its current
    address's ZIP, else the court of its latest hearing (resolvers/offices.py). Audited: who
    works which children is a decision oversight must be able to follow. Courts and prefixes
    are kept as comma-separated words, as the history records plain values."""

    __tablename__ = "field_office"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=10, unique=True)
    name: str = Field(max_length=100)
    courts: str = Field(default="", max_length=500)
    zip_prefixes: str = Field(default="", max_length=2000)
