"""Keys, and the walls between workspaces: a key sees its own workspace and nothing else."""

import pytest

from models import ApiKey
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api

READS = [
    "{ conversations { totalCount } }",
    "{ conversationCount }",
    "{ assistants { id } }",
    "{ apiKeys { prefix } }",
    f'{{ node(id: "{encode_id("Conversation", 1)}") {{ id }} }}',
    f'{{ conversation(id: "{encode_id("Conversation", 1)}") {{ id }} }}',
]


async def two_workspaces() -> tuple[tuple[int, str, int], tuple[int, str, int]]:
    """Two workspaces, each with a key and one conversation with one message."""
    found = []
    for name in ("Acme", "Globex"):
        workspace_id, key = await factories.workspace(name)
        bot = await factories.assistant(workspace_id, name=f"{name} bot")
        conversation = await factories.conversation(
            workspace_id, bot.id, messages=[factories.said(f"hello from {name}", 1)]
        )
        found.append((workspace_id, key, conversation.id))
    return found[0], found[1]


@pytest.mark.parametrize("query", READS)
async def test_reads_without_a_key_are_unauthenticated(api: Api, query: str) -> None:
    result = await api(query)
    assert result.codes == ["UNAUTHENTICATED"]
    assert "Authorization" in result.errors[0]["message"]


@pytest.mark.parametrize(
    "authorization",
    ["Bearer sk_not-a-real-key", "Basic dXNlcjpwYXNz", "Bearer", "sk_missing-scheme"],
)
async def test_bad_keys_and_headers_are_unauthenticated(api: Api, authorization: str) -> None:
    await factories.workspace()
    result = await api("{ conversationCount }", headers={"authorization": authorization})
    assert result.codes == ["UNAUTHENTICATED"]


async def test_a_revoked_key_stops_working(api: Api) -> None:
    _, key = await factories.workspace()
    assert (await api("{ conversationCount }", key=key)).data == {"conversationCount": 0}
    own = (await api("{ apiKeys { id } }", key=key)).data["apiKeys"][0]["id"]
    revoke = "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }"
    assert (await api(revoke, {"id": own}, key=key)).codes == []
    assert (await api("{ conversationCount }", key=key)).codes == ["UNAUTHENTICATED"]


async def test_publishable_and_write_only_keys_cannot_read(api: Api) -> None:
    workspace_id, _ = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    _, widget_key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset({ApiKeyScope.WRITE}), assistant_id=bot.id
    )
    _, write_only = await create_api_key(
        workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.WRITE})
    )
    for key in (widget_key, write_only):
        result = await api("{ conversations { totalCount } }", key=key)
        assert result.codes == ["FORBIDDEN"]


async def test_lists_counts_and_assistants_hold_only_the_callers_workspace(api: Api) -> None:
    (_, acme_key, acme_conversation), _ = await two_workspaces()
    result = await api(
        """{ conversations { totalCount edges { node { id assistant { name } } } }
             conversationCount assistants { name } apiKeys { name } }""",
        key=acme_key,
    )
    data = result.data
    assert data["conversations"]["totalCount"] == 1
    assert data["conversationCount"] == 1
    edges = data["conversations"]["edges"]
    assert [edge["node"]["id"] for edge in edges] == [encode_id("Conversation", acme_conversation)]
    assert edges[0]["node"]["assistant"] == {"name": "Acme bot"}
    assert data["assistants"] == [{"name": "Acme bot"}]
    assert len(data["apiKeys"]) == 1


async def test_another_workspaces_id_answers_exactly_like_a_made_up_one(api: Api) -> None:
    (_, acme_key, _), (_, _, globex_conversation) = await two_workspaces()
    query = "query($id: ID!) { conversation(id: $id) { id } }"
    foreign = await api(query, {"id": encode_id("Conversation", globex_conversation)}, key=acme_key)
    made_up = await api(query, {"id": encode_id("Conversation", 987654)}, key=acme_key)
    assert foreign.codes == made_up.codes == ["NOT_FOUND"]
    assert foreign.errors[0]["message"] == made_up.errors[0]["message"]
    assert foreign.body["data"] == made_up.body["data"] == {"conversation": None}


async def test_node_hides_other_workspaces_objects_of_every_type(api: Api) -> None:
    (_, acme_key, acme_conversation), (globex_id, _, globex_conversation) = await two_workspaces()
    globex_bot = await factories.assistant(globex_id, name="Second bot")
    globex_key = await ApiKey.get(workspace_id=globex_id)
    query = "query($id: ID!) { node(id: $id) { id __typename } }"
    for type_name, pk in [
        ("Conversation", globex_conversation),
        ("Message", globex_conversation),  # one message per conversation: the ids align
        ("Assistant", globex_bot.id),
        ("ApiKey", globex_key.id),
    ]:
        global_id = encode_id(type_name, pk)
        assert (await api(query, {"id": global_id}, key=acme_key)).data == {"node": None}
    own = encode_id("Conversation", acme_conversation)
    found = await api(query, {"id": own}, key=acme_key)
    assert found.data == {"node": {"id": own, "__typename": "Conversation"}}


async def test_a_messages_conversation_is_reachable_through_node(api: Api) -> None:
    (_, acme_key, acme_conversation), _ = await two_workspaces()
    conversation = await api(
        "query($id: ID!) { conversation(id: $id) { messages { edges { node { id } } } } }",
        {"id": encode_id("Conversation", acme_conversation)},
        key=acme_key,
    )
    message_id = conversation.data["conversation"]["messages"]["edges"][0]["node"]["id"]
    result = await api(
        """query($id: ID!) { node(id: $id) { ... on Message { content
             conversation { id messageCount } } } }""",
        {"id": message_id},
        key=acme_key,
    )
    assert result.data["node"] == {
        "content": "hello from Acme",
        "conversation": {"id": encode_id("Conversation", acme_conversation), "messageCount": 1},
    }


@pytest.mark.parametrize(
    "bad_id",
    [
        "42",
        "not base64 at all!",
        "",
        encode_id("Conversation", 1)[:-1],
        encode_id("Conversation", 1)[:-2] + "AA",
        encode_id("Assistant", 1),  # a real ID, of the wrong type
        "x" * 2000,
    ],
)
async def test_malformed_tampered_or_mistyped_ids_are_bad_user_input(api: Api, bad_id: str) -> None:
    _, key = await factories.workspace()
    result = await api("query($id: ID!) { conversation(id: $id) { id } }", {"id": bad_id}, key=key)
    assert result.codes == ["BAD_USER_INPUT"]


async def test_ids_are_opaque(api: Api) -> None:
    (_, key, conversation_id), _ = await two_workspaces()
    result = await api("{ conversations { edges { node { id assistant { id } } } } }", key=key)
    node = result.data["conversations"]["edges"][0]["node"]
    for global_id in (node["id"], node["assistant"]["id"]):
        assert not global_id.isdigit()
        assert "Conversation" not in global_id
        assert "Assistant" not in global_id
    assert node["id"] == encode_id("Conversation", conversation_id)


async def test_no_key_is_unauthenticated_even_with_a_malformed_id(api: Api) -> None:
    """The request is refused whole, before its IDs (or anything else in it) are read."""
    result = await api('{ conversation(id: "garbage") { id } node(id: "garbage") { id } }')
    assert result.status == 401
    assert result.codes == ["UNAUTHENTICATED"]
