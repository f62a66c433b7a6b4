"""A badge's later frames are written straight to its socket (schema/frames.py); what a client
receives must be exactly what executing each frame sends: the same messages, for every way of
writing the subscription, with errors, on several operations of one socket, after a complete."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import ANY

from prometheus_client import REGISTRY
from starlette.applications import Starlette

from tests.support.api import Api
from tests.support.live import Desk
from tests.support.ws import Socket, open_socket

DOCUMENTS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "plain": ("subscription { conversationCount }", None),
    "aliased": ("subscription { badge: conversationCount(filter: {types: [TEST]}) }", None),
    "variables": (
        "subscription($f: ConversationFilter) { conversationCount(filter: $f) }",
        {"f": {"types": ["WEB_WIDGET"], "statuses": ["ACTIVE"]}},
    ),
    "directive": (
        "subscription($on: Boolean!) { n: conversationCount @include(if: $on) }",
        {"on": True},
    ),
    "named": ("subscription Badge { n: conversationCount }", None),
    "fragment": (
        "subscription Badge { ...Count } fragment Count on Subscription { c: conversationCount }",
        None,
    ),
    "inline": ("subscription { ... on Subscription { conversationCount } }", None),
    "bad id": ('subscription { conversationCount(filter: {assistantIds: ["nope"]}) }', None),
    "bad variable": (
        "subscription($f: ConversationFilter) { conversationCount(filter: $f) }",
        {"f": {"types": ["PHONE"]}},
    ),
    "completed": ("subscription { conversationCount }", None),
}
SETTLE = 0.6
"""Longer than the tests' count interval (0.2 s): each change is its own frame."""


@contextmanager
def direct_frames_enabled(app: Starlette, enabled: bool) -> Iterator[None]:
    plans = app.state.graphql_view.schema.plans
    before, plans.enabled = plans.enabled, enabled
    try:
        yield
    finally:
        plans.enabled = before


def _written() -> float:
    sample = REGISTRY.get_sample_value("parley_direct_frames_total", {"field": "conversationCount"})
    return sample or 0.0


async def _drain(socket: Socket, received: list[dict[str, Any]]) -> None:
    while True:
        try:
            received.append(await socket.receive(within=SETTLE))
        except TimeoutError:
            return


async def _session(api: Api, server_url: str) -> list[dict[str, Any]]:
    """Everything one socket receives while a fresh workspace's counts change."""
    desk = await Desk.open(api)
    received: list[dict[str, Any]] = []
    async with open_socket(server_url, key=desk.key) as socket:
        for id, (query, variables) in DOCUMENTS.items():
            await socket.subscribe(id, query, variables)
        await _drain(socket, received)
        first, _ = await desk.start("TEST")
        await _drain(socket, received)
        await desk.start("WEB_WIDGET")
        await _drain(socket, received)
        await socket.send({"id": "completed", "type": "complete"})
        await desk.start("TEST")
        await _drain(socket, received)
        await desk.end(first)
        await _drain(socket, received)
    return sorted(received, key=lambda message: message.get("id", ""))  # by operation, in order


async def test_direct_frames_are_the_frames_execution_sends(
    app: Starlette, api: Api, server_url: str
) -> None:
    with direct_frames_enabled(app, False):
        executed = await _session(api, server_url)
    before = _written()
    with direct_frames_enabled(app, True):
        direct = await _session(api, server_url)
    assert direct == executed
    by_id: dict[str, list[Any]] = {}
    for message in executed:
        payload = message.get("payload", message["type"])
        if isinstance(payload, dict):
            payload.pop("extensions")  # the document's cost, the same on every frame
        by_id.setdefault(message["id"], []).append(payload)
    assert by_id["plain"] == [{"data": {"conversationCount": n}} for n in (0, 1, 2, 3)]
    assert by_id["aliased"] == [{"data": {"badge": n}} for n in (0, 1, 2)]  # ended, still TEST
    assert by_id["variables"] == [{"data": {"conversationCount": n}} for n in (0, 1)]
    assert by_id["completed"] == [{"data": {"conversationCount": n}} for n in (0, 1, 2)]
    assert by_id["named"] == [{"data": {"n": n}} for n in (0, 1, 2, 3)]
    assert by_id["bad id"] == [
        {"data": None, "errors": [{"message": "Invalid ID.", "extensions": ANY}]},
        "complete",
    ]
    for refused in ("bad variable", "directive"):  # refused before it runs: one error message
        assert [type(payload) for payload in by_id[refused]] == [list]
    # Every frame after a plain first one went straight to the socket: plain 3, aliased 2,
    # variables 1, fragment 3, inline 3, named 3, completed 2.
    assert _written() - before == 17
