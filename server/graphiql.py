"""GraphiQL, served whole by Parley: its page at `/graphql` (a browser's GET), its boot script and
the pinned built files of React, GraphiQL and its explorer at `/graphiql/assets/…`.

Nothing comes from a CDN, so the page works offline and under a strict Content-Security-Policy
(no inline script or style). The files in `server/static/graphiql/vendor` are the npm registry's
tarballs' files, byte for byte (VENDORED.txt says how to take them again); `ASSETS` records each
one's package, version, path and SHA-384, which the page's `integrity` attributes repeat, so a
changed file is refused by the browser. The starting query and headers reach the boot script as a
JSON data block, never as script source, so no text in them can end a string or a script.
"""

import json
from dataclasses import dataclass
from html import escape

from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from schema.policy.introspection import Introspection
from server.pages import COMMON, STATIC, serve
from server.settings import Settings

HERE = STATIC / "graphiql"
VENDOR = HERE / "vendor"
ASSETS_PATH = "/graphiql/assets"


@dataclass(frozen=True)
class Asset:
    name: str
    """The file in `server/static/graphiql/vendor`, served at `/graphiql/assets/vendor/NAME`."""
    package: str
    """The npm package and exact version it was taken from."""
    path: str
    """Its path inside that package's tarball."""
    license: str
    """Its license, and the file beside it that holds the text."""
    integrity: str
    """SHA-384 of the file, as the page's `integrity` (and strawberry's CDN page) pin it."""

    @property
    def url(self) -> str:
        return f"{ASSETS_PATH}/vendor/{self.name}"


REACT = "react@18.2.0"
REACT_DOM = "react-dom@18.2.0"
GRAPHIQL = "graphiql@3.8.3"
EXPLORER = "@graphiql/plugin-explorer@1.0.2"
STYLES = (
    Asset(
        "graphiql.min.css",
        GRAPHIQL,
        "graphiql.min.css",
        "MIT, LICENSE.graphiql",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    Asset(
        "plugin-explorer.css",
        EXPLORER,
        "dist/style.css",
        "MIT, LICENSE.graphiql (the same repository)",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
)
SCRIPTS = (
    Asset(
        "react.production.min.js",
        REACT,
        "umd/react.production.min.js",
        "MIT, LICENSE.react",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    Asset(
        "react-dom.production.min.js",
        REACT_DOM,
        "umd/react-dom.production.min.js",
        "MIT, LICENSE.react-dom",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    Asset(
        "graphiql.min.js",
        GRAPHIQL,
        "graphiql.min.js",
        "MIT, LICENSE.graphiql",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    Asset(
        "plugin-explorer.umd.js",
        EXPLORER,
        "dist/index.umd.js",
        "MIT, LICENSE.graphiql (the same repository)",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
)
ASSETS = STYLES + SCRIPTS

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self' data:; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
"""Scripts, styles and connections from this server only; GraphiQL's fonts are data: URLs."""
PAGE_HEADERS = {**COMMON, "cache-control": "no-cache", "content-security-policy": PAGE_POLICY}

WELCOME = """# Welcome to Parley's GraphQL API.
#
# Every request needs a key. In the Headers
# tab below, replace sk_... with a secret key:
#
#   {"Authorization": "Bearer sk_..."}
#
# make run printed the demo workspace's key
# (it is kept in var/demo-key); parley
# create-workspace NAME prints a new one.
# Then press the run button (or Ctrl-Enter).
# The docs and typeahead need the key too.

query Conversations {
  conversations(first: 5) {
    totalCount
    edges { node { id type status startedAt } }
  }
}
"""
HEADERS = '{\n  "Authorization": "Bearer sk_..."\n}'


def data_block(value: object) -> str:
    """`value` as JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&`
    are escaped, so no text can close the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def served(settings: Settings) -> bool:
    """GraphiQL is served only where it can introspect (with a secret key, by default)."""
    return (
        settings.http.graphiql and settings.documents.limits.introspection is not Introspection.NONE
    )


def page(query: str = WELCOME, headers: str = HEADERS) -> str:
    """GraphiQL's page: the pinned files, Parley's note on keys, and the boot script."""
    styles = "".join(
        f'<link rel="stylesheet" href="{asset.url}" integrity="{asset.integrity}">\n'
        for asset in STYLES
    )
    scripts = "".join(
        f'<script src="{asset.url}" integrity="{asset.integrity}"></script>\n' for asset in SCRIPTS
    )
    config = data_block({"query": query, "headers": headers})
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Parley · GraphiQL</title>
<link rel="icon" href="data:,">
{styles}<link rel="stylesheet" href="{ASSETS_PATH}/page.css">
</head>
<body>
<header class="parley-note">
<a href="/">Parley</a> · Every request needs a key: in the <strong>Headers</strong> tab below,
set <code>{escape('{"Authorization": "Bearer sk_..."}')}</code> with a secret key
(<code>make run</code> printed the demo's; <code>parley create-workspace NAME</code> makes one).
</header>
<div id="graphiql">Loading GraphiQL…</div>
<script type="application/json" id="graphiql-config">{config}</script>
{scripts}<script src="{ASSETS_PATH}/boot.js"></script>
</body>
</html>
"""


def page_response() -> Response:
    return HTMLResponse(page(), headers=PAGE_HEADERS)


def routes() -> list[BaseRoute]:
    """The page's own files and the vendored ones; the page itself is the GraphQL view's."""
    return [
        Route(
            ASSETS_PATH + "/vendor/{name:path}",
            serve(VENDOR, {**COMMON, "cache-control": "public, max-age=86400"}),
            methods=["GET", "HEAD"],
        ),
        Route(ASSETS_PATH + "/{name}", serve(HERE, PAGE_HEADERS), methods=["GET", "HEAD"]),
    ]
