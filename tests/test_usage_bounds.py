"""A reply's usage is bounded so every total stays readable: tokens per reply, and a
conversation's token and cost totals within what their GraphQL and database types hold."""

from tests.support.api import Api
from tests.support.live import Desk

REPLY = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { sequence } conversation { messageCount usage { totalTokens cost } } } }"""
READ = "query($id: ID!) { conversation(id: $id) { messageCount usage { totalTokens cost } } }"


def _reply(conversation: str, n: int, tokens: int, cost: str | None = None) -> dict[str, object]:
    usage: dict[str, object] = {
        "provider": "openai",
        "model": "gpt-4o",
        "inputTokens": tokens,
        "outputTokens": 0,
    }
    if cost is not None:
        usage["cost"] = cost
    return {
        "conversationId": conversation,
        "clientMessageId": f"r{n}",
        "role": "ASSISTANT",
        "content": "ok",
        "usage": usage,
    }


async def test_a_reply_with_more_tokens_than_any_model_is_refused(api: Api) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    refused = await api(REPLY, {"input": _reply(conversation, 1, 100_000_001)}, key=desk.key)
    assert refused.codes == ["BAD_USER_INPUT"]
    assert refused.errors[0]["extensions"]["fields"][0]["field"] == "usage.inputTokens"
    read = await api(READ, {"id": conversation}, key=desk.key)
    assert read.data["conversation"]["messageCount"] == 0


async def test_totals_never_grow_past_what_can_be_read(api: Api) -> None:
    """21 replies of 100 M tokens fit in a 32-bit totalTokens, the 22nd would not: it is
    refused whole, and the conversation still reads."""
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    for n in range(1, 22):
        sent = await api(REPLY, {"input": _reply(conversation, n, 100_000_000)}, key=desk.key)
        assert sent.codes == [], sent.errors
    refused = await api(REPLY, {"input": _reply(conversation, 22, 100_000_000)}, key=desk.key)
    assert refused.codes == ["BAD_USER_INPUT"]
    read = await api(READ, {"id": conversation}, key=desk.key)
    assert read.data["conversation"] == {
        "messageCount": 21,
        "usage": {"totalTokens": 2_100_000_000, "cost": read.data["conversation"]["usage"]["cost"]},
    }


async def test_a_conversations_cost_stays_within_its_column(api: Api) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    for n in range(1, 10):
        given = _reply(conversation, n, 1, cost="1000000")
        sent = await api(REPLY, {"input": given}, key=desk.key)
        assert sent.codes == [], sent.errors
    refused = await api(REPLY, {"input": _reply(conversation, 10, 1, "1000000")}, key=desk.key)
    assert refused.codes == ["BAD_USER_INPUT"]
    read = await api(READ, {"id": conversation}, key=desk.key)
    assert read.data["conversation"]["messageCount"] == 9
    assert read.data["conversation"]["usage"]["cost"] == "9000000"
