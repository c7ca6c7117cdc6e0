"""The `casetrail` command line."""

import asyncio
import importlib.util
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from audit.checkpoints import generate_key, load_public_key, public_pem
from audit.export import export
from audit.verify import Verification, read_checkpoints, verify_database, verify_file
from models import ApiToken, FieldOffice
from models.base import utc_now
from models.db import create_engine, session_factory
from models.enums import Role
from resolvers import docket, offices
from resolvers.alerts import SweepResult, sweep_now
from resolvers.case_summary import stale_summaries, write_summaries
from resolvers.errors import DomainError, InvalidInput
from resolvers.oversight import OversightReport, oversight_report
from resolvers.population import PopulationResult, seed_population
from resolvers.seed import DEMO_OFFICE, DEMO_TOKEN_PREFIX, seed_demo
from resolvers.tokens import TokenListing, create_api_token, list_api_tokens, revoke_api_token
from resolvers.unit import Actor, open_unit
from resolvers.validation import past_instant
from server.seeding import SeedingFailed, seed_in_parallel
from server.settings import Settings, SettingsProblem, async_database_url, load_settings

app = typer.Typer(help="casetrail: case records of unaccompanied children after release.")
db_app = typer.Typer(help="The database schema.")
token_app = typer.Typer(help="API tokens.")
audit_app = typer.Typer(help="The tamper-evident history: verify, export, signing keys.")
offices_app = typer.Typer(help="Field offices: what each covers, and which children are whose.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(offices_app, name="offices")

console = Console(stderr=True)
# What `serve` tells the person who started it goes to standard output: its standard error is
# the server's log (server/logs.py), which a collector reads line by line as JSON.
said = Console()
CLI_ACTOR = Actor(name="casetrail-cli", role=Role.ADMIN)
DEMO_FILE = Path("casetrail-demo.db")


@app.callback()
def _settings_usable() -> None:
    # Before any command: a setting that cannot be used is named, with why, and nothing runs
    # (exit 2), rather than each command failing with a traceback wherever it reads it.
    try:
        load_settings()
    except SettingsProblem as problem:
        for line in problem.problems:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


async def _upgrade(url: str) -> tuple[str | None, str | None]:
    engine = create_engine(url)
    try:
        before = await migrations.current_revision(engine)
        await migrations.upgrade(engine)
        return before, await migrations.current_revision(engine)
    finally:
        await engine.dispose()


async def _behind(engine: AsyncEngine) -> str | None:
    """Why the database cannot be served by this code, or None when it is at head."""
    current = await migrations.current_revision(engine)
    head = migrations.head_revision()
    if current == head:
        return None
    at = f"at revision {current}" if current else "not initialised"
    return (
        f"The database is {at}; this version of casetrail needs {head}. Run: casetrail db upgrade"
    )


async def _create_token(
    settings: Settings,
    name: str,
    role: Role,
    expires_in_days: int | None = None,
    office: str | None = None,
) -> str:
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        # One instant for the command: the token's expiry is counted from its creation.
        created = utc_now()
        async with open_unit(sessions, CLI_ACTOR, "token create", clock=lambda: created) as unit:
            expires_at = (
                unit.now() + timedelta(days=expires_in_days)
                if expires_in_days is not None
                else None
            )
            token, _actor = await create_api_token(
                unit, name=name, role=role, expires_at=expires_at, office=office
            )
        return token
    finally:
        await engine.dispose()


async def _revoke_token(settings: Settings, name: str, reason: str | None) -> ApiToken:
    async with _database_at_head(settings) as engine:
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        async with open_unit(sessions, CLI_ACTOR, "token revoke", reason=reason) as unit:
            return await revoke_api_token(unit, name=name)


async def _list_tokens(settings: Settings) -> list[TokenListing]:
    async with _database_at_head(settings) as engine, session_factory(engine)() as session:
        return await list_api_tokens(session)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to head."""
    settings = Settings()
    before, after = asyncio.run(_upgrade(settings.database_url))
    if before == after:
        console.print(f"Database already at {after}.")
    else:
        console.print(f"Database upgraded from {before or 'empty'} to {after}.")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who the token is for; the actor name in the history.")],
    role: Annotated[Role, typer.Option(case_sensitive=False, help="What the token may do.")],
    expires_in_days: Annotated[
        int | None,
        typer.Option(min=1, help="Refuse the token this many days from now (default: never)."),
    ] = None,
    office: Annotated[
        str | None,
        typer.Option(help="The field office an OFFICER or SUPERVISOR works at (its code)."),
    ] = None,
) -> None:
    """Create an API token and print it (on the last line). It is shown only this once."""
    settings = Settings()
    try:
        token = asyncio.run(_create_token(settings, name, role, expires_in_days, office))
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Token for [bold]{name}[/bold] ({role.value}); store it now, it is not kept:")
    print(token)


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    reason: Annotated[
        str | None, typer.Option(help="Why; kept with the revocation in the history.")
    ] = None,
) -> None:
    """Refuse a token from now on, like an unknown one. Exit 1 when no token has this name or
    it is revoked already (nothing changes)."""
    try:
        token = asyncio.run(_revoke_token(Settings(), name, reason))
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Token [bold]{token.name}[/bold] ({token.role.value}) revoked.")


@token_app.command("list")
def token_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the tokens as JSON.")] = False,
) -> None:
    """Every token's name, role, and when it was created, expires, was revoked and was last
    used (to the minute). Never a token or its hash."""
    listed = asyncio.run(_list_tokens(Settings()))
    rows = [
        {
            "name": token.name,
            "role": token.role.value,
            "office": token.office,
            "created": _instant(token.created_at),
            "expires": _instant(token.expires_at),
            "revoked": _instant(token.revoked_at),
            "last_used": _instant(token.last_used_at),
        }
        for token in listed
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(
        "name", "role", "office", "created", "expires", "revoked", "last used", title="API tokens"
    )
    for row in rows:
        table.add_row(*(value or "-" for value in row.values()))
    Console().print(table)


def _instant(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


async def _set_office(
    settings: Settings,
    code: str,
    name: str,
    courts: list[str],
    zip_prefixes: list[str],
    reason: str | None,
) -> FieldOffice:
    async with _database_at_head(settings) as engine:
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        async with open_unit(sessions, CLI_ACTOR, "setFieldOffice", reason=reason) as unit:
            return await offices.set_field_office(
                unit, code=code, name=name, courts=courts, zip_prefixes=zip_prefixes
            )


async def _list_offices(settings: Settings) -> list[FieldOffice]:
    async with _database_at_head(settings) as engine, session_factory(engine)() as session:
        return await offices.field_offices(session)


async def _assign_offices(settings: Settings) -> int:
    async with _database_at_head(settings) as engine:
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        return await offices.assign_unassigned(sessions, CLI_ACTOR, clock=utc_now)


@offices_app.command("set")
def offices_set(
    code: Annotated[str, typer.Argument(help="The office's code (HOU).")],
    name: Annotated[str, typer.Option(help="The office's name.")],
    court: Annotated[
        list[str] | None, typer.Option(help="An immigration court it attends; repeat for more.")
    ] = None,
    zip_prefix: Annotated[
        list[str] | None,
        typer.Option("--zip", help="A 3- or 5-digit ZIP prefix it covers; repeat for more."),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why; kept in the history.")] = None,
) -> None:
    """Create a field office, or replace its name and what it covers. Exit 1 when a court or
    prefix is another office's, or a value is malformed (nothing changes)."""
    try:
        office = asyncio.run(
            _set_office(Settings(), code, name, court or [], zip_prefix or [], reason)
        )
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    said.print(f"Field office [bold]{office.code}[/bold] ({office.name}) set.")


@offices_app.command("list")
def offices_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the offices as JSON.")] = False,
) -> None:
    """Every field office with the courts and ZIP prefixes it covers."""
    rows = [
        {"code": o.code, "name": o.name, "courts": o.courts, "zip_prefixes": o.zip_prefixes}
        for o in asyncio.run(_list_offices(Settings()))
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("code", "name", "courts", "ZIP prefixes", title="Field offices")
    for row in rows:
        table.add_row(*(value or "-" for value in row.values()))
    Console().print(table)


@offices_app.command("assign")
def offices_assign() -> None:
    """Give every child that has no office the one covering it (after offices are first set
    up, or cover more): its current address's ZIP, else its latest hearing's court."""
    assigned = asyncio.run(_assign_offices(Settings()))
    said.print(f"{assigned} children given a field office.")


async def _prepare_demo(settings: Settings) -> list[tuple[Role, str]]:
    engine = create_engine(settings.database_url)
    try:
        await migrations.upgrade(engine)
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        with console.status("Writing synthetic demonstration records…"):
            count = await seed_demo(sessions, utc_now)
        said.print(f"Seeded {count} synthetic children.")
    finally:
        await engine.dispose()
    return [
        (
            role,
            await _create_token(
                settings,
                f"{DEMO_TOKEN_PREFIX}{role.value.lower()}",
                role,
                office=DEMO_OFFICE if role in (Role.OFFICER, Role.SUPERVISOR) else None,
            ),
        )
        for role in Role
    ]


class EventLoop(NamedTuple):
    loop: Literal["uvloop", "asyncio"]
    http: Literal["httptools", "h11"]


def event_loop() -> EventLoop:
    """uvicorn's event loop and HTTP parser: uvloop and httptools (C, both dependencies of
    this service) wherever they install; Python's own where they do not (uvloop has no
    Windows build)."""
    installed = importlib.util.find_spec
    return EventLoop(
        loop="uvloop" if installed("uvloop") else "asyncio",
        http="httptools" if installed("httptools") else "h11",
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Serve a fresh SQLite file of synthetic records.")
    ] = False,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql in the browser; /healthz)."""
    from server.app import create_app
    from server.logs import log_config
    from server.shutdown import serve as serve_until_stopped

    settings = Settings()
    graphiql_headers = None
    if demo and settings.production:
        console.print("--demo serves synthetic records; production mode does not.")
        raise typer.Exit(2)
    if demo:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_FILE}{suffix}").unlink(missing_ok=True)
        settings = Settings(database_url=async_database_url(f"sqlite:///./{DEMO_FILE}"))
        tokens = asyncio.run(_prepare_demo(settings))
        # GraphiQL opens with the officer's demo token in its headers.
        graphiql_headers = {"Authorization": f"Bearer {dict(tokens)[Role.OFFICER]}"}
        said.print("\n[bold]Demo tokens[/bold] (send as `Authorization: Bearer <token>`):")
        for role, token in tokens:
            said.print(f"  {role.value:<12} {token}", soft_wrap=True)
    else:
        reason = asyncio.run(_check_database(settings.database_url))
        if reason is not None:
            console.print(f"[red]{reason}[/red]")
            raise typer.Exit(1)
        refusals = asyncio.run(_production_refusals(settings))
        if refusals:
            console.print("Refusing to serve in production:")
            for refusal in refusals:
                console.print(f"  - {refusal}")
            raise typer.Exit(2)
    if demo:
        said.print(
            f"\nGraphiQL: open http://{host}:{port}/graphql in a browser: the OFFICER token is "
            "in its headers, and example operations in its editor. The oversight dashboard: "
            f"http://{host}:{port}/oversight (sign in with the OVERSIGHT token)."
        )
    elif not settings.production:  # production serves no GraphiQL
        said.print(
            f"\nGraphiQL: open http://{host}:{port}/graphql in a browser and add the header "
            '{"Authorization": "Bearer <token>"} under Headers.'
        )
    loop, http = event_loop()
    serve_until_stopped(
        create_app(settings, graphiql_headers=graphiql_headers),
        host=host,
        port=port,
        log_config=log_config(settings.log_format),
        access_log=False,  # each request's line is the app's own (server.logs)
        loop=loop,
        http=http,
        drain_seconds=settings.shutdown_drain_seconds,
    )


async def _production_refusals(settings: Settings) -> list[str]:
    from server.app import production_refusals

    engine = create_engine(settings.database_url)
    try:
        return await production_refusals(settings, engine)
    finally:
        await engine.dispose()


async def _check_database(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return await _behind(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def _database_at_head(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The configured database, or exit 2 saying what to run when it is behind the code."""
    engine = create_engine(settings.database_url)
    try:
        if (reason := await _behind(engine)) is not None:
            console.print(reason)
            raise typer.Exit(2)
        yield engine
    finally:
        await engine.dispose()


