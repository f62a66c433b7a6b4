"""The webhook fault test: `parley serve` processes deliver to a real receiver on loopback that
fails, times out and answers 429 on schedule, and one process is killed (SIGKILL) while a request
of its is in flight (on PostgreSQL two processes share the queue; SQLite serves one at a time, so
there a second process is started after the kill). Every event must arrive at least once, in
order per conversation, with a valid signature, and a duplicate must carry the same `webhook-id`.
It prints its figures.
"""

import asyncio
import os
import signal
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from starlette.requests import Request

from resolvers.ids import encode_id
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.receiver import Answer, Receiver, receiving
from tests.support.servers import serving
from tests.support.waiting import bounded
from tests.support.webhooking import chat, endpoint

CONVERSATIONS = 8
MESSAGES = 4
EVENTS = CONVERSATIONS * (MESSAGES + 2)
WORKER_ENV = {
    "PARLEY_WEBHOOKS": "true",
    "PARLEY_WEBHOOK_ALLOW_PRIVATE": "true",
    "PARLEY_WEBHOOK_TIMEOUT_SECONDS": "1",
    "PARLEY_WEBHOOK_FIRST_RETRY_SECONDS": "0.1",
    "PARLEY_WEBHOOK_MAX_RETRY_SECONDS": "0.5",
    "PARLEY_WEBHOOK_POLL_SECONDS": "0.1",
}
KILL_AFTER = 12
"""The first request of the doomed process after this many is held while it is killed."""


def tcp_ports(pid: int) -> set[int]:
    """The local TCP ports of a process's sockets (its fds' inodes matched in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            if columns[9] in inodes:
                ports.add(int(columns[1].rsplit(":", 1)[1], 16))
    return ports


async def deliveries(api: Api, key: str, endpoint_id: str) -> list[dict[str, Any]]:
    log = await api(
        """query($id: ID!) { webhookEndpoint(id: $id) { deliveries(first: 100) {
          edges { node { state attempts attemptLog { status } } } } } }""",
        {"id": endpoint_id},
        key=key,
    )
    return [edge["node"] for edge in log.data["webhookEndpoint"]["deliveries"]["edges"]]


async def all_delivered(api: Api, key: str, endpoint_id: str) -> bool:
    """No delivery left PENDING (the light query a poller can afford)."""
    log = await api(
        """query($id: ID!) { webhookEndpoint(id: $id) {
          deliveries(first: 100, state: PENDING) { edges { node { state } } } } }""",
        {"id": endpoint_id},
        key=key,
    )
    return not log.data["webhookEndpoint"]["deliveries"]["edges"]


async def test_every_event_arrives_in_order_through_failures_and_a_killed_process(
    api: Api, settings: Settings
) -> None:
    doomed: subprocess.Popen[bytes] | None = None
    held = asyncio.Event()

    def schedule(number: int, request: Request) -> Answer:
        client = request.client.port if request.client else 0
        if (
            doomed is not None
            and not held.is_set()
            and number > KILL_AFTER
            and client in tcp_ports(doomed.pid)
        ):
            held.set()
            return Answer(204, hang_seconds=3)  # the process dies while waiting for this
        if number % 11 == 0:
            return Answer(204, hang_seconds=1.5)  # past the sender's 1 s timeout
        if number % 7 == 0:
            return Answer(429, {"retry-after": "1"})
        if number % 5 == 0:
            return Answer(503)
        return Answer(204)

    workspace_id, key = await factories.workspace()
    assistant = encode_id("Assistant", (await factories.assistant(workspace_id)).id)

    async def converse() -> list[str]:
        return list(
            await asyncio.gather(
                *(chat(api, key, assistant, MESSAGES) for _ in range(CONVERSATIONS))
            )
        )

    async def kill_when_held(process: subprocess.Popen[bytes]) -> None:
        async with bounded(30, "a delivery to be held open by the receiver"):
            await held.wait()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=5)

    async def finished(receiver: Receiver) -> None:
        """Every event delivered, and the log saying so: a request answered after its sender's
        timeout counts as failed there and is sent again."""
        await receiver.wait_for(
            lambda got: len({each.headers["webhook-id"] for each in got.delivered()}) == EVENTS,
            seconds=60,
        )
        async with bounded(30, "the delivery log to say every delivery was delivered"):
            while not await all_delivered(api, key, endpoint_id):  # noqa: ASYNC110 (the API is polled)
                await asyncio.sleep(0.25)

    async with receiving(schedule) as receiver:
        endpoint_id, secret = await endpoint(api, key, receiver.url)
        if BACKEND == "postgres":
            # Two workers share the queue while events are written; one is killed mid-request,
            # and its lease runs out (7 s) for the survivor.
            async with (
                serving(settings, env=WORKER_ENV) as (_, first),
                serving(settings, env=WORKER_ENV) as (_, second),
            ):
                doomed = first
                conversations = await converse()
                await kill_when_held(first)
                await finished(receiver)
                assert second.poll() is None
        else:
            # SQLite serves one process at a time (`--workers` needs PostgreSQL): the process
            # is killed mid-request, and the one started after it finishes the work.
            conversations = await converse()
            async with serving(settings, env=WORKER_ENV) as (_, first):
                doomed = first
                await kill_when_held(first)
            async with serving(settings, env=WORKER_ENV):
                await finished(receiver)

    bodies = [(each, each.verified(secret)) for each in receiver.received]  # every signature
    first_arrivals: dict[str, list[str]] = defaultdict(list)
    event_of_id: dict[str, str] = {}
    seen: set[str] = set()
    for each, body in bodies:
        webhook_id = each.headers["webhook-id"]
        event = f"{body['type']}@{body['data']['cursor']}"
        assert event_of_id.setdefault(webhook_id, event) == event  # one id, one event
        if webhook_id not in seen and 200 <= each.answered < 300:
            seen.add(webhook_id)
            first_arrivals[body["data"]["conversationId"]].append(body["type"])
    expected = ["conversation.started"] + ["message.added"] * MESSAGES + ["conversation.ended"]
    assert set(first_arrivals) == set(conversations)
    for conversation in conversations:
        assert first_arrivals[conversation] == expected, conversation
    delivered_ids = [each.headers["webhook-id"] for each in receiver.delivered()]
    duplicates = len(delivered_ids) - len(set(delivered_ids))
    retries = sum(1 for each in receiver.received if not 200 <= each.answered < 300)
    nodes = await deliveries(api, key, endpoint_id)
    assert len(nodes) == EVENTS
    abandoned = sum(node["attempts"] - len(node["attemptLog"]) for node in nodes)
    lost = EVENTS - len(set(delivered_ids))
    print(
        f"webhook faults: events {EVENTS}, requests {len(receiver.received)}, "
        f"deliveries {len(delivered_ids)}, retries {retries}, duplicates by id {duplicates}, "
        f"abandoned by the killed process {abandoned}, lost: {lost}"
    )
    assert lost == 0
    assert {node["state"] for node in nodes} == {"DELIVERED"}
    assert abandoned >= 1  # the held request's attempt was never recorded by its sender
    assert retries >= 5
