"""`GET /export`: every matching conversation as the API answers it, streamed in constant memory,
resumable by cursor, as JSONL or CSV, for a READ key of its own workspace only."""

import csv
import gc
import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.message import message_cursor
from server.export import MESSAGE_PAGE, PAGE
from tests.support import factories
from tests.support.api import Api
from tests.support.exporting import export, export_workspace, parley_export

RECORD = """query($id: ID!) { conversation(id: $id) { id type mode status startedAt lastActivityAt
  endedAt messageCount assistant { id name } visitor { sessionId pageUrl userAgent locale }
  usage { inputTokens outputTokens cachedInputTokens cost costKnown }
  variables { name value type source collectedAt } labels { id name colour }
  messages(first: 100) { edges { node { id sequence role content createdAt provider model
    usage { inputTokens outputTokens cachedInputTokens cost costKnown } } } } } }"""
MORE = """query($id: ID!, $after: String) { conversation(id: $id) { messages(first: 100,
  after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id sequence role
  content createdAt provider model usage { inputTokens outputTokens cachedInputTokens cost
  costKnown } } } } } }"""


async def _api_record(api: Api, key: str, id: str) -> dict[str, Any]:
    """What the API answers for one conversation, its messages gathered from every page."""
    node = (await api(RECORD, {"id": id}, key=key)).data["conversation"]
    messages = [edge["node"] for edge in node.pop("messages")["edges"]]
    while len(messages) < node["messageCount"]:
        after = message_cursor(messages[-1]["sequence"])
        page = (await api(MORE, {"id": id, "after": after}, key=key)).data
        messages += [edge["node"] for edge in page["conversation"]["messages"]["edges"]]
    return {**node, "messages": messages}


async def _label(api: Api, key: str, names: list[str], every: int) -> None:
    """Labels `names` on every `every`-th conversation, through the API."""
    ids = []
    for name in names:
        made = await api(
            'mutation($n: String!) { createLabel(name: $n, colour: "#aa00ff") { id } }',
            {"n": name},
            key=key,
        )
        ids.append(made.data["createLabel"]["id"])
    listed = await api("{ conversations(first: 100) { edges { node { id } } } }", key=key)
    for n, edge in enumerate(listed.data["conversations"]["edges"]):
        if n % every == 0:
            added = await api(
                "mutation($c: ID!, $l: [ID!]!) { addLabels(conversationId: $c, labelIds: $l) "
                "{ id } }",
                {"c": edge["node"]["id"], "l": ids},
                key=key,
            )
            assert added.data


@pytest.fixture
async def client(api: Api) -> httpx.AsyncClient:
    return api.client


async def test_a_jsonl_export_holds_every_record_as_the_api_answers_it(
    api: Api, client: httpx.AsyncClient
) -> None:
    _, key = await export_workspace(PAGE + 30)  # two pages
    await _label(api, key, ["vip", "needs follow-up"], every=7)
    other_id, _ = await factories.workspace("Other")
    await factories.conversation(other_id, (await factories.assistant(other_id)).id)
    response, lines = await export(client, key)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["x-parley-total"] == str(PAGE + 30)
    assert lines[0] == {"export": {"total": PAGE + 30, "after": None}}
    records = lines[1:-1]
    assert lines[-1] == {"end": {"count": PAGE + 30, "cursor": records[-1]["cursor"]}}
    assert len({record["id"] for record in records}) == PAGE + 30  # the other workspace's: no
    starts = [record["startedAt"] for record in records]
    assert starts == sorted(starts)  # oldest first
    assert len(records[3]["messages"]) == MESSAGE_PAGE * 2 + 7
    assert sum(1 for record in records if record["labels"]) == 15
    for record in records:
        expected = await _api_record(api, key, record["id"])
        assert {k: v for k, v in record.items() if k != "cursor"} == expected


async def test_a_filtered_export_resumes_after_a_cursor_missing_and_repeating_nothing(
    api: Api, client: httpx.AsyncClient
) -> None:
    _, key = await export_workspace(40, long_one=False)
    where = json.dumps({"types": ["WEB_WIDGET"], "statuses": ["ENDED"]})
    _, lines = await export(client, key, filter=where)
    records = lines[1:-1]
    count = (
        await api(
            "{ conversationCount(filter: {types: [WEB_WIDGET], statuses: [ENDED]}) }", key=key
        )
    ).data["conversationCount"]
    assert len(records) == count == lines[0]["export"]["total"] > 0
    assert {(r["type"], r["status"]) for r in records} == {("WEB_WIDGET", "ENDED")}
    # The connection dropped after the 5th record: ask for what follows it.
    _, rest = await export(client, key, filter=where, after=records[4]["cursor"])
    assert rest[1:-1] == records[5:]
    assert rest[-1]["end"]["count"] == len(records) - 5


