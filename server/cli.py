"""The `casetrail` command line."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from models.base import utc_now
from models.db import create_engine, session_factory
from models.enums import Role
from resolvers.seed import seed_demo
from resolvers.tokens import create_api_token
from resolvers.unit import Actor, open_unit
from server.settings import Settings, async_database_url

app = typer.Typer(help="casetrail: case records of unaccompanied children after release.")
db_app = typer.Typer(help="The database schema.")
token_app = typer.Typer(help="API tokens.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")

console = Console(stderr=True)
CLI_ACTOR = Actor(name="casetrail-cli", role=Role.ADMIN)
DEMO_FILE = Path("casetrail-demo.db")


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


async def _create_token(url: str, name: str, role: Role) -> str:
    engine = create_engine(url)
    try:
        async with open_unit(
            session_factory(engine, writer=True), CLI_ACTOR, "token create"
        ) as unit:
            token, _actor = await create_api_token(unit, name=name, role=role)
        return token
    finally:
        await engine.dispose()


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
) -> None:
    """Create an API token and print it (on the last line). It is shown only this once."""
    from resolvers.errors import DomainError

    settings = Settings()
    try:
        token = asyncio.run(_create_token(settings.database_url, name, role))
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Token for [bold]{name}[/bold] ({role.value}); store it now, it is not kept:")
    print(token)


async def _prepare_demo(url: str) -> list[tuple[Role, str]]:
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        with console.status("Writing synthetic demonstration records…"):
            count = await seed_demo(session_factory(engine, writer=True), utc_now)
        console.print(f"Seeded {count} synthetic children.")
    finally:
        await engine.dispose()
    return [(role, await _create_token(url, f"demo-{role.value.lower()}", role)) for role in Role]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Serve a fresh SQLite file of synthetic records.")
    ] = False,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql in the browser; /healthz)."""
    import uvicorn

    from server.app import create_app

    settings = Settings()
    if demo:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_FILE}{suffix}").unlink(missing_ok=True)
        settings = Settings(database_url=async_database_url(f"sqlite:///./{DEMO_FILE}"))
        tokens = asyncio.run(_prepare_demo(settings.database_url))
        console.print("\n[bold]Demo tokens[/bold] (send as `Authorization: Bearer <token>`):")
        for role, token in tokens:
            console.print(f"  {role.value:<12} {token}", soft_wrap=True)
    else:
        reason = asyncio.run(_check_database(settings.database_url))
        if reason is not None:
            console.print(f"[red]{reason}[/red]")
            raise typer.Exit(1)
    console.print(
        f"\nGraphiQL: open http://{host}:{port}/graphql in a browser and add the header "
        '{"Authorization": "Bearer <token>"} under Headers.'
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


async def _check_database(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return await _behind(engine)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    app()
