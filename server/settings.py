"""Settings from CASETRAIL_* environment variables and a .env file."""

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError
from sqlalchemy.engine import make_url

from audit.chain import SIGNER_KEY
from audit.checkpoints import DEFAULT_EVERY, Signer, load_private_key
from resolvers.alert_rules import THRESHOLDS_KEY, AlertThresholds
from server.logs import LogFormat

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./casetrail.db"
_API = AlertThresholds()  # the thresholds API.md names


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


def machine_pool_size() -> int:
    """Connections a server process keeps open to PostgreSQL: twice the cores and one, the
    PostgreSQL wiki's starting point for a database that fits in memory (5 on 2 cores). More
    connections than cores only queue inside the database, where a waiting request holds
    memory and locks; a request that waits for the pool holds nothing. The cores counted are
    those this process may run on: a container limited to two of a host's sixteen gets 5."""
    allowed = getattr(os, "sched_getaffinity", None)  # not on every system
    cores = len(allowed(0)) if allowed is not None else (os.cpu_count() or 1)
    return 2 * cores + 1


ENV_PREFIX = "CASETRAIL_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    env: Literal["development", "production"] = "development"
    audit_signing_key_file: Path | None = None
    # A signed checkpoint of the history every this many events.
    audit_checkpoint_every: int = Field(default=DEFAULT_EVERY, ge=1)
    # The alert thresholds of API.md's Automation section.
    alert_notice_not_served_days: int = Field(default=_API.notice_not_served_days, ge=1)
    alert_address_unverified_days: int = Field(default=_API.address_unverified_days, ge=1)
    alert_transfer_overdue_hours: int = Field(default=_API.transfer_overdue_hours, ge=1)
    alert_hearing_without_counsel_days: int = Field(default=_API.hearing_without_counsel_days, ge=1)
    # The server's own sweep of the time-driven alerts, every this many seconds (0: none).
    sweep_interval_seconds: float = Field(default=300, ge=0)
    # The server's own delivery of partner notifications: what is due, every this many
    # seconds (0: none; another server process must then send them).
    partner_delivery_interval_seconds: float = Field(default=2, ge=0)
    # Limits on one client. A docket import carries its file in the request, hence the size.
    max_request_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    # PostgreSQL: connections each server process keeps, and how many more a burst may open.
    # None more by default: a connection opened past the pool's size is closed as soon as it
    # is returned to a full pool, so under a load above that size about one request in ten
    # opened one, and starting a database process cost more than the request (measured).
    database_pool_size: int = Field(default_factory=machine_pool_size, ge=1)
    database_pool_overflow: int = Field(default=0, ge=0)
    # On SIGTERM, how long the server goes on taking requests while /readyz says it is shutting
    # down, before it refuses new connections: at least the interval at which a load balancer
    # polls /readyz, where one does.
    shutdown_drain_seconds: float = Field(default=0, ge=0, le=300)
    # PostgreSQL: the longest one statement of a request may run (0: no limit).
    statement_timeout_ms: int = Field(default=10_000, ge=0)
    # Read queries whose every field the compiler covers are answered by one SQL statement
    # that builds the JSON (schema/compiled.py); false executes every query field by field.
    compiled_reads: bool = True
    # Origins whose browser pages may call the API (CORS); none by default. Separated by
    # commas, or a JSON list.
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The server's log on standard error: one JSON object a line, or text for a terminal.
    log_format: LogFormat = "json"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return async_database_url(url)

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ValueError("not a JSON list of origins") from None
        return [origin.strip() for origin in value.split(",") if origin.strip()]

    @property
    def production(self) -> bool:
        return self.env == "production"

    def pool_options(self) -> dict[str, int]:
        """The engine's pool size, for a database server; SQLite's file needs no pool sized."""
        if make_url(self.database_url).get_backend_name() == "sqlite":
            return {}
        return {"pool_size": self.database_pool_size, "max_overflow": self.database_pool_overflow}

    def audit_signer(self) -> Signer | None:
        """The checkpoint signer of the configured key, or None when no key is configured."""
        if self.audit_signing_key_file is None:
            return None
        return Signer(load_private_key(self.audit_signing_key_file), self.audit_checkpoint_every)

    def alert_thresholds(self) -> AlertThresholds:
        return AlertThresholds(
            notice_not_served_days=self.alert_notice_not_served_days,
            address_unverified_days=self.alert_address_unverified_days,
            transfer_overdue_hours=self.alert_transfer_overdue_hours,
            hearing_without_counsel_days=self.alert_hearing_without_counsel_days,
        )

    def write_session_info(self) -> dict[str, Any]:
        """What every writing session starts with: the history's checkpoint signer and the
        alert thresholds."""
        return {SIGNER_KEY: self.audit_signer(), THRESHOLDS_KEY: self.alert_thresholds()}


class SettingsProblem(Exception):
    """Settings that cannot be used, each named by its environment variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_settings() -> Settings:
    """The settings, or SettingsProblem naming each variable that is wrong and why. The
    values are left out: a database URL may hold a password."""
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for found in error.errors(include_input=False, include_url=False):
            field = str(found["loc"][0]) if found["loc"] else ""
            problems.append(f"{ENV_PREFIX}{field.upper()}: {found['msg']}")
        raise SettingsProblem(problems) from None
    except SettingsError as error:  # a value the source could not parse at all
        raise SettingsProblem([str(error)]) from None