async def test_a_csv_export_has_a_row_per_conversation_and_a_column_per_variable(
    api: Api, client: httpx.AsyncClient
) -> None:
    _, key = await export_workspace(12, long_one=False)
    await _label(api, key, ["vip"], every=3)
    _, lines = await export(client, key)
    records = {record["id"]: record for record in lines[1:-1]}
    response = await client.get(
        "/export", params={"format": "csv"}, headers={"authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    assert response.headers["x-parley-total"] == "12"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 12
    assert list(rows[0])[-1] == "variable:plan"
    for row in rows:
        record = records[row["id"]]
        assert row["cursor"] == record["cursor"]
        assert row["cost"] == record["usage"]["cost"]
        assert int(row["messageCount"]) == len(record["messages"])
        plans = [v["value"] for v in record["variables"] if v["name"] == "plan"]
        assert row["variable:plan"] == (plans[0] if plans else "")
        assert json.loads(row["labels"]) == [label["name"] for label in record["labels"]]
    assert sum(1 for row in rows if row["labels"] == '["vip"]') == 4


async def test_an_export_is_refused_before_any_work_for_the_wrong_key_or_input(
    client: httpx.AsyncClient,
) -> None:
    workspace_id, key = await export_workspace(2, long_one=False)
    _, widget = await create_api_key(workspace_id, ApiKeyKind.PUBLISHABLE, frozenset())
    _, writer = await create_api_key(
        workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.WRITE})
    )
    cases = [
        ({}, None, 401, "UNAUTHENTICATED"),
        ({}, "sk_not_a_key", 401, "UNAUTHENTICATED"),
        ({}, widget, 403, "FORBIDDEN"),
        ({}, writer, 403, "FORBIDDEN"),
        ({"format": "xml"}, key, 400, "BAD_USER_INPUT"),
        ({"filter": "{not json"}, key, 400, "BAD_USER_INPUT"),
        ({"filter": "[1]"}, key, 400, "BAD_USER_INPUT"),
        ({"filter": json.dumps({"types": ["PHONE"]})}, key, 400, "BAD_USER_INPUT"),
        ({"after": "not-a-cursor"}, key, 400, "BAD_USER_INPUT"),
    ]
    for params, token, status, code in cases:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await client.get("/export", params=params, headers=headers)
        assert response.status_code == status, (params, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == code, params


async def test_memory_stays_flat_however_many_records_stream(server_url: str) -> None:
    """Peak memory of exporting 15 pages is that of exporting 5: a page is written before the
    next one is read. (Server and reader share this process.)"""
    _, small = await export_workspace(PAGE * 5, long_one=False)
    _, large = await export_workspace(PAGE * 15, long_one=False)

    async def peak(key: str) -> tuple[int, int]:
        gc.collect()
        tracemalloc.start()
        received = 0
        async with httpx.AsyncClient(base_url=f"http://{server_url}", timeout=60) as client:
            headers = {"authorization": f"Bearer {key}"}
            async with client.stream("GET", "/export", headers=headers) as response:
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top, received

    await peak(large)  # warm: plans compiled, connections open, caches filled
    small_peak, small_bytes = await peak(small)
    large_peak, large_bytes = await peak(large)
    print(f"export peak {small_peak} B for {small_bytes} B, {large_peak} B for {large_bytes} B")
    assert large_bytes > 2.5 * small_bytes
    # Holding the records would grow it by more than their bytes; a page at a time, by noise.
    assert large_peak - small_peak < (large_bytes - small_bytes) / 5


async def test_parley_export_writes_the_file_and_resumes_a_cut_one(
    client: httpx.AsyncClient, server_url: str, tmp_path: Path
) -> None:
    _, key = await export_workspace(PAGE + 20, long_one=False)
    _, lines = await export(client, key)
    records = lines[1:-1]
    out = tmp_path / "all.jsonl"
    code, progress = await parley_export(server_url, key, "--out", str(out))
    assert code == 0, progress
    assert "100%" in progress
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert written[1:-1] == records
    assert written[-1] == {"end": {"count": len(records), "cursor": records[-1]["cursor"]}}
    # Cut the file inside the 31st record, as a dropped connection would, and resume.
    kept = out.read_bytes().split(b"\n")
    out.write_bytes(b"\n".join(kept[:31]) + b"\n" + kept[31][:40])
    code, progress = await parley_export(server_url, key, "--out", str(out), "--resume")
    assert code == 0, progress
    resumed = [json.loads(line) for line in out.read_text().splitlines()]
    assert resumed == written
    code, progress = await parley_export(server_url, key, "--out", str(out), "--resume")
    assert code != 0
    assert "complete already" in progress
    csv_out = tmp_path / "all.csv"
    code, progress = await parley_export(
        server_url, key, "--out", str(csv_out), "--format", "csv", "--filter", '{"types": ["TEST"]}'
    )
    assert code == 0, progress
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text())))
    assert sorted(row["id"] for row in rows) == sorted(
        record["id"] for record in records if record["type"] == "TEST"
    )
