"""GraphiQL's page and files as Parley serves them: its own, pinned, under a strict policy; the
starting text cannot break the page's script whatever it holds. The browser test
(tests/browser/test_graphiql.py) runs a query through it."""

import base64
import hashlib
import json
import re
from dataclasses import replace

import httpx

from server.app import create_app
from server.graphiql import ASSETS, SCRIPTS, STYLES, VENDOR, page
from server.settings import Settings
from tests.support.api import Api


def data_of(html: str) -> object:
    """What the page's JSON data block holds, as the boot script's JSON.parse reads it."""
    found = re.search(r'<script type="application/json" id="graphiql-config">(.*?)</script>', html)
    assert found is not None
    return json.loads(found.group(1))


def test_the_vendored_files_are_the_pinned_ones() -> None:
    for asset in ASSETS:
        digest = hashlib.sha384((VENDOR / asset.name).read_bytes()).digest()
        assert asset.integrity == "sha384-" + base64.b64encode(digest).decode(), asset.name
        assert "@" in asset.package.lstrip("@")  # an exact version
        license_file = asset.license.split(", ")[1].split(" ")[0]
        assert (VENDOR / license_file).read_text().startswith("MIT License"), asset.name
    record = (VENDOR / "VENDORED.txt").read_text()
    assert all(asset.name in record and asset.package in record for asset in ASSETS)


def test_no_text_can_break_the_pages_script() -> None:
    hostile = "# `parley` ${alert(1)} </script><script>alert(2)</script> <!-- \u2028 &amp;"
    html = page(query=hostile, headers='{"Authorization": "Bearer `x`"}')
    assert data_of(html) == {"query": hostile, "headers": '{"Authorization": "Bearer `x`"}'}
    assert html.count("</script>") == len(SCRIPTS) + 2  # the data block and the boot script
    assert "<!--" not in html


async def test_the_page_and_its_files_come_from_parley_under_a_strict_policy(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "unsafe" not in policy
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert [s for s in sources if not s.startswith(("/", "data:"))] == []
    for asset in STYLES + SCRIPTS:
        assert f'"{asset.url}" integrity="{asset.integrity}"' in response.text
        served = await api.client.get(asset.url)
        assert served.status_code == 200
        assert served.content == (VENDOR / asset.name).read_bytes()
        kind = "text/css" if asset.name.endswith(".css") else "text/javascript"
        assert served.headers["content-type"].startswith(kind)
    for own in ("boot.js", "page.css"):
        assert (await api.client.get(f"/graphiql/assets/{own}")).status_code == 200
    for missing in ("vendor/VENDORED.txt", "vendor/LICENSE.react", "../graphiql.py", "vendor"):
        assert (await api.client.get(f"/graphiql/assets/{missing}")).status_code == 404


async def test_no_graphiql_files_where_graphiql_is_off(settings: Settings) -> None:
    off = create_app(replace(settings, http=replace(settings.http, graphiql=False)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=off), base_url="http://parley.test"
    ) as client:
        response = await client.get(SCRIPTS[0].url)
    assert response.status_code == 404
