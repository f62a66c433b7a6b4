"""Webhooks end to end: endpoints registered through the API, events made through the API, a
delivery worker sending them to a real HTTP receiver on loopback, and what the receiver got,
verified with the `standardwebhooks` package as a receiver would."""

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette

from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from resolvers.webhookqueue import forget_old_deliveries
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.receiver import Answer, receiving
from tests.support.webhooking import START, chat, endpoint, working

SLOW_MACHINE_SECONDS = 10.0
"""A sender's timeout for tests that count attempts or requests exactly (FAST's 1 s is for tests of
timeouts): on a loaded machine a 1 s send can time out after the receiver got it, and go again."""
LOG = """query($id: ID!) { webhookEndpoint(id: $id) { state disabledReason failingSince
  deliveries(first: 50) { edges { node { webhookId event cursor state attempts lastStatus
    lastError attemptLog { status error latencyMs } } } } } }"""


async def bot(workspace_id: int) -> str:
    return encode_id("Assistant", (await factories.assistant(workspace_id)).id)


async def log(api: Api, key: str, endpoint_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api(LOG, {"id": endpoint_id}, key=key)).data["webhookEndpoint"]
    return found


def nodes(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The delivery log oldest first."""
    edges = found["deliveries"]["edges"]
    return [edge["node"] for edge in reversed(edges)]


async def test_a_conversation_reaches_the_endpoint_signed_and_in_order(
    app: Starlette, api: Api
) -> None:
    workspace_id, key = await factories.workspace()
    assistant = await bot(workspace_id)
    # Each delivery is sent once: a sender's timeout a loaded machine can reach would send one
    # again (the receiver got it, the sender gave up), as it should, and fail this count.
    async with receiving() as receiver, working(app, timeout_seconds=SLOW_MACHINE_SECONDS):
        endpoint_id, secret = await endpoint(api, key, receiver.url)
        conversation = await chat(api, key, assistant, messages=3)
        await receiver.wait_for(lambda got: len(got.delivered()) == 5)
        erased = await api(
            "mutation($id: ID!) { deleteConversation(id: $id) { erasedConversations } }",
            {"id": conversation},
            key=key,
        )
        assert erased.data == {"deleteConversation": {"erasedConversations": 1}}
        await receiver.wait_for(lambda got: len(got.delivered()) == 6)

    bodies = [each.verified(secret) for each in receiver.received]
    assert [body["type"] for body in bodies] == [
        "conversation.started",
        "message.added",
        "message.added",
        "message.added",
        "conversation.ended",
        "conversation.erased",
    ]
    assert {body["data"]["conversationId"] for body in bodies} == {conversation}
    assert [body["data"]["message"]["content"] for body in bodies[1:4]] == [
        "message 0",
        "message 1",
        "message 2",
    ]
    # The record is the conversation as it is when sent; an erased one is null.
    assert bodies[0]["data"]["conversation"]["id"] == conversation
    assert bodies[4]["data"]["conversation"]["status"] == "ENDED"
    assert bodies[4]["data"]["conversation"]["messageCount"] == 3
    assert bodies[5]["data"]["conversation"] is None
    ids = [each.headers["webhook-id"] for each in receiver.received]
    assert len(set(ids)) == 6
    # The delivery log says the same (the erased conversation's earlier deliveries are gone
    # with it: only conversation.erased is left).
    found = nodes(await log(api, key, endpoint_id))
    assert [
        (node["event"], node["state"], node["attempts"], node["lastStatus"]) for node in found
    ] == [("CONVERSATION_ERASED", "DELIVERED", 1, 204)]
    assert found[0]["webhookId"] == ids[-1]
    assert found[0]["cursor"] == bodies[5]["data"]["cursor"]


async def test_event_types_and_the_filter_choose_what_is_sent_and_tenants_stay_apart(
    app: Starlette, api: Api
) -> None:
    workspace_id, key = await factories.workspace()
    other_id, other_key = await factories.workspace("Other")
    assistant_row = await factories.assistant(workspace_id)
    assistant = encode_id("Assistant", assistant_row.id)
    _, widget_key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=assistant_row.id
    )
    async with receiving() as receiver, working(app):
        endpoint_id, secret = await endpoint(
            api,
            key,
            receiver.url,
            events=["CONVERSATION_STARTED"],
            filter={"types": ["WEB_WIDGET"]},
        )
        await chat(api, key, assistant, messages=1)  # TEST: filtered out
        await chat(api, other_key, await bot(other_id), messages=1)  # another workspace's
        started = await api(START, {"assistant": assistant}, key=widget_key)
        widget_conversation = started.data["startConversation"]["conversation"]["id"]
        await receiver.wait_for(lambda got: len(got.delivered()) == 1)
        # Nothing else is coming: a later event of this endpoint's kind arrives alone.
        await api(START, {"assistant": assistant}, key=widget_key)
        await receiver.wait_for(lambda got: len(got.delivered()) == 2)

    bodies = [each.verified(secret) for each in receiver.received]
    assert [body["type"] for body in bodies] == ["conversation.started"] * 2
    assert bodies[0]["data"]["conversationId"] == widget_conversation
    assert bodies[0]["data"]["conversation"]["type"] == "WEB_WIDGET"

    listed = await api("{ webhookEndpoints { id filter events } }", key=key)
    assert listed.data == {
        "webhookEndpoints": [
            {
                "id": endpoint_id,
                "filter": {"types": ["WEB_WIDGET"]},
                "events": ["CONVERSATION_STARTED"],
            }
        ]
    }
    assert (await api("{ webhookEndpoints { id } }", key=other_key)).data == {
        "webhookEndpoints": []
    }
    for query, variables in (
        ("query($id: ID!) { webhookEndpoint(id: $id) { id } }", {"id": endpoint_id}),
        ("mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }", {"id": endpoint_id}),
        (
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: false) { id } }",
            {"id": endpoint_id},
        ),
        (
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            {"id": endpoint_id},
        ),
    ):
        assert (await api(query, variables, key=other_key)).codes == ["NOT_FOUND"]
    _, reader = await create_api_key(workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ}))
    assert (await api("{ webhookEndpoints { id } }", key=reader)).codes == ["FORBIDDEN"]
    fields = await api('{ __type(name: "WebhookEndpoint") { fields { name } } }', key=key)
    assert "secret" not in {field["name"] for field in fields.data["__type"]["fields"]}


async def test_failures_are_retried_with_the_same_id_and_retry_after_is_honoured(
    app: Starlette, api: Api
) -> None:
    plan = {
        1: Answer(503),
        2: Answer(500),
        3: Answer(429, {"retry-after": "1"}),
        4: Answer(204, hang_seconds=1.5),
    }
    workspace_id, key = await factories.workspace()
    async with receiving(lambda number, _: plan.get(number, Answer(204))) as receiver:
        endpoint_id, secret = await endpoint(
            api, key, receiver.url, events=["CONVERSATION_STARTED", "CONVERSATION_ENDED"]
        )
        async with working(app):
            conversation = await chat(api, key, await bot(workspace_id), messages=0)
            await receiver.wait_for(lambda got: len(got.delivered()) == 3, seconds=15)
        # The worker gave up on the fourth request (1 s timeout), so it was tried a fifth time.

    got = receiver.received
    first = got[0].headers["webhook-id"]
    assert [each.headers["webhook-id"] == first for each in got] == [True] * 5 + [False]
    assert [each.verified(secret)["type"] for each in got] == ["conversation.started"] * 5 + [
        "conversation.ended"
    ]
    assert got[3].at - got[2].at >= 0.95  # Retry-After: 1 (backoff alone is at most 0.3 s)
    assert {each.verified(secret)["data"]["conversationId"] for each in got} == {conversation}
    found = nodes(await log(api, key, endpoint_id))
    assert [(node["event"], node["state"], node["attempts"]) for node in found] == [
        ("CONVERSATION_STARTED", "DELIVERED", 5),
        ("CONVERSATION_ENDED", "DELIVERED", 1),
    ]
    attempts = found[0]["attemptLog"]
    assert [attempt["status"] for attempt in attempts] == [503, 500, 429, None, 204]
    assert "no answer within 1 s" in attempts[3]["error"]
    assert attempts[3]["latencyMs"] >= 900


async def test_a_refusal_fails_one_delivery_and_the_next_goes_on(app: Starlette, api: Api) -> None:
    workspace_id, key = await factories.workspace()
    async with receiving(lambda number, _: Answer(400 if number == 1 else 200)) as receiver:
        endpoint_id, _ = await endpoint(
            api, key, receiver.url, events=["CONVERSATION_STARTED", "CONVERSATION_ENDED"]
        )
        async with working(app):
            await chat(api, key, await bot(workspace_id), messages=0)
            await receiver.wait_for(lambda got: len(got.received) == 2)
    found = nodes(await log(api, key, endpoint_id))
    assert [(node["state"], node["attempts"], node["lastStatus"]) for node in found] == [
        ("FAILED", 1, 400),
        ("DELIVERED", 1, 200),
    ]


async def test_an_endpoint_failing_for_the_whole_window_is_disabled_and_the_workspace_told(
    app: Starlette, api: Api
) -> None:
    workspace_id, key = await factories.workspace()
    healthy = True
    async with (
        receiving(
            lambda _, request: Answer(204 if "watch" in request.url.path or healthy else 503)
        ) as receiver,
    ):
        healthy = False
        failing_id, _ = await endpoint(
            api, key, receiver.url, events=["CONVERSATION_STARTED", "CONVERSATION_ENDED"]
        )
        _, watch_secret = await endpoint(
            api, key, receiver.url + "/watch", events=["ENDPOINT_DISABLED"]
        )
        async with working(app, retry_window_seconds=1):
            await chat(api, key, await bot(workspace_id), messages=0)
            await receiver.wait_for(
                lambda got: any("watch" in each.path for each in got.received), seconds=10
            )
            told = next(each for each in receiver.received if "watch" in each.path)
            notice = told.verified(watch_secret)
            assert notice["type"] == "webhook.endpoint_disabled"
            assert notice["data"]["endpointId"] == failing_id
            state = await log(api, key, failing_id)
            assert state["state"] == "FAILING"
            assert "Every attempt failed" in str(state["disabledReason"])
            assert [node["state"] for node in nodes(state)] == ["FAILED", "PENDING"]
            tried = len(receiver.received)
            # Disabled, it is sent nothing; enabled again (the receiver is back), what waited goes.
            healthy = True
            resumed = await api(
                "mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: true) { state } }",
                {"id": failing_id},
                key=key,
            )
            assert resumed.data == {"updateWebhookEndpoint": {"state": "ENABLED"}}
            await receiver.wait_for(lambda got: len(got.delivered()) == 2)
            assert len(receiver.received) == tried + 1
    state = await log(api, key, failing_id)
    assert state["failingSince"] is None
    assert [node["state"] for node in nodes(state)] == ["FAILED", "DELIVERED"]


async def test_redeliver_sends_again_in_order_after_a_cursor(app: Starlette, api: Api) -> None:
    workspace_id, key = await factories.workspace()
    async with receiving() as receiver, working(app, timeout_seconds=SLOW_MACHINE_SECONDS):
        endpoint_id, secret = await endpoint(api, key, receiver.url)
        await chat(api, key, await bot(workspace_id), messages=3)
        await receiver.wait_for(lambda got: len(got.received) == 5)
        second = receiver.received[1].verified(secret)["data"]["cursor"]
        replay = await api(
            """mutation($id: ID!, $after: String!) {
              redeliverWebhooks(endpointId: $id, after: $after) { queued } }""",
            {"id": endpoint_id, "after": second},
            key=key,
        )
        assert replay.data == {"redeliverWebhooks": {"queued": 3}}
        await receiver.wait_for(lambda got: len(got.received) == 8)
        bad = await api(
            'mutation($id: ID!) { redeliverWebhooks(endpointId: $id, after: "nope") { queued } }',
            {"id": endpoint_id},
            key=key,
        )
        assert bad.codes == ["BAD_USER_INPUT"]
    ids = [each.headers["webhook-id"] for each in receiver.received]
    assert ids[5:] == ids[2:5]
    found = nodes(await log(api, key, endpoint_id))
    assert [node["attempts"] for node in found] == [1, 1, 2, 2, 2]


async def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(
    app: Starlette, api: Api
) -> None:
    workspace_id, key = await factories.workspace()
    assistant = await bot(workspace_id)
    rotate = """mutation($id: ID!, $overlap: Int!) {
      rotateWebhookSecret(id: $id, overlapSeconds: $overlap) {
        secret endpoint { previousSecretValidUntil } } }"""
    async with receiving() as receiver, working(app, timeout_seconds=SLOW_MACHINE_SECONDS):
        endpoint_id, old = await endpoint(api, key, receiver.url, events=["CONVERSATION_STARTED"])
        rotated = (await api(rotate, {"id": endpoint_id, "overlap": 3600}, key=key)).data
        new = rotated["rotateWebhookSecret"]["secret"]
        assert new != old
        assert new.startswith("whsec_")
        assert rotated["rotateWebhookSecret"]["endpoint"]["previousSecretValidUntil"]
        await api(START, {"assistant": assistant}, key=key)
        await receiver.wait_for(lambda got: len(got.received) == 1)
        newest = (await api(rotate, {"id": endpoint_id, "overlap": 0}, key=key)).data
        newest_secret = newest["rotateWebhookSecret"]["secret"]
        await api(START, {"assistant": assistant}, key=key)
        await receiver.wait_for(lambda got: len(got.received) == 2)
    during, after = receiver.received
    assert during.verified(old) == during.verified(new)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert after.verified(newest_secret)
    for stale in (old, new):
        with pytest.raises(WebhookVerificationError):
            after.verified(stale)


async def test_redirects_are_not_followed_unless_asked(app: Starlette, api: Api) -> None:
    workspace_id, key = await factories.workspace()

    def schedule(_: int, request: object) -> Answer:
        path = request.url.path  # type: ignore[attr-defined]
        return Answer(204) if path.endswith("/moved") else Answer(307, {"location": "moved"})

    async with receiving(schedule) as receiver, working(app):
        plain_id, _ = await endpoint(
            api, key, receiver.url + "/a/", events=["CONVERSATION_STARTED"]
        )
        await api(START, {"assistant": await bot(workspace_id)}, key=key)
        await receiver.wait_for(lambda got: len(got.received) == 1)
        await api(f'mutation {{ deleteWebhookEndpoint(id: "{plain_id}") }}', key=key)
        follow_id, _ = await endpoint(
            api, key, receiver.url + "/b/", events=["CONVERSATION_STARTED"], follow=True
        )
        await api(START, {"assistant": await bot(workspace_id)}, key=key)
        await receiver.wait_for(lambda got: len(got.received) == 3)
    assert [each.path for each in receiver.received] == ["/hooks/a/", "/hooks/b/", "/hooks/b/moved"]
    followed = nodes(await log(api, key, follow_id))
    assert [(node["state"], node["lastStatus"]) for node in followed] == [("DELIVERED", 204)]


@pytest.fixture
def private_refused(app: Starlette) -> Iterator[None]:
    """The app as it runs on the open internet: PARLEY_WEBHOOK_ALLOW_PRIVATE unset."""
    settings: Settings = app.state.settings
    app.state.settings = dataclasses.replace(
        settings, webhooks=dataclasses.replace(settings.webhooks, allow_private=False)
    )
    yield
    app.state.settings = settings


@pytest.mark.usefixtures("private_refused")
async def test_urls_inside_the_network_are_refused(api: Api) -> None:
    _, key = await factories.workspace()
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "ftp://example.com/hook",
        "https://user:password@example.com/hook",
        "not a url",
    ):
        made = await api(
            """mutation($url: String!) { createWebhookEndpoint(url: $url,
              events: [CONVERSATION_STARTED]) { secret } }""",
            {"url": url},
            key=key,
        )
        assert made.codes == ["BAD_USER_INPUT"], url
        if "example.com" not in url and url != "not a url":  # an address inside the network
            assert "PARLEY_WEBHOOK_ALLOW_PRIVATE=true" in made.errors[0]["message"], url
    assert (await api("{ webhookEndpoints { id } }", key=key)).data == {"webhookEndpoints": []}


async def test_a_name_resolving_inside_the_network_is_refused_when_sending(
    app: Starlette, api: Api
) -> None:
    """What a name resolves to is checked where the connection is made: an endpoint registered
    with a name (here while private addresses were allowed; a public name may later resolve
    inside, as in DNS rebinding) is refused by a worker that does not allow them."""
    workspace_id, key = await factories.workspace()
    async with receiving() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        endpoint_id, _ = await endpoint(
            api, key, f"http://localhost:{port}/hooks", events=["CONVERSATION_STARTED"]
        )
        async with working(app, allow_private=False, retry_window_seconds=0):
            await api(START, {"assistant": await bot(workspace_id)}, key=key)
            began = time.monotonic()
            while time.monotonic() - began < 5:
                found = nodes(await log(api, key, endpoint_id))
                if found and found[0]["state"] != "PENDING":
                    break
                await asyncio.sleep(0.05)
        assert receiver.received == []
    assert found[0]["state"] == "FAILED"
    assert "may not reach" in str(found[0]["lastError"])
    assert "PARLEY_WEBHOOK_ALLOW_PRIVATE=true" in str(found[0]["lastError"])


async def test_metrics_count_attempts(app: Starlette, api: Api) -> None:
    workspace_id, key = await factories.workspace()
    async with receiving() as receiver, working(app, timeout_seconds=SLOW_MACHINE_SECONDS):
        await endpoint(api, key, receiver.url, events=["CONVERSATION_STARTED"])
        await api(START, {"assistant": await bot(workspace_id)}, key=key)
        await receiver.wait_for(lambda got: len(got.received) == 1)
    text = (await api.client.get("/metrics")).text
    assert 'parley_webhook_attempts_total{outcome="delivered"}' in text
    assert "parley_webhook_attempt_seconds_count" in text


def docs_receiver() -> str:
    """The Python receiver of docs/webhooks.md, from its section on verifying a delivery."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "webhooks.md").read_text()
    section = page.split("## Verifying a delivery", 1)[1]
    return section.split("```python\n", 1)[1].split("\n```", 1)[0]


async def test_the_docs_receiver_verifies_a_delivery_and_refuses_a_forgery(
    app: Starlette, api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace_id, key = await factories.workspace()
    async with receiving() as receiver, working(app, timeout_seconds=SLOW_MACHINE_SECONDS):
        _, secret = await endpoint(api, key, receiver.url, events=["CONVERSATION_STARTED"])
        started = await api(START, {"assistant": await bot(workspace_id)}, key=key)
        await receiver.wait_for(lambda got: len(got.received) == 1)
    conversation = started.data["startConversation"]["conversation"]["id"]
    monkeypatch.setenv("PARLEY_WEBHOOK_SECRET", secret)
    namespace: dict[str, Any] = {}
    exec(compile(docs_receiver(), "docs/webhooks.md", "exec"), namespace)  # noqa: S102 (our docs)
    got = receiver.received[0]
    event = namespace["receive"](got.body, got.headers)
    assert event["data"]["conversationId"] == conversation
    assert capsys.readouterr().out == f"conversation.started {conversation}\n"
    forged = got.body.replace(b"conversation.started", b"conversation.ended")
    with pytest.raises(WebhookVerificationError):
        namespace["receive"](forged, got.headers)


async def test_settled_deliveries_leave_the_log_after_a_month_and_pending_ones_stay(
    app: Starlette, api: Api
) -> None:
    workspace_id, key = await factories.workspace()
    assistant = await bot(workspace_id)
    async with receiving(lambda number, _: Answer(204 if number == 1 else 503)) as receiver:
        endpoint_id, _ = await endpoint(api, key, receiver.url, events=["CONVERSATION_STARTED"])
        async with working(app):
            await api(START, {"assistant": assistant}, key=key)
            await receiver.wait_for(lambda got: len(got.received) == 1)
            await api(START, {"assistant": assistant}, key=key)
            await receiver.wait_for(lambda got: len(got.received) >= 2)
    now = datetime.now(UTC)
    assert await forget_old_deliveries(now + timedelta(days=29)) == 0
    assert await forget_old_deliveries(now + timedelta(days=31)) == 1
    assert [node["state"] for node in nodes(await log(api, key, endpoint_id))] == ["PENDING"]
