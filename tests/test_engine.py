"""The built-in engine against a provider on loopback speaking Chat Completions: a visitor's
message is answered once, streamed and priced; a refusal is retried as the provider asks; a
provider that fails, stalls or cuts the stream leaves a FAILED reply the visitor may ask again
for, and an engine with no provider fails it at once; one turn at a time per conversation,
claimed once; a turn whose process died is failed, never answered twice."""

import asyncio
import os
import re
import sys
from datetime import timedelta
from decimal import Decimal

from starlette.applications import Starlette

from models import Turn
from models.enums import TurnState
from resolvers.ids import decode_id
from resolvers.turns import claim_turn
from server.engine.worker import NO_PROVIDER
from server.settings import PROJECT_ROOT, Settings
from tests.support.api import Api
from tests.support.engine import Chat, engine_running
from tests.support.live import Desk
from tests.support.model_server import Answer, Failure, model_server
from tests.support.replies import CHUNKS, chunks_until
from tests.support.waiting import bounded
from tests.support.ws import open_socket

RETRY = """mutation($id: ID!) { retryReply(messageId: $id) }"""


async def _replied(chat: Chat, count: int, *states: str) -> list[dict[str, object]]:
    """The conversation's replies once `count` of them have ended (in one of `states`)."""
    async with bounded(10, f"{count} replies to end"):
        while True:
            replies = await chat.replies()
            ended = [reply for reply in replies if reply["state"] in states]
            if len(ended) >= count:
                return replies
            await asyncio.sleep(0.05)


