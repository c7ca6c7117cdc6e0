"""The web pages for people: the oversight dashboard (`/oversight`) and a child's timeline
(`/timeline#<child id>`), static files under `server/web/` that read everything through the
GraphQL API with the token the person signs in with.

A page itself holds no data, so it is served without a token, as GraphiQL's is; every query it
sends needs one, and answers to the token's role like any client's. The token stays in the
tab's sessionStorage, and the child is named in the URL's fragment, which a browser never
sends: neither reaches a server's log or a proxy's."""

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB = Path(__file__).parent / "web"
ASSETS_PATH = "/assets"
PAGES = {"/oversight": "oversight.html", "/timeline": "timeline.html"}

# Scripts, styles and requests from this origin only: a value from a record that reached the
# page as markup could not run, nor send anything elsewhere. No referrer leaves the page.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def _page(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def page(_request: Request) -> Response:
        return FileResponse(WEB / name, media_type="text/html", headers=SECURITY_HEADERS)

    return page


class _Secured:
    """The static files, each answered with the pages' security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend(
                    (name.lower().encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                )
            await send(message)

        await self.app(scope, receive, sending)


def page_routes() -> list[BaseRoute]:
    return [
        *(Route(path, _page(name), methods=["GET"]) for path, name in PAGES.items()),
        Mount(ASSETS_PATH, app=_Secured(StaticFiles(directory=WEB))),
    ]
