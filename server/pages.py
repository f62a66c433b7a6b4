"""The reference clients' files, served from the checkout's `server/static/`: the web widget
(`/widget.js`, `/widget/…`, its demo page at `/widget/demo`), the shared GraphQL client
(`/static/lib/…`) and the dashboard (`/dashboard`, `/dashboard/…`).

They are plain files (no build step) read from disk per request (the OS caches them); only names
inside their folder with a known type are served. The widget's files and the client are loaded by
customers' pages on other origins, so they carry `Access-Control-Allow-Origin: *` (module scripts
from another origin need it; they hold no secrets). The dashboard's pages carry a strict
Content-Security-Policy: its scripts, styles and connections are this server's only.
"""

from collections.abc import Awaitable, Callable
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from server.commands.seed import DEMO_WIDGET_KEY_FILE, saved_key

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}
COMMON = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
SHARED = {**COMMON, "access-control-allow-origin": "*", "cache-control": "public, max-age=300"}
"""Files other origins' pages load (the widget, the client)."""
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
OWN = {**COMMON, "cache-control": "no-cache", "content-security-policy": PAGE_POLICY}
"""The dashboard's files: revalidated each time, so a deploy is seen at once."""


def _file(folder: Path, name: str, headers: dict[str, str]) -> Response:
    """`folder/name` if it is a file of a served type inside `folder`; 404 otherwise."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or path.suffix not in TYPES or not path.is_file():
        return JSONResponse({"error": "not found"}, status_code=404, headers=COMMON)
    return FileResponse(path, media_type=TYPES[path.suffix], headers=headers)


def serve(
    folder: Path, headers: dict[str, str], index: str | None = None
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        name = request.path_params.get("name") or index
        return _file(folder, name or "", headers)

    return endpoint


DEMO_KEY_SLOT = "__PARLEY_DEMO_WIDGET_KEY__"


async def demo(request: Request) -> Response:
    """The widget's demo page with the demo assistant's widget key in its embed snippet."""
    page = STATIC / "widget" / "demo.html"
    key = saved_key(DEMO_WIDGET_KEY_FILE)
    if not page.is_file():
        return JSONResponse({"error": "not found"}, status_code=404, headers=COMMON)
    if key is None:
        text = "No demo widget key yet: run `parley seed-demo` (make run does), then reload."
        return PlainTextResponse(text, status_code=503, headers=COMMON)
    html = page.read_text().replace(DEMO_KEY_SLOT, escape(key, quote=True))
    return HTMLResponse(html, headers=OWN)


def routes() -> list[BaseRoute]:
    widget, lib, dashboard = STATIC / "widget", STATIC / "lib", STATIC / "dashboard"
    return [
        Route("/widget.js", serve(widget, SHARED, "widget.js"), methods=["GET", "HEAD"]),
        Route("/widget/demo", demo, methods=["GET", "HEAD"]),
        Route("/widget/{name:path}", serve(widget, SHARED), methods=["GET", "HEAD"]),
        Route("/static/lib/{name:path}", serve(lib, SHARED), methods=["GET", "HEAD"]),
        Route("/dashboard", serve(dashboard, OWN, "index.html"), methods=["GET", "HEAD"]),
        Route(
            "/dashboard/{name:path}", serve(dashboard, OWN, "index.html"), methods=["GET", "HEAD"]
        ),
    ]
