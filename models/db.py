"""The async engine and sessions, the same code on SQLite and PostgreSQL."""

import base64
import functools
import json
import sqlite3
import time
import uuid
import weakref
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.util import await_only, greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

# Execution option that marks a connection as a writer. On SQLite a writer begins with
# BEGIN IMMEDIATE, taking the database's write lock up front: two writers then queue on
# busy_timeout instead of one failing later with "database is locked" on upgrade.
WRITE_OPTION = "casetrail_writer"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option: the longest a statement of the transaction may run (ms).
STATEMENT_TIMEOUT_OPTION = "casetrail_statement_timeout_ms"
# A pooled connection idle this long is pinged before use (see `_ping_after_idle`).
PING_AFTER_IDLE_SECONDS = 1.0
# The longest a new connection to a database server may take (asyncpg waits a minute): a
# request that needs one while the database is unreachable fails within this.
CONNECT_TIMEOUT_SECONDS = 5.0
_IDLE_SINCE = "casetrail_idle_since"


class JSONText(str):
    """A value already written as `compact_json` writes it: stored as it is."""


def compact_json(value: Any) -> str:
    """JSON columns are written with sorted keys, no white space and UTF-8 characters as
    themselves: the form the history hashes its events in, so a verifier can hash the stored
    text of `changes` as it is."""
    if isinstance(value, JSONText):
        return value
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def unreachable(error: BaseException | None) -> str | None:
    """Why the database could not be reached, if that is what `error` (or any error it was
    raised from) says: refused or timed-out connections, a connection lost, a server shutting
    down or starting up, no pooled connection free in time. None for any other error. The
    reasons are fixed sentences that hold no data."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        reason = _unreachable_reason(error)
        if reason is not None:
            return reason
        error = error.__cause__ or error.__context__ or getattr(error, "orig", None)
    return None


def _unreachable_reason(error: BaseException) -> str | None:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return "the connection to the database was lost"
    if isinstance(error, PoolTimeoutError):
        return "no database connection came free in time"
    if isinstance(error, ConnectionRefusedError):
        return "the database refused the connection"
    if isinstance(error, TimeoutError):  # asyncpg's connect timeout; a statement's is 57014
        return "connecting to the database timed out"
    if isinstance(error, OSError):
        return "the database could not be reached"
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate.startswith("08"):  # PostgreSQL's class 08: connection exception
            return "the connection to the database failed"
        if sqlstate in _SHUTTING_DOWN:
            return "the database is shutting down or starting up"
    return None


# PostgreSQL's admin_shutdown, crash_shutdown and cannot_connect_now.
_SHUTTING_DOWN = frozenset({"57P01", "57P02", "57P03"})


def sqlstate(error: BaseException | None) -> str | None:
    """PostgreSQL's SQLSTATE for an error, raised by asyncpg itself or wrapped by SQLAlchemy."""
    found = getattr(error, "sqlstate", None) or getattr(
        getattr(error, "orig", None), "sqlstate", None
    )
    return found if isinstance(found, str) else None