async def test_a_visitor_is_answered_by_the_model_streamed_and_priced(
    api: Api, app: Starlette, settings: Settings, server_url: str
) -> None:
    chat = await Chat.open(api, "You are Shop Support. Answer briefly.")
    async with (
        model_server() as provider,
        engine_running(app, settings, provider),
        open_socket(server_url, key=chat.token) as widget,
    ):
        provider.expect(Answer(["Your order ", "left ", "today."], 40, 4, delay=0.02))
        await widget.subscribe("r", CHUNKS, {"id": chat.conversation})
        await chat.say("Where is my order?")
        seen = await chunks_until(widget, "r", "Your order left today.")
        last = (await widget.next("r"))["replyChunks"]
    assert seen[0] == ("", 0, "STREAMING")  # the typing indicator, before any text
    assert len(seen) >= 3  # the text grew piece by piece
    assert (last["state"], last["text"]) == ("COMPLETE", "Your order left today.")
    [reply] = await chat.replies()
    assert reply["state"] == "COMPLETE"
    assert reply["timeToFirstTokenMs"] >= 0
    # gpt-4o-mini at $0.15 / $0.60 per million tokens, from the price table.
    usage = reply["usage"]
    assert (usage["inputTokens"], usage["outputTokens"]) == (40, 4)
    assert Decimal(usage["cost"]) == Decimal("0.0000084")
    assert Decimal((await chat.transcript())["usage"]["cost"]) == Decimal("0.0000084")
    [request] = provider.requests
    assert request["model"] == "gpt-4o-mini"
    assert request["stream"] is True
    assert request["stream_options"] == {"include_usage": True}
    system, asked = request["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith("You are Shop Support. Answer briefly.")
    assert "email: ada@example.com" in system["content"]  # the pre-chat answers, as context
    assert asked == {"role": "user", "content": "Where is my order?"}
    assert provider.headers[0]["authorization"] == "Bearer sk-test"


async def test_instructions_and_the_first_message_take_the_visitors_answers(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(
        api, "You help {{email}} with orders.", first_message="Hello {{ email }}, how can I help?"
    )
    [greeting] = await chat.replies()  # written as the conversation started
    assert (greeting["sequence"], greeting["state"]) == (1, "COMPLETE")
    assert greeting["content"] == "Hello ada@example.com, how can I help?"
    async with model_server() as provider, engine_running(app, settings, provider):
        await chat.say("Where is my order?")
        await _replied(chat, 2, "COMPLETE", "FAILED")
    system, first, asked = provider.requests[0]["messages"]
    assert system["content"].startswith("You help ada@example.com with orders.")
    assert first == {"role": "assistant", "content": "Hello ada@example.com, how can I help?"}
    assert asked == {"role": "user", "content": "Where is my order?"}


async def test_a_rate_limited_request_is_retried_when_the_provider_says(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    async with model_server() as provider, engine_running(app, settings, provider):
        provider.expect(Failure.rate_limited(retry_after="0.5"), Failure(503), Answer(["Hi!"]))
        await chat.say("Hello")
        [reply] = await _replied(chat, 1, "COMPLETE", "FAILED")
    assert (reply["state"], reply["content"]) == ("COMPLETE", "Hi!")
    assert len(provider.requests) == 3
    assert provider.times[1] - provider.times[0] >= 0.45  # retry-after: 0.5 s, honoured


async def test_a_provider_that_keeps_failing_leaves_a_reply_the_visitor_may_ask_again_for(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    async with model_server() as provider, engine_running(app, settings, provider):
        provider.expect(Failure(500), Failure(500), Failure(500))  # the first try and 2 retries
        await chat.say("Hello?")
        [failed] = await _replied(chat, 1, "COMPLETE", "FAILED")
        assert failed["state"] == "FAILED"  # never silence
        assert len(provider.requests) == 3
        turn = await Turn.get(reply_id=_pk(failed["id"]))
        assert (turn.state, turn.error) == (TurnState.FAILED, "the provider answered 500 "
                                            "(InternalServerError)")  # fmt: skip
        again = await api(RETRY, {"id": failed["id"]}, key=chat.token)  # the visitor's retry
        assert again.codes == []
        replies = await _replied(chat, 2, "COMPLETE", "FAILED")
        twice = await api(RETRY, {"id": failed["id"]}, key=chat.token)
    assert [reply["state"] for reply in replies] == ["FAILED", "COMPLETE"]
    assert replies[1]["content"] == "Hello!"
    assert twice.codes == ["CONFLICT"]  # asked again already


async def test_an_engine_with_no_provider_fails_the_reply_at_once_saying_why(
    api: Api, app: Starlette, settings: Settings
) -> None:
    """Neither OPENAI_BASE_URL nor OPENAI_API_KEY: nothing is asked, and the visitor is told at
    once rather than kept waiting (server/engine/worker.py)."""
    chat = await Chat.open(api)
    async with (
        model_server() as provider,
        engine_running(app, settings, provider, base_url=None, api_key=None),
    ):
        await chat.say("Hello?")
        [failed] = await _replied(chat, 1, "COMPLETE", "FAILED")
    assert (failed["state"], failed["content"]) == ("FAILED", "")
    assert provider.requests == []
    turn = await Turn.get(reply_id=_pk(failed["id"]))
    assert (turn.state, turn.error) == (TurnState.FAILED, NO_PROVIDER)


async def test_a_stalled_or_cut_stream_fails_the_turn_keeping_what_was_written(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    async with model_server() as provider, engine_running(app, settings, provider):
        provider.expect(
            Answer(["Let me ", "check"], stall_after=1),  # then nothing for longer than 1 s
            Answer(["Your ", "order"], cut_after=1),  # then the connection drops
        )
        await chat.say("Where is it?")
        await _replied(chat, 1, "FAILED", "COMPLETE")
        await chat.say("Hello?")
        replies = await _replied(chat, 2, "FAILED", "COMPLETE")
        provider.release()
    assert [(reply["state"], reply["content"]) for reply in replies] == [
        ("FAILED", "Let me "),
        ("FAILED", "Your "),
    ]
    assert len(provider.requests) == 2  # text had come: not sent again


async def test_one_turn_at_a_time_each_message_answered_once_by_two_engines(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    async with (
        model_server() as provider,
        engine_running(app, settings, provider),
        engine_running(app, settings, provider),
    ):
        provider.default = Answer(["Noted."], delay=0.1)
        await chat.say("first")
        await _replied(chat, 1, "COMPLETE")
        for n in range(4):  # a burst, while the engines may be answering
            await chat.say(f"burst {n}")
        replies = await _replied(chat, 2, "COMPLETE")
        await asyncio.sleep(0.5)  # anything still to come would have come
        replies = await chat.replies()
    assert all(reply["state"] == "COMPLETE" for reply in replies)
    assert len(provider.requests) == len(replies)  # a reply for each request, none lost
    lasts = [
        [m["content"] for m in request["messages"] if m["role"] == "user"][-1]
        for request in provider.requests
    ]
    assert len(lasts) == len(set(lasts)), lasts  # no message answered twice
    assert lasts[0] == "first"
    assert lasts[-1] == "burst 3"  # the last word is answered
    # One at a time: each turn saw every reply written before it.
    for number, request in enumerate(provider.requests):
        said = [m["content"] for m in request["messages"] if m["role"] == "assistant"]
        assert len(said) == number, request["messages"]


async def test_a_turn_whose_engine_died_is_failed_when_its_lease_ends_and_not_answered(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    await chat.say("Anyone there?")
    dead = await claim_turn("a-process-that-died", timedelta(seconds=1))
    assert dead is not None
    async with model_server() as provider, engine_running(app, settings, provider):
        async with bounded(5, "the dead turn to be failed"):
            while (await Turn.get(id=dead.id)).state is TurnState.RUNNING:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # the engine looks again: nothing is answered twice
    assert (await Turn.get(id=dead.id)).state is TurnState.FAILED
    assert provider.requests == []


def _pk(message_id: object) -> int:
    return decode_id(str(message_id), "Message")


async def test_the_docs_engine_of_ones_own_streams_its_replies(api: Api, server_url: str) -> None:
    """The Python block of docs/engine.md, run as it is against a server."""
    page = (PROJECT_ROOT / "docs" / "engine.md").read_text()
    [code] = re.findall(r"```python\n(.*?)```", page, re.DOTALL)
    desk = await Desk.open(api)
    conversation, token = await desk.start()
    environment = {
        **os.environ,
        "PARLEY": f"http://{server_url}/graphql",
        "KEY": desk.key,
        "CONVERSATION": conversation,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, env=environment, cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with open_socket(server_url, key=token) as widget:
            await widget.subscribe("r", CHUNKS, {"id": conversation})
            await desk.send(conversation, 1, "hello there")
            seen = await chunks_until(widget, "r", "You said: hello there")
            last = (await widget.next("r"))["replyChunks"]
    finally:
        process.terminate()
        _, errors = await process.communicate()
    assert len(seen) >= 4, seen  # word by word
    assert (last["state"], last["text"]) == ("COMPLETE", "You said: hello there"), errors
