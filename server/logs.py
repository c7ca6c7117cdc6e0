"""The server's log: one JSON object a line on standard error (or plain text, for a terminal),
each line written while a request is answered naming its request id and its actor.

Nothing here writes a record's data. A request's line gives its path without the query
string, where a GET carries its GraphQL variables; messages elsewhere name kinds, counts and
reasons, never values."""

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS

from resolvers.unit import Actor

LogFormat = Literal["json", "text"]


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    actor: Actor | None = None


# The request being answered, in the task that answers it (and the tasks it starts).
CURRENT_REQUEST: ContextVar[RequestInfo | None] = ContextVar("casetrail_request", default=None)


def begin_request(request_id: str, actor: Actor | None = None) -> None:
    """Name the request (and, once known, its actor) on every line logged while it is answered."""
    CURRENT_REQUEST.set(RequestInfo(request_id, actor))


def request_fields() -> dict[str, str]:
    """The request id, actor and role of the request being answered, for a log line."""
    current = CURRENT_REQUEST.get()
    if current is None:
        return {}
    fields = {"request_id": current.request_id}
    if current.actor is not None:
        fields["actor"] = current.actor.name
        fields["role"] = current.actor.role.value
    return fields


class RequestFields(logging.Filter):
    """Adds the request's id, actor and role to each record logged while it is answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in request_fields().items():
            if not hasattr(record, name):  # a line about another request names its own
                setattr(record, name, value)
        return True


class TextFormatter(logging.Formatter):
    """The time, level, logger and message, then the request's fields as key=value."""

    _EXTRA = ("request_id", "actor", "role", "method", "path", "status", "duration_ms", "operation")

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = [f"{name}={getattr(record, name)}" for name in self._EXTRA if hasattr(record, name)]
        return " ".join([line, *extra])


def log_config(log_format: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the server and uvicorn (whose own access log is off:
    it writes query strings, and `server.metrics.RecordRequests` writes each request's line)."""
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            # uvicorn's copy of its message with terminal colours
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
        }
        if log_format == "json"
        else {"()": TextFormatter}
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "casetrail",
        "filters": ["request"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestFields}},
        "formatters": {"casetrail": formatter},
        "handlers": {"stderr": handler},
        "loggers": {
            "casetrail": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