class DriverStatement:
    """A statement compiled once and run by the driver itself on a pooled connection, outside
    any transaction: it commits as it runs, as on `autocommitting`'s connections. For the
    statements of every request (a token's lookup, one child's read): SQLAlchemy's execution
    of a statement, and its checkout of a connection, cost the server more than the driver's
    work and the database's together (about 150 against 60 µs of CPU for a token's lookup on
    PostgreSQL, measured; on SQLite, where each of SQLAlchemy's steps is a hop to aiosqlite's
    thread and back, about 630 against 135 µs).

    On PostgreSQL asyncpg runs it. Errors come as asyncpg raises them (see `sqlstate`), but for
    a connection found closed, which is raised as SQLAlchemy raises it. One that shows the
    database out of reach invalidates the connection, and every pooled connection older than
    it, as SQLAlchemy does on a disconnect; any other that is not the database's answer (a
    statement cancelled, say) invalidates the connection alone, which may be left
    mid-statement. On SQLite it runs in one hop to aiosqlite's thread, under the engine's
    statement time limit, each value of its row turned as SQLAlchemy's execution turns it;
    errors are raised as SQLAlchemy raises them, without their parameters."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError("a statement run by the driver is a SQL statement")
        if compiled.post_compile_params:
            raise ValueError("a statement run by the driver takes no expanding parameters")
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ())
        self._processors = tuple(binds[name].type.bind_processor(dialect) for name in self._names)
        self._constants = {
            name: binds[name].effective_value for name in self._names if not binds[name].required
        }
        # SQLite's driver answers with values as stored (UUIDs as hex digits, instants as text).
        self._results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in getattr(statement, "selected_columns", ())
        )

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The positional arguments, each bound as SQLAlchemy binds it."""
        values = (
            parameters[name] if name in parameters else self._constants[name]
            for name in self._names
        )
        return [
            value if process is None else process(value)
            for process, value in zip(self._processors, values, strict=True)
        ]

    async def first(self, engine: AsyncEngine, parameters: Mapping[str, Any]) -> Any | None:
        """The statement's first row: by position (on PostgreSQL an asyncpg Record, by
        column name too)."""
        if engine.dialect.name == "sqlite":
            return await self._first_on_sqlite(engine, parameters)
        arguments = self.arguments(parameters)
        pooled = await engine.raw_connection()
        driver: Any = pooled.driver_connection
        try:
            return await driver.fetchrow(self.sql, *arguments)
        except Exception as error:
            lost = driver.is_closed()
            if lost or unreachable(error) is not None:
                engine.sync_engine.pool._invalidate(pooled, error)
            elif sqlstate(error) is None:  # not the database's answer: the connection may be
                pooled.invalidate(error)  # left mid-statement
            if lost:  # as SQLAlchemy reports it (see `unreachable`), with no parameter
                raise DBAPIError(
                    self.sql, None, error, hide_parameters=True, connection_invalidated=True
                ) from error
            raise
        except BaseException:  # cancelled mid-statement: the connection is not used again
            pooled.invalidate()
            raise
        finally:
            pooled.close()

    async def run(self, engine: AsyncEngine, parameters: Mapping[str, Any]) -> None:
        """Run a statement that returns no rows (it commits as it runs)."""
        await self.first(engine, parameters)

    async def _first_on_sqlite(
        self, engine: AsyncEngine, parameters: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        arguments, sql = self.arguments(parameters), self.sql
        pooled = await engine.raw_connection()
        try:
            driver: Any = pooled.driver_connection  # aiosqlite's
            limit = engine.get_execution_options().get(STATEMENT_TIMEOUT_OPTION)
            if limit or _DEADLINE in pooled.info:
                await greenlet_spawn(_limit_sqlite_statements, pooled.info, driver, limit)

            def first() -> Any:
                cursor = driver._conn.execute(sql, arguments)
                try:
                    return cursor.fetchone()
                finally:
                    cursor.close()

            try:
                row = await driver._execute(first)
            except sqlite3.Error as error:
                raise DBAPIError.instance(
                    sql, None, error, sqlite3.Error, hide_parameters=True
                ) from error
        finally:
            # Back to the pool, which rolls back (nothing, here) through aiosqlite.
            await greenlet_spawn(pooled.close)
        if row is None:
            return None
        return tuple(
            value if turn is None or value is None else turn(value)
            for turn, value in zip(self._results, row, strict=True)
        )


async def first_row(
    engine: AsyncEngine, statement: Select[Any], parameters: Mapping[str, Any]
) -> Any | None:
    """The first row, by position, of a statement that runs on its own, built once (see
    `driver_statement`), run by the driver itself (`DriverStatement`; on PostgreSQL give it an
    engine that commits each statement as it runs, `autocommitting`)."""
    return await driver_statement(statement, engine.dialect).first(engine, parameters)


@functools.lru_cache(maxsize=1024)
def driver_statement(statement: ClauseElement, dialect: Dialect) -> DriverStatement:
    """The `DriverStatement` of a statement built once (a module's constant, or one built once
    per rendering), compiled once for each dialect."""
    return DriverStatement(statement, dialect)


def create_engine(
    url: str,
    *,
    statement_timeout_ms: int = 0,
    ping_after_idle_seconds: float = PING_AFTER_IDLE_SECONDS,
    connect_timeout_seconds: float = CONNECT_TIMEOUT_SECONDS,
    **kwargs: Any,
) -> AsyncEngine:
    """An async engine for the URL; on SQLite with foreign keys on, WAL and explicit BEGINs.
    With `statement_timeout_ms`, every transaction's statements are limited to that long
    unless a session asks otherwise (see `session_factory`). A database server's pooled
    connection is pinged before use once it has sat idle `ping_after_idle_seconds`, and a new
    one is given up on after `connect_timeout_seconds`."""
    kwargs.setdefault("json_serializer", compact_json)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("connect_args", {}).setdefault("timeout", connect_timeout_seconds)
        if statement_timeout_ms:
            # Set once per connection by the server: a SET LOCAL in every transaction would
            # cost a round trip each (several a request).
            server_settings = {"statement_timeout": str(statement_timeout_ms)}
            kwargs.setdefault("connect_args", {}).setdefault("server_settings", server_settings)
        engine = create_async_engine(url, **kwargs)
        _configure_postgresql(engine, statement_timeout_ms)
        _ping_after_idle(engine, ping_after_idle_seconds)
    else:
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
    if statement_timeout_ms:
        engine = engine.execution_options(**{STATEMENT_TIMEOUT_OPTION: statement_timeout_ms})
    return engine


def _ping_after_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection before it is handed out only when it has sat in the pool
    `idle_seconds` or longer. Pinging at every checkout (SQLAlchemy's `pool_pre_ping`) cost
    a round trip each, and a request checks out two or three; a connection used a moment
    ago is as alive as a ping would show. One the database dropped while it sat idle is
    replaced before use. One dropped in the moment since its last use fails its statement,
    and on that failure the pool replaces it and every connection older than the failure
    (SQLAlchemy's invalidation on disconnect), so the next request gets a fresh one."""
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool disposes of it and checks out another
            raise DisconnectionError("a pooled connection did not answer its ping") from error


def _configure_postgresql(engine: AsyncEngine, connection_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        # Only a transaction that wants another limit than its connection's says so, and for
        # itself only, so the connection goes back to the pool as it came.
        timeout = connection.get_execution_options().get(STATEMENT_TIMEOUT_OPTION)
        if timeout is not None and timeout != connection_timeout_ms:
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout)}")


def _configure_sqlite(engine: AsyncEngine, *, in_memory: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own
        # transaction handling would defer it and ignore IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        dbapi_connection.create_function("global_id", 2, sqlite_global_id, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        pooled = connection.connection
        _limit_sqlite_statements(
            pooled.info,
            pooled.dbapi_connection._connection,  # aiosqlite's
            options.get(STATEMENT_TIMEOUT_OPTION),
        )
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def sqlite_global_id(type_name: str, stored: str | None) -> str | None:
    """The API's global ID (URL-safe base64 of "Type:uuid", as schema.ids writes it) of a key
    as SQLite keeps it (32 hex digits), for JSON built by the database: SQLite has no base64."""
    if stored is None:
        return None
    return base64.urlsafe_b64encode(f"{type_name}:{uuid.UUID(stored)}".encode()).decode()


# The page cache a connection writing in bulk asks SQLite for, in KiB (its default is 2 MiB).
BULK_PAGE_CACHE_KIB = 256 * 1024


async def for_bulk_writes(connection: AsyncConnection) -> None:
    """Ready a connection for writing many rows: on SQLite, a page cache that holds the
    indexes' pages being written (measured: an eighth less time seeding 40,000 children). It
    stays the connection's until it is closed. PostgreSQL's cache is the server's."""
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_PAGE_CACHE_KIB}")


# Rows SQLite reads of each index when it samples statistics while writing in bulk.
_SAMPLED_ROWS = 1000


async def sample_statistics(connection: AsyncConnection) -> None:
    """Statistics of the tables as they are now, from a sample, while many rows are being
    written: plans made when the tables were empty (and on PostgreSQL kept with a prepared
    statement) read whole tables where an index serves, once per statement, so a bulk load
    slows as it grows. New statistics replace those plans."""
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql(f"PRAGMA analysis_limit = {_SAMPLED_ROWS}")
    await connection.exec_driver_sql("ANALYZE")


async def settle_after_bulk_writes(engine: AsyncEngine) -> None:
    """After writing many rows: statistics of what the tables now hold, and on PostgreSQL a
    vacuum, whose visibility map lets counts be answered from an index alone. Without them,
    the oversight report over 448,000 freshly written children planned its open-alert count
    for 453 rows and read every alert's page: 104-131 ms, 30 ms after. VACUUM cannot run
    inside a transaction, so it runs on a connection of its own in autocommit."""
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM (ANALYZE)")
        else:
            await connection.exec_driver_sql("ANALYZE")
            await connection.commit()


_DEADLINE = "casetrail_deadline"
# SQLite calls the progress handler every this many virtual-machine steps (a few µs).
_PROGRESS_STEPS = 10_000


def _limit_sqlite_statements(info: dict[Any, Any], driver: Any, timeout_ms: int | None) -> None:
    """SQLite has no statement timeout; a progress handler that interrupts a statement once
    the transaction's deadline has passed stands in for one. It is installed on a connection
    (`driver`, aiosqlite's; `info`, its pool record's) the first time a transaction asks for a
    limit (a thread hop, once), and every later transaction on it sets or clears the
    deadline. Run in SQLAlchemy's greenlet."""
    if timeout_ms:
        if _DEADLINE not in info:

            def interrupt() -> int:
                deadline = info.get(_DEADLINE)
                return 1 if deadline is not None and time.monotonic() > deadline else 0

            await_only(driver.set_progress_handler(interrupt, _PROGRESS_STEPS))
        info[_DEADLINE] = time.monotonic() + timeout_ms / 1000
    elif _DEADLINE in info:
        info[_DEADLINE] = None


def autocommitting(engine: AsyncEngine) -> AsyncEngine:
    """The engine, on PostgreSQL with each statement committed as it runs: work of one
    statement (a token's lookup; a read that logs itself) then sends no BEGIN and no COMMIT or
    ROLLBACK, two round trips fewer. SQLite's is the engine itself: its transactions are begun
    by the "begin" event above, in this process, for no round trip."""
    if engine.dialect.name != "postgresql":
        return engine
    made = _AUTOCOMMITTING.get(engine)
    if made is None:  # made once per engine: making one costs about a tenth of a request
        made = _AUTOCOMMITTING[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return made


_AUTOCOMMITTING: "weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine]" = weakref.WeakKeyDictionary()


def session_factory(
    engine: AsyncEngine,
    *,
    writer: bool = False,
    info: dict[str, Any] | None = None,
    statement_timeout_ms: int | None = None,
) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep their objects usable after commit; writers take the write lock.
    `info` starts each session's `info` (e.g. the history's checkpoint signer). A statement
    that runs longer than `statement_timeout_ms` (0: no limit; None: the engine's) is
    cancelled (on SQLite: once the transaction has run that long) and its transaction
    rolled back."""
    options: dict[str, Any] = {}
    if writer:
        options[WRITE_OPTION] = True
    if statement_timeout_ms is not None:
        options[STATEMENT_TIMEOUT_OPTION] = statement_timeout_ms
    bind = engine.execution_options(**options) if options else engine
    return async_sessionmaker(bind, class_=AsyncSession, expire_on_commit=False, info=info)
