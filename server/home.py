"""The front door: what this server is and where its pages are, said alike by `/` and by the line
`parley serve` prints when it starts; and the version `parley --version` shows."""

from dataclasses import dataclass
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from server.pages import OWN, STATIC, serve
from server.version import version

WHAT = "Parley: the record of conversations with AI assistants, as a GraphQL API."


@dataclass(frozen=True)
class Link:
    name: str
    path: str
    what: str


def links(graphiql: bool) -> list[Link]:
    """The pages a newcomer opens first; GraphiQL only where it is served."""
    found = [
        Link("GraphiQL", "/graphql", "write and run queries (set a secret key in its Headers tab)"),
        Link(
            "Dashboard", "/dashboard", "the live list of conversations (sign in with a secret key)"
        ),
        Link("Widget demo", "/widget/demo", "the embeddable chat widget on a sample page"),
    ]
    return found if graphiql else found[1:]


def startup_line(host: str, port: int, graphiql: bool) -> str:
    """What `parley serve` prints before it listens: the URLs to open."""
    everywhere = host in ("", "0.0.0.0", "::")  # noqa: S104 (compared, not bound)
    shown = "127.0.0.1" if everywhere else f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    pages = "".join(f"\n  {link.name + ':':<13} {base}{link.path}" for link in links(graphiql))
    return f"Parley {version()} on {base}/{pages}"


def page(graphiql: bool) -> str:
    items = "".join(
        f'<li><a href="{link.path}">{escape(link.name)}</a>: {escape(link.what)}</li>\n'
        for link in links(graphiql)
    )
    return f"""<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/home.css">
<main>
<h1>Parley <small>{escape(version())}</small></h1>
<p>{escape(WHAT)} Every request to <code>/graphql</code> needs a key:
<code>Authorization: Bearer sk_…</code> (<code>make run</code> printed the demo workspace's;
<code>parley create-workspace NAME</code> makes a new one).</p>
<ul>
{items}</ul>
</main>
</html>
"""


def routes(graphiql: bool) -> list[BaseRoute]:
    async def home(request: Request) -> Response:
        return HTMLResponse(page(graphiql), headers=OWN)

    return [
        Route("/", home, methods=["GET", "HEAD"]),
        Route("/home.css", serve(STATIC, OWN, "home.css"), methods=["GET", "HEAD"]),
    ]
