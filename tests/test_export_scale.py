"""An export of 100,000 conversations from a real `parley serve`: every record there once, equal
to the stored row and to what a client paging through the API reads, and the server's peak
memory no higher than after a 2,000-record export."""

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from models import Assistant
from models.money import from_units
from resolvers.ids import decode_id
from schema.scalars import serialize_decimal
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.exporting import BULK_START, bulk
from tests.support.servers import serving

pytestmark = pytest.mark.heavy  # minutes of rows on one leg: PostgreSQL

PAGES = """query($after: String) { conversations(first: 100, after: $after,
  orderBy: {field: STARTED_AT, direction: ASC}) { pageInfo { hasNextPage endCursor }
  edges { node { id startedAt usage { cost } messages { edges { node { content } } } } } } }"""
LARGE = 100_000
SMALL = 2_000


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


async def _stream(server: str, key: str) -> list[dict[str, object]]:
    """The records, checked as they come (each line parsed, only what the checks need kept)."""
    kept: list[dict[str, object]] = []
    async with (
        httpx.AsyncClient(base_url=f"http://{server}", timeout=120) as client,
        client.stream("GET", "/export", headers={"authorization": f"Bearer {key}"}) as response,
    ):
        assert response.status_code == 200
        async for line in response.aiter_lines():
            item = json.loads(line)
            if "export" in item or "end" in item:
                kept.append(item)
                continue
            usage = item["usage"]
            kept.append(
                {
                    "id": item["id"],
                    "startedAt": item["startedAt"],
                    "cost": usage["cost"],
                    "messages": [m["content"] for m in item["messages"]],
                }
            )
    return kept


async def _paged(server: str, key: str) -> list[dict[str, object]]:
    """Every conversation as a client paging through `conversations` reads it."""
    found: list[dict[str, object]] = []
    after = None
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=f"http://{server}", timeout=60) as client:
        while True:
            answer = await client.post(
                "/graphql", json={"query": PAGES, "variables": {"after": after}}, headers=headers
            )
            body = answer.json()
            assert "errors" not in body, body
            page = body["data"]["conversations"]
            for edge in page["edges"]:
                node = edge["node"]
                found.append(
                    {
                        "id": node["id"],
                        "startedAt": node["startedAt"],
                        "cost": node["usage"]["cost"],
                        "messages": [m["node"]["content"] for m in node["messages"]["edges"]],
                    }
                )
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]


async def test_an_export_of_100k_conversations_is_whole_exact_and_flat(
    api: Api, settings: Settings
) -> None:
    small_id, small_key = await factories.workspace("Small")
    large_id, large_key = await factories.workspace("Large")
    small_bot = await Assistant.create(workspace_id=small_id, name="bot")
    large_bot = await Assistant.create(workspace_id=large_id, name="bot")
    await bulk(small_id, small_bot.id, SMALL)
    await bulk(large_id, large_bot.id, LARGE)
    # The same key pages through the API below, past a minute's cost points: lift the budget.
    budget = {"PARLEY_POINTS_PER_MINUTE": str(10**10)}
    async with serving(settings, env=budget) as (server, process):
        await _stream(server, small_key)  # warm: plans compiled, pools filled
        await _stream(server, small_key)
        after_small = _peak_kb(process.pid)
        records = await _stream(server, large_key)
        after_large = _peak_kb(process.pid)
        through_api = await _paged(server, large_key)
    print(
        f"server peak RSS {after_small} KB after {SMALL:,} records, "
        f"{after_large} KB after {LARGE:,}"
    )
    header, body, end = records[0], records[1:-1], records[-1]
    assert header == {"export": {"total": LARGE, "after": None}}
    assert end["end"]["count"] == LARGE  # type: ignore[index]
    ids = [decode_id(str(record["id"]), "Conversation") for record in body]
    assert len(set(ids)) == LARGE
    starts = []
    for record, pk in zip(body, ids, strict=True):
        # The n-th conversation started n seconds after BULK_START and cost n units (10⁻¹² USD).
        n = int((datetime.fromisoformat(str(record["startedAt"])) - BULK_START).total_seconds())
        starts.append(n)
        assert record["cost"] == serialize_decimal(from_units(n))
        assert record["messages"] == [f"hello {pk}"]
    assert starts == list(range(1, LARGE + 1))  # every one, oldest first
    # And record by record, what a client paging through the API reads.
    assert through_api == body
    # Memory does not grow with the export: 50 times the records, the same peak (a few MB of
    # noise allowed, where holding them would take hundreds).
    assert after_large - after_small < 20_000, (after_small, after_large)
