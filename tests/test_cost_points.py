"""A secret key spends its query's cost from a points budget per minute, as GitHub's and
Shopify's APIs do: expensive pages use the budget up fast, cheap requests hardly touch it."""

import httpx

from server.settings import Settings
from tests.support import factories
from tests.support.servers import served

PAGE = "{ conversations(first: 100) { edges { node { messages(first: 100) { totalCount } } } } }"


async def test_a_secret_key_spends_each_querys_cost_until_its_budget_is_gone(
    settings: Settings,
) -> None:
    _, key = await factories.workspace()
    env = {"PARLEY_POINTS_PER_MINUTE": "25000"}
    async with served(settings, env=env) as server, httpx.AsyncClient(timeout=20) as client:

        async def ask(query: str) -> httpx.Response:
            return await client.post(
                f"http://{server}/graphql",
                json={"query": query},
                headers={"authorization": f"Bearer {key}"},
            )

        first = await ask(PAGE)
        cost = first.json()["extensions"]["cost"]["requested"]
        assert cost > 10_000
        assert "errors" not in first.json()
        second = await ask(PAGE)
        assert "errors" not in second.json()
        # Both queries' costs and requests are spent; a process leases 1% of the budget at a
        # time (250 here), and a lease too small for a query is given up, never overspent.
        remaining = int(second.headers["ratelimit-remaining"])
        assert 25_000 - 2 * (cost + 1) - 2 * 250 <= remaining <= 25_000 - 2 * (cost + 1)
        third = await ask(PAGE)
        body = third.json()
        assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert body["errors"][0]["extensions"]["retryAfter"] > 0
        assert body.get("data") is None
        cheap = await ask("{ __typename }")  # costs nothing but its request's point
        assert cheap.json()["data"] == {"__typename": "Query"}
