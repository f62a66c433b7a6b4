"""`importConversations` and `parley import`: whole conversations from another platform, all of a
batch or none, once each, priced at their own time, counted; export → import round-trips."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api
from tests.support.exporting import export, export_workspace, parley, parley_export

IMPORT = """mutation($c: [ImportConversationInput!]!) { importConversations(conversations: $c) {
  conversations { id externalId type status messageCount usage { cost costKnown }
    messages { edges { node { content usage { cost } pricing { source } } } }
    variables { name value source } visitor { sessionId } }
  skippedExternalIds } }"""


def _batch(assistant: str) -> list[dict[str, Any]]:
    return [
        {
            "externalId": "crm-1",
            "assistantId": assistant,
            "type": "WEB_WIDGET",
            "startedAt": "2026-06-01T10:00:00Z",
            "endedAt": "2026-06-01T10:05:00Z",
            "visitor": {"sessionId": "v-1", "pageUrl": "https://shop.example/"},
            "messages": [
                {
                    "role": "USER",
                    "content": "Where is my order?",
                    "createdAt": "2026-06-01T10:00:05Z",
                },
                {
                    "role": "ASSISTANT",
                    "content": "It ships today.",
                    "createdAt": "2026-06-01T10:00:09Z",
                    "usage": {
                        "provider": "openai",
                        "model": "gpt-4o",
                        "inputTokens": 1000,
                        "outputTokens": 100,
                        "cost": "0.25",
                    },
                },
                {
                    "role": "ASSISTANT",
                    "content": "Anything else?",
                    "createdAt": "2026-06-01T10:00:12Z",
                    "usage": {
                        "provider": "openai",
                        "model": "gpt-4o",
                        "inputTokens": 1000,
                        "outputTokens": 100,
                    },
                },
            ],
            "variables": [
                {
                    "name": "email",
                    "value": "ann@example.com",
                    "type": "EMAIL",
                    "source": "PRE_CHAT_FORM",
                    "collectedAt": "2026-06-01T10:00:00Z",
                }
            ],
        },
        {
            "externalId": "crm-2",
            "assistantId": assistant,
            "type": "TEST",
            "startedAt": "2026-06-02T09:00:00Z",
            "messages": [
                {"role": "USER", "content": "test", "createdAt": "2026-06-02T09:00:01Z"},
                {
                    "role": "ASSISTANT",
                    "content": "ok",
                    "createdAt": "2026-06-02T09:00:02Z",
                    "usage": {
                        "provider": "acme",
                        "model": "in-house",
                        "inputTokens": 5,
                        "outputTokens": 1,
                    },
                },
            ],
        },
    ]


async def test_a_batch_is_imported_whole_priced_at_its_time_and_counted(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = encode_id("Assistant", (await factories.assistant(workspace_id)).id)
    result = await api(IMPORT, {"c": _batch(bot)}, key=key)
    assert result.codes == [], result
    done = result.data["importConversations"]
    assert done["skippedExternalIds"] == []
    first, second = done["conversations"]
    assert (first["externalId"], first["status"], first["messageCount"]) == ("crm-1", "ENDED", 3)
    assert first["visitor"] == {"sessionId": "v-1"}
    assert first["variables"] == [
        {"name": "email", "value": "ann@example.com", "source": "PRE_CHAT_FORM"}
    ]
    replies = [edge["node"] for edge in first["messages"]["edges"]][1:]
    assert [r["pricing"]["source"] for r in replies] == ["GIVEN", "PRICE_TABLE"]
    assert replies[0]["usage"]["cost"] == "0.25"
    assert first["usage"]["cost"] == str(Decimal("0.25") + Decimal(replies[1]["usage"]["cost"]))
    assert (second["status"], second["usage"]["costKnown"]) == ("ACTIVE", False)
    counts = await api(
        "{ all: conversationCount tests: conversationCount(filter: {types: [TEST]}) }", key=key
    )
    assert counts.data == {"all": 2, "tests": 1}
    found = await api('{ conversations(filter: {search: "order"}) { totalCount } }', key=key)
    assert found.data["conversations"]["totalCount"] == 1  # searchable like any other

    again = (await api(IMPORT, {"c": _batch(bot)}, key=key)).data["importConversations"]
    assert (again["conversations"], again["skippedExternalIds"]) == ([], ["crm-1", "crm-2"])
    assert (await api("{ conversationCount }", key=key)).data == {"conversationCount": 2}


async def test_a_bad_batch_writes_nothing(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = encode_id("Assistant", (await factories.assistant(workspace_id)).id)
    other_id, _ = await factories.workspace("Other")
    theirs = encode_id("Assistant", (await factories.assistant(other_id)).id)
    _, reader = await create_api_key(workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ}))
    good = _batch(bot)
    future = [{**good[0], "startedAt": "2099-01-01T00:00:00Z", "endedAt": None, "messages": []}]
    early = [{**good[0], "startedAt": "2026-06-01T11:00:00Z", "endedAt": None}]
    cases = [
        ([good[0], {**good[1], "assistantId": theirs}], key, "NOT_FOUND"),
        ([good[0], {**good[1], "externalId": "crm-1"}], key, "BAD_USER_INPUT"),
        (future, key, "BAD_USER_INPUT"),
        (early, key, "BAD_USER_INPUT"),  # messages before its start
        ([{**good[0], "externalId": ""}], key, "BAD_USER_INPUT"),
        ([], key, "BAD_USER_INPUT"),
        (good, reader, "FORBIDDEN"),
    ]
    for batch, token, code in cases:
        assert (await api(IMPORT, {"c": batch}, key=token)).codes == [code], batch
    assert (await api("{ conversationCount }", key=key)).data == {"conversationCount": 0}


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record without what another workspace must give it anew: IDs and cursors."""
    kept = {k: v for k, v in record.items() if k not in ("id", "cursor", "assistant")}
    kept["messages"] = [{k: v for k, v in m.items() if k != "id"} for m in record["messages"]]
    return kept


async def test_export_then_import_round_trips_exactly(
    api: Api, server_url: str, tmp_path: Path
) -> None:
    _, source_key = await export_workspace(30)  # one long conversation, variables, ended and not
    target_id, target_key = await factories.workspace("Target")
    target_bot = encode_id("Assistant", (await factories.assistant(target_id, name="Bot")).id)
    async with httpx.AsyncClient(base_url=f"http://{server_url}") as client:
        _, exported = await export(client, source_key)
        out = tmp_path / "source.jsonl"
        code, progress = await parley_export(server_url, source_key, "--out", str(out))
        assert code == 0, progress
        code, progress = await parley(
            server_url, target_key, "import", str(out), "--assistant", target_bot
        )
        assert code == 0, progress
        assert "Imported 30 conversations (0 were there already)" in progress
        code, progress = await parley(
            server_url, target_key, "import", str(out), "--assistant", target_bot
        )
        assert "Imported 0 conversations (30 were there already)" in progress
        _, imported = await export(client, target_key)
    assert [_comparable(r) for r in imported[1:-1]] == [_comparable(r) for r in exported[1:-1]]
    assert {r["assistant"]["id"] for r in imported[1:-1]} == {target_bot}
