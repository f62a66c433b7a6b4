from tests.support import factories
from tests.support.api import Api


async def test_a_conversation_reads_back_with_its_messages_and_usage(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    await factories.conversation(
        workspace_id,
        bot.id,
        messages=[factories.said("Hi", 1), factories.reply("Hello!", 2)],
        variables=[factories.variable("email", "ada@example.com")],
    )
    result = await api(
        """{ conversations { totalCount edges { node { id type messageCount
             assistant { name } usage { inputTokens outputTokens cost costKnown currency }
             usageByModel { provider model replies usage { cost } }
             variables { name value source } variable(name: "email") { value }
             messages(first: 5) {
               totalCount edges { node { sequence role content usage { cost } } }
             }
           } } } }""",
        key=key,
    )
    node = result.data["conversations"]["edges"][0]["node"]
    assert result.data["conversations"]["totalCount"] == 1
    assert node["assistant"] == {"name": "Support bot"}
    # gpt-4o: 100 input tokens at $2.50/M plus 50 output tokens at $10/M.
    assert node["usage"]["cost"] == "0.00075"
    assert node["usageByModel"] == [
        {"provider": "openai", "model": "gpt-4o", "replies": 1, "usage": {"cost": "0.00075"}}
    ]
    assert [edge["node"]["content"] for edge in node["messages"]["edges"]] == ["Hi", "Hello!"]
    assert node["variable"] == {"value": "ada@example.com"}
