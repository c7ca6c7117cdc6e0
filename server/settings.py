"""Settings from CASETRAIL_* environment variables and a .env file."""

from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./casetrail.db"


def async_database_url(url: str) -> str:
    """The URL with the async driver this service uses, so that a plain postgresql:// or
    sqlite:// URL works as well."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url.removeprefix(plain)
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASETRAIL_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    env: Literal["development", "production"] = "development"
    audit_signing_key_file: Path | None = None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return async_database_url(url)

    @property
    def production(self) -> bool:
        return self.env == "production"
