"""Prices: every reply says what it was charged at and where that came from; `recomputeCosts`
reports what today's table would change and applies exactly that, totals equal to their sums."""

from decimal import Decimal
from typing import Any

from genai_prices import Usage, calc_price

from models import Conversation, Message
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from resolvers.pricing import PRICE_TABLE_VERSION
from tests.support import factories
from tests.support.api import Api

MESSAGES = """query($id: ID!) { conversation(id: $id) { usage { cost costKnown }
  messages { edges { node { content usage { cost costKnown } pricing { source version
    inputPerMillion cachedInputPerMillion outputPerMillion }
    costHistory { cost pricing { source version } replacedAt } } } } } }"""
REPRICE = """mutation($f: ConversationFilter, $dry: Boolean!) { recomputeCosts(filter: $f,
  dryRun: $dry) { applied repliesExamined repliesChanged newlyPriced oldTotal newTotal
  byModel { provider model replies oldCost newCost } } }"""


async def _conversation(workspace_id: int) -> tuple[int, dict[str, Message]]:
    bot = await factories.assistant(workspace_id)
    row = await factories.conversation(
        workspace_id,
        bot.id,
        messages=[
            factories.said("hello", 0.1),
            factories.reply("table", 0.2, input_tokens=1200, output_tokens=300),
            factories.reply("given", 0.3, cost="0.5"),
            factories.reply("mini", 0.4, model="gpt-4o-mini", input_tokens=5000),
            factories.reply("own", 0.5, model="my-own-model", provider="acme"),
        ],
    )
    messages = {m.content: m for m in await Message.filter(conversation_id=row.id)}
    return row.id, messages


def _table_cost(model: str, input_tokens: int, output_tokens: int) -> Decimal:
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    price = calc_price(usage, model_ref=model, provider_id="openai", genai_request_timestamp=None)
    return price.total_price


async def _replies(api: Api, key: str, pk: int) -> tuple[dict[str, Any], dict[str, Any]]:
    data = (await api(MESSAGES, {"id": encode_id("Conversation", pk)}, key=key)).data
    nodes = {e["node"]["content"]: e["node"] for e in data["conversation"]["messages"]["edges"]}
    return data["conversation"], nodes


async def test_each_reply_says_what_it_was_charged_at_and_where_that_came_from(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    pk, _ = await _conversation(workspace_id)
    _, replies = await _replies(api, key, pk)
    table = replies["table"]
    assert table["pricing"]["source"] == "PRICE_TABLE"
    assert table["pricing"]["version"] == PRICE_TABLE_VERSION
    assert Decimal(table["usage"]["cost"]) == _table_cost("gpt-4o", 1200, 300)
    per_million = Decimal(table["pricing"]["inputPerMillion"]) * 1200 / 1_000_000
    per_million += Decimal(table["pricing"]["outputPerMillion"]) * 300 / 1_000_000
    assert per_million == Decimal(table["usage"]["cost"])  # the figures it shows add up
    assert replies["given"]["pricing"] == {
        "source": "GIVEN",
        "version": None,
        "inputPerMillion": None,
        "cachedInputPerMillion": None,
        "outputPerMillion": None,
    }
    assert replies["own"]["pricing"]["source"] == "UNKNOWN"
    assert replies["own"]["usage"]["costKnown"] is False
    assert replies["hello"]["pricing"] is None  # not a reply


async def _as_if_priced_by_an_older_table(pk: int, messages: dict[str, Message]) -> Decimal:
    """The "table" reply cost less then, and the "mini" one had no price yet: what an older
    genai-prices release would have recorded, totals in step. Returns the total it then had."""
    table, mini = messages["table"], messages["mini"]
    conversation = await Conversation.get(id=pk)
    older = Decimal("0.000001")
    assert table.cost is not None
    assert mini.cost is not None
    await Message.filter(id=table.id).update(cost=older, price_version="genai-prices 0.0.1")
    await Message.filter(id=mini.id).update(
        cost=None, input_price=None, output_price=None, price_source="UNKNOWN"
    )
    total = conversation.cost - table.cost - mini.cost + older
    await Conversation.filter(id=pk).update(
        cost=total, unpriced_replies=conversation.unpriced_replies + 1
    )
    return total


async def test_a_reprice_does_exactly_what_its_dry_run_said(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    pk, messages = await _conversation(workspace_id)
    current, _ = await _replies(api, key, pk)
    before = await _as_if_priced_by_an_older_table(pk, messages)
    other_id, other_key = await factories.workspace("Other")
    other_pk, other_messages = await _conversation(other_id)
    await _as_if_priced_by_an_older_table(other_pk, other_messages)

    dry = (await api(REPRICE, {"f": None, "dry": True}, key=key)).data["recomputeCosts"]
    assert dry["applied"] is False
    assert (dry["repliesExamined"], dry["repliesChanged"], dry["newlyPriced"]) == (3, 2, 1)
    assert Decimal(dry["oldTotal"]) == before - Decimal("0.5")  # the given cost is not examined
    assert Decimal(dry["newTotal"]) == Decimal(current["usage"]["cost"]) - Decimal("0.5")
    assert [(m["model"], m["replies"]) for m in dry["byModel"]] == [
        ("gpt-4o", 1),
        ("gpt-4o-mini", 1),
    ]
    conversation, _ = await _replies(api, key, pk)
    assert Decimal(conversation["usage"]["cost"]) == before  # a dry run writes nothing

    applied = (await api(REPRICE, {"f": None, "dry": False}, key=key)).data["recomputeCosts"]
    assert applied == {**dry, "applied": True}
    conversation, replies = await _replies(api, key, pk)
    assert conversation["usage"] == current["usage"]  # back to today's prices, all known again
    costs = [Decimal(r["usage"]["cost"]) for r in replies.values() if r["usage"]]
    assert sum(costs) == Decimal(conversation["usage"]["cost"])  # the total is the sum
    assert replies["table"]["pricing"]["version"] == PRICE_TABLE_VERSION
    assert [(h["cost"], h["pricing"]) for h in replies["table"]["costHistory"]] == [
        ("0.000001", {"source": "PRICE_TABLE", "version": "genai-prices 0.0.1"})
    ]
    assert [(h["cost"], h["pricing"]["source"]) for h in replies["mini"]["costHistory"]] == [
        (None, "UNKNOWN")
    ]
    assert replies["given"]["costHistory"] == []
    again = (await api(REPRICE, {"f": None, "dry": True}, key=key)).data["recomputeCosts"]
    assert (again["repliesChanged"], again["byModel"]) == (0, [])
    # The other workspace's replies were not touched.
    theirs = (await api(REPRICE, {"f": None, "dry": True}, key=other_key)).data
    assert theirs["recomputeCosts"]["repliesChanged"] == 2


async def test_applying_needs_write_and_a_filter_narrows_it(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    pk, messages = await _conversation(workspace_id)
    await _as_if_priced_by_an_older_table(pk, messages)
    _, reader = await create_api_key(workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ}))
    assert (await api(REPRICE, {"f": None, "dry": True}, key=reader)).codes == []
    refused = await api(REPRICE, {"f": None, "dry": False}, key=reader)
    assert refused.codes == ["FORBIDDEN"]
    elsewhere = {"startedAfter": "2030-01-01T00:00:00Z"}
    none = (await api(REPRICE, {"f": elsewhere, "dry": False}, key=key)).data["recomputeCosts"]
    assert (none["repliesExamined"], none["repliesChanged"]) == (0, 0)
    _, replies = await _replies(api, key, pk)
    assert replies["table"]["costHistory"] == []