async def _sweep(settings: Settings, as_of: datetime | None, full: bool) -> SweepResult | None:
    async with _database_at_head(settings) as engine:
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        clock = (lambda: as_of) if as_of is not None else utc_now
        return await sweep_now(sessions, clock, everyone=full)


def _past_instant_option(as_of: str | None) -> datetime | None:
    """The instant an --as-of option gives, or exit 2 saying why it is not one in the past."""
    if as_of is None:
        return None
    try:
        return past_instant(datetime.fromisoformat(as_of), utc_now(), "as-of")
    except (ValueError, InvalidInput) as error:
        console.print(f"--as-of: {error}")
        raise typer.Exit(2) from None


@app.command("sweep")
def sweep_command(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Sweep as at this instant (ISO 8601 with its UTC offset), not now.",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Evaluate every child, not only those whose alerts can have changed since "
            "the last sweep.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Raise the time-driven alerts that now hold; resolve every alert whose condition has
    cleared. Exit 0 when swept, 3 when another process was sweeping."""
    moment = _past_instant_option(as_of)
    result = asyncio.run(_sweep(Settings(), moment, full))
    if result is None:
        console.print("Another process is sweeping; nothing was done.")
        raise typer.Exit(3)
    counts = {
        kind.value: {"raised": result.raised[kind], "resolved": result.resolved[kind]}
        for kind in result.raised
    }
    if as_json:
        typer.echo(json.dumps(counts, indent=2))
        return
    scope = "every child" if result.examined is None else f"{result.examined:,} children"
    table = Table("alert kind", "raised", "resolved", title=f"Sweep of {scope}")
    for kind, count in counts.items():
        table.add_row(kind, str(count["raised"]), str(count["resolved"]))
    Console().print(table)


async def _import_docket(
    settings: Settings, rows: list[docket.DocketRow | docket.Rejected], progress: Progress
) -> docket.DocketResult:
    async with _database_at_head(settings) as engine:
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        task = progress.add_task("importing", total=len(rows))
        return await docket.import_docket(
            sessions,
            docket.DOCKET_IMPORTER,
            rows,
            clock=utc_now,
            progress=lambda done: progress.advance(task, done),
        )


@app.command("import-docket")
def import_docket_command(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="The docket: CSV with its header, or JSON Lines (.jsonl) with the same fields.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Apply a court docket: each row creates or updates a hearing, or changes nothing. Rows
    that cannot be applied are listed by line with the reason; the others are applied. Exit 0
    when every row was applied, 1 when some were rejected."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        console.print(f"{file.name}: not UTF-8 text.")
        raise typer.Exit(2) from None
    try:
        source = (
            docket.read_json_lines(text.splitlines())
            if file.suffix.lower() in (".jsonl", ".ndjson")
            else docket.read_csv(text)
        )
        rows = list(docket.parse(source, utc_now()))
    except InvalidInput as error:
        console.print(f"{file.name}: {error.message}")
        raise typer.Exit(2) from None
    with Progress(console=console, transient=as_json) as progress:
        result = asyncio.run(_import_docket(Settings(), rows, progress))
    summary = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": [{"line": r.line, "message": r.message} for r in result.rejected],
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        Console().print(
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
            f"{len(result.rejected)} rejected"
        )
        for rejected in result.rejected:
            Console().print(f"  line {rejected.line}: {rejected.message}")
    raise typer.Exit(1 if result.rejected else 0)


async def _seed(
    settings: Settings,
    children: int,
    seed: int,
    as_of: datetime | None,
    jobs: int,
    progress: Progress,
) -> PopulationResult:
    async with _database_at_head(settings) as engine:
        task = progress.add_task("seeding", total=children)

        def advance(done: int) -> None:
            progress.advance(task, done)

        if jobs > 1:
            return await seed_in_parallel(
                settings, children, seed=seed, now=as_of or utc_now(), jobs=jobs, progress=advance
            )
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        return await seed_population(sessions, children, seed=seed, as_of=as_of, progress=advance)


@app.command("seed")
def seed_command(
    children: Annotated[int, typer.Option("--children", help="How many children.")],
    seed: Annotated[
        int, typer.Option("--seed", help="The same seed gives the same records.")
    ] = 2024,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date the records as at this instant (ISO 8601 with its UTC offset), not now; "
            "the same seed and instant give the same records.",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            help="Processes writing at once (PostgreSQL; default: the number of cores, at "
            "most 4). SQLite takes one writer at a time.",
        ),
    ] = None,
) -> None:
    """Fill an empty database with a synthetic population in the published proportions
    (missed hearings, notices never served, address problems), its history and its alerts."""
    settings = Settings()
    if settings.production:
        console.print("seed writes synthetic records; production mode does not.")
        raise typer.Exit(2)
    if children < 1:
        console.print("--children: seed at least one child.")
        raise typer.Exit(2)
    postgres = make_url(settings.database_url).get_backend_name() == "postgresql"
    if jobs is None:
        jobs = min(os.cpu_count() or 1, 4) if postgres else 1
    if jobs < 1 or (jobs > 1 and not postgres):
        console.print("--jobs: at least 1, and 1 on SQLite, which takes one writer at a time.")
        raise typer.Exit(2)
    moment = _past_instant_option(as_of)
    started = time.perf_counter()
    try:
        with Progress(console=console) as progress:
            result = asyncio.run(_seed(settings, children, seed, moment, jobs, progress))
    except DomainError as error:
        console.print(error.message)
        raise typer.Exit(1) from None
    except SeedingFailed as error:
        console.print(str(error))
        raise typer.Exit(1) from None
    took = time.perf_counter() - started
    table = Table("", "written", title=f"Seeded in {took:.0f} s")
    table.add_row("children", f"{result.children:,}")
    table.add_row("records (children included)", f"{result.records:,}")
    if result.sweep is not None:
        table.add_row("alerts raised", f"{sum(result.sweep.raised.values()):,}")
    Console().print(table)


async def _report(
    settings: Settings, start: date | None, end: date | None, court: str | None
) -> OversightReport:
    async with _database_at_head(settings) as engine, session_factory(engine)() as session:
        return await oversight_report(session, start=start, end=end, court=court, by_court=True)


async def _check_summaries(settings: Settings, rebuild: bool) -> tuple[int, int]:
    """How many children's case summaries differ from their records, before and after a
    rebuild (when asked for)."""
    async with _database_at_head(settings) as engine:
        async with engine.begin() as connection:
            stale = len(await stale_summaries(connection))
            if rebuild and stale:
                await write_summaries(connection)
                return stale, len(await stale_summaries(connection))
        return stale, stale


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        console.print(f"--{name}: a date is YYYY-MM-DD.")
        raise typer.Exit(2) from None


@app.command("report")
def report_command(
    start: Annotated[
        str | None, typer.Option("--from", help="First release date (YYYY-MM-DD, UTC).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last release date (YYYY-MM-DD, UTC).")
    ] = None,
    court: Annotated[str | None, typer.Option(help="Only children with a hearing here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Instead of the figures, compare every child's case summary (what the "
            "figures are counted from) with the records it summarises; exit 1 if any differs.",
        ),
    ] = False,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild", help="With --check: rewrite the summaries that differ."),
    ] = False,
) -> None:
    """The oversight report: the figures of API.md's Oversight section."""
    if rebuild and not check:
        console.print("--rebuild goes with --check.")
        raise typer.Exit(2)
    if check:
        stale, left = asyncio.run(_check_summaries(Settings(), rebuild))
        if rebuild and stale:
            typer.echo(f"{stale:,} case summaries differed from their records; rewritten.")
        elif stale:
            typer.echo(f"{stale:,} case summaries differ from their records.")
        else:
            typer.echo("Every case summary matches its records.")
        raise typer.Exit(1 if left else 0)
    try:
        report = asyncio.run(_report(Settings(), _day(start, "from"), _day(end, "to"), court))
    except InvalidInput as error:
        console.print(error.message)
        raise typer.Exit(2) from None
    figures = {
        **asdict(report),
        "represented_share": round(report.represented_share, 4),
        "open_alerts": {kind.value: count for kind, count in report.open_alerts.items()},
    }
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    table = Table("figure", "children", title="Oversight report")
    for name, value in figures.items():
        if name in ("open_alerts", "failed_to_appear_by_court"):
            continue
        shown = f"{value:.1%}" if name == "represented_share" else f"{value:,}"
        table.add_row(name.replace("_", " "), shown)
    for at_court, count in report.failed_to_appear_by_court.items():
        table.add_row(f"failed to appear at {at_court}", f"{count:,}")
    for kind, count in report.open_alerts.items():
        table.add_row(f"open alerts: {kind.value}", f"{count:,}")
    Console().print(table)


@audit_app.command("keygen")
def audit_keygen(
    file: Annotated[Path, typer.Argument(help="Where to write the private key (PEM).")],
) -> None:
    """Create an Ed25519 key for signing history checkpoints; prints its public key."""
    try:
        public_key = generate_key(file)
    except FileExistsError:
        console.print(f"[red]{file} exists; it is not overwritten.[/red]")
        raise typer.Exit(1) from None
    console.print(
        f"Private key written to {file} (owner-only). Set CASETRAIL_AUDIT_SIGNING_KEY_FILE to it."
    )
    print(public_pem(public_key), end="")


@audit_app.command("export")
def audit_export(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON Lines export.")],
) -> None:
    """Write every event and checkpoint as JSON Lines, for checking offline."""
    settings = Settings()

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            return await export(engine, file)
        finally:
            await engine.dispose()

    count = asyncio.run(run())
    console.print(f"Exported {count} events to {file}.")


@audit_app.command("verify")
def audit_verify(
    file: Annotated[
        Path | None, typer.Option(help="Check this export offline instead of the database.")
    ] = None,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            help="Checkpoints kept outside the database (an earlier export) to hold it to."
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="The key checkpoints must be signed with (default: the configured one)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Recompute the chain, check checkpoints and replay every record. Exit 0 valid, 1 invalid."""
    settings = Settings()
    key = _trusted_key(settings, public_key)
    kept = read_checkpoints(checkpoints) if checkpoints is not None else []
    if file is not None:
        report = verify_file(file, key, kept)
    else:

        async def run() -> Verification:
            engine = create_engine(settings.database_url)
            try:
                return await verify_database(engine, key, kept)
            finally:
                await engine.dispose()

        report = asyncio.run(run())
    _print_report(report, as_json)
    raise typer.Exit(0 if report.valid else 1)


def _trusted_key(settings: Settings, path: Path | None) -> Ed25519PublicKey | None:
    if path is not None:
        return load_public_key(path)
    signer = settings.audit_signer()
    return signer.public_key if signer is not None else None


def _print_report(report: Verification, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
        return
    verdict = "[green]valid[/green]" if report.valid else "[red]INVALID[/red]"
    console.print(
        f"History {verdict}: {report.event_count} events, head {report.head_hash}, "
        f"{report.checkpoints_checked} checkpoints checked."
    )
    if report.first_invalid_sequence is not None:
        console.print(f"First invalid sequence: {report.first_invalid_sequence}")
    for problem in report.problems:
        console.print(f"  - {problem}")
    for kind, key in report.drifted:
        console.print(f"  - {kind} {key} differs from its history (changed behind the API)")


if __name__ == "__main__":
    app()
