"""GraphiQL, as `make run` sends a newcomer to it: opened in headless Chromium that may reach
nothing beyond loopback (every other request is refused and recorded), under the page's own
Content-Security-Policy; a key set in the Headers tab, the starting query run, its answer shown,
and a subscription answered over a socket authenticated with the same key.
graphiql_drive.js drives the page."""

from models.enums import ConversationType
from server.graphiql import WELCOME
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.chromium import node_or_skip, run_driver

REFUSED = "Failed to load resource: the server responded with a status of 401 (Unauthorized)"


async def test_graphiql_runs_a_query_with_a_key_offline(api: Api, server_url: str) -> None:
    node = node_or_skip()
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    for minute in (1, 2, 3):
        await factories.conversation(workspace_id, bot.id, minute=minute)
    await factories.conversation(workspace_id, bot.id, minute=4, type=ConversationType.TEST)

    seen = await run_driver(
        node, "graphiql_drive.js", {"url": f"http://{server_url}/graphql", "key": key}
    )

    assert "failure" not in seen, seen["failure"]
    assert seen["outside"] == []  # React, GraphiQL and its styles all came from Parley
    assert seen["violations"] == []  # nothing the Content-Security-Policy had to block
    assert seen["errors"] == []
    assert "Every request needs a key" in seen["note"]
    assert seen["query"] == WELCOME
    assert seen["headersBefore"] == '{\n  "Authorization": "Bearer sk_..."\n}'
    # Before the key is set, the page says why it has no schema (the 401s the console logs).
    assert set(seen["console"]) <= {REFUSED}
    assert '"code": "UNAUTHENTICATED"' in seen["beforeKey"]
    expected = await api(WELCOME, key=key)
    assert expected.data["conversations"]["totalCount"] == 4
    assert seen["response"]["data"] == expected.data
    assert seen["live"]["data"] == {"conversationCount": 4}  # the socket sent the key too
