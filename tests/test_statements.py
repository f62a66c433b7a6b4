"""No N+1: a page of 100 conversations with its relations costs what a page of 1 costs."""

from typing import Any

from starlette.applications import Starlette

from tests.support import factories
from tests.support.api import Api

PAGE = """query($n: Int!) { conversations(first: $n) { totalCount edges { node {
  id type startedAt usage { cost costKnown }
  assistant { name preChatForm { name } }
  variables { name value source }
  variable(name: "email") { value }
  usageByModel { provider model replies usage { cost } }
  messages(first: 5) { totalCount pageInfo { hasNextPage } edges { cursor node {
    sequence content usage { cost } } } }
} } } }"""


async def _page_statements(api: Api, count_statements: Any) -> dict[int, int]:
    workspace_id, key = await factories.workspace()
    bots = [await factories.assistant(workspace_id, name=f"bot {i}") for i in range(3)]
    for i in range(100):
        await factories.conversation(
            workspace_id,
            bots[i % 3].id,
            minute=i,
            messages=[
                factories.said(f"question {i}", i + 0.1),
                factories.reply(f"answer {i}", i + 0.2),
                factories.said("thanks", i + 0.3),
                factories.reply("you're welcome", i + 0.4, model="gpt-4o-mini"),
                factories.said("bye", i + 0.5),
                factories.reply("bye!", i + 0.6),
            ],
            variables=[factories.variable("email", f"v{i}@example.com")],
        )
    await api(PAGE, {"n": 1}, key=key)  # the key's last_used_at is written once, before counting

    counts: dict[int, int] = {}
    for n in (1, 100):
        with count_statements() as counter:
            result = await api(PAGE, {"n": n}, key=key)
        edges = result.data["conversations"]["edges"]
        assert len(edges) == n
        assert all(len(edge["node"]["messages"]["edges"]) == 5 for edge in edges)
        assert all(edge["node"]["messages"]["pageInfo"]["hasNextPage"] for edge in edges)
        assert {len(edge["node"]["usageByModel"]) for edge in edges} == {2}
        # The edge's own statements are not the page's: the key's lookup happens at most once
        # per process per PARLEY_AUTH_CACHE_SECONDS (resolvers/callers/cache.py), and spending the
        # query's cost takes a new lease of points (1% of the budget) when the last is used up.
        counts[n] = len(
            [
                item
                for item in counter.statements
                if "api_key" not in item.sql and "rate_counter" not in item.sql
            ]
        )

    return counts


async def test_a_page_costs_one_statement_whatever_its_size_and_nesting(
    api: Api, count_statements: Any
) -> None:
    """The compiled plan (schema/plan) reads the page, its total and every relation at once."""
    counts = await _page_statements(api, count_statements)
    assert counts[1] == counts[100] == 1, counts


async def test_resolved_field_by_field_a_page_costs_two_statements_whatever_its_size(
    app: Starlette, api: Api, count_statements: Any
) -> None:
    plans = app.state.graphql_view.schema.plans
    plans.enabled = False
    try:
        counts = await _page_statements(api, count_statements)
    finally:
        plans.enabled = True
    # the page with its total and every relation (the plans' own reader), and its assistants
    assert counts[1] == counts[100] == 2, counts


NODE = """
  id assistant { name } usageByModel { model replies usage { cost } }
  variables(source: PRE_CHAT_FORM) { name value } variable(name: "email") { value }
  firstTwo: messages(first: 2) { totalCount edges { cursor node { sequence content } } }
  ... on Conversation { lastOne: messages(last: 1) { pageInfo { hasPreviousPage }
                                                    edges { node { sequence } } } }
  ...More
"""
FRAGMENT = "fragment More on Conversation { assistant { preChatForm { name } } }"


async def test_listed_rows_answer_exactly_as_a_single_conversation_does(api: Api) -> None:
    """Listed rows answer from the relations read with the page; one conversation loads its
    own."""
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    for i in range(3):
        await factories.conversation(
            workspace_id,
            bot.id,
            minute=i,
            messages=[factories.said(f"q{i}", i + 0.1), factories.reply(f"a{i}", i + 0.2)],
            variables=[factories.variable("email", f"v{i}@example.com")],
        )
    listed = await api(
        f"{{ conversations {{ edges {{ node {{ {NODE} }} }} }} }} {FRAGMENT}", key=key
    )
    nodes = [edge["node"] for edge in listed.data["conversations"]["edges"]]
    assert len(nodes) == 3
    for node in nodes:
        single = await api(
            f"query($id: ID!) {{ conversation(id: $id) {{ {NODE} }} }} {FRAGMENT}",
            {"id": node["id"]},
            key=key,
        )
        assert single.data["conversation"] == node
        assert node["firstTwo"]["totalCount"] == 2
        assert node["lastOne"]["edges"] == [{"node": {"sequence": 2}}]
