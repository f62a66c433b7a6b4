"""The front door: `/` says what this server is and links its pages, and `parley serve` prints
the same URLs when it starts; a real `parley serve` is run for that."""

import asyncio
import os
import re
import socket
import sys
from dataclasses import replace
from pathlib import Path

import httpx

from server.app import create_app
from server.settings import PROJECT_ROOT, Settings
from server.version import version
from tests.support.api import Api

PAGES = {"GraphiQL": "/graphql", "Dashboard": "/dashboard", "Widget demo": "/widget/demo"}


def linked(html: str) -> dict[str, str]:
    """The front page's list of pages: each link's text and where it goes."""
    return {text: href for href, text in re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', html)}


async def test_the_front_page_says_what_this_is_and_links_its_pages(api: Api) -> None:
    page = await api.client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "the record of conversations with AI assistants" in page.text
    assert version() in page.text
    assert "Authorization: Bearer sk_" in page.text
    assert linked(page.text) == PAGES
    style = await api.client.get("/home.css")
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")
    opened = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert opened.status_code == 200
    assert (await api.client.get("/dashboard")).status_code == 200


async def test_without_graphiql_the_front_page_does_not_link_it(settings: Settings) -> None:
    off = create_app(replace(settings, http=replace(settings.http, graphiql=False)))
    transport = httpx.ASGITransport(app=off)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        page = await client.get("/")
    assert linked(page.text) == {name: path for name, path in PAGES.items() if name != "GraphiQL"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_parley_serve_prints_the_urls_to_open_and_they_answer(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path / 'front.sqlite3'}"}
    command = (sys.executable, "-m", "server.cli")
    migrate = await asyncio.create_subprocess_exec(
        *command, "migrate", cwd=PROJECT_ROOT, env=env, stdout=asyncio.subprocess.DEVNULL
    )
    assert await asyncio.wait_for(migrate.wait(), 60) == 0
    port = free_port()
    serve = await asyncio.create_subprocess_exec(
        *command,
        "serve",
        "--port",
        str(port),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert serve.stdout is not None
        lines = [
            (await asyncio.wait_for(serve.stdout.readline(), 30)).decode().rstrip()
            for _ in range(4)
        ]
        base = f"http://127.0.0.1:{port}"
        assert lines[0] == f"Parley {version()} on {base}/"
        printed = dict(line.strip().split(": ", 1) for line in lines[1:])
        assert {name: url.strip() for name, url in printed.items()} == {
            name: base + path for name, path in PAGES.items()
        }
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            async with asyncio.timeout(30):  # until the server listens
                while True:
                    try:
                        front = await client.get("/")
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.1)
            assert linked(front.text) == PAGES
            ide = await client.get("/graphql", headers={"accept": "text/html"})
            assert ide.status_code == 200
            assert (await client.get("/dashboard")).status_code == 200
            # No demo seeded in this database: the demo page says how to get one.
            demo = await client.get("/widget/demo")
            assert demo.status_code in (200, 503)
    finally:
        serve.terminate()
        await asyncio.wait_for(serve.wait(), 30)


async def test_make_run_takes_a_port_for_the_server_and_the_demo() -> None:
    """`PORT=9000 make run` (dry run: the real one serves until stopped) gives the port to
    `parley serve` and to `seed-demo`, which allows the demo widget there; 8000 without it."""
    for env, port in (({"PORT": "9000"}, "9000"), ({}, "8000")):
        make = await asyncio.create_subprocess_exec(
            "make",
            "--dry-run",
            "--always-make",
            "run",
            cwd=PROJECT_ROOT,
            env={**{k: v for k, v in os.environ.items() if k != "PORT"}, **env},
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(make.communicate(), 30)
        commands = out.decode().splitlines()
        assert f".venv/bin/parley seed-demo --if-empty --port {port}" in commands, commands
        assert f".venv/bin/parley serve --port {port}" in commands, commands
