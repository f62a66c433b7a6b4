"""`parley engine` in a process of its own: it hears of turns queued by the serving process
(PostgreSQL's NOTIFY), streams its replies to watchers there, and when it is killed mid-reply
its turn is failed within its lease by another engine, never answered twice."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from starlette.applications import Starlette

from models import Turn
from models.enums import TurnState
from server.settings import PROJECT_ROOT, Settings
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.engine import Chat, engine_running
from tests.support.model_server import Answer, ModelServer, model_server
from tests.support.replies import CHUNKS, chunks_until
from tests.support.waiting import bounded
from tests.support.ws import open_socket

pytestmark = [
    pytest.mark.heavy,  # processes killed on purpose: once, on the PostgreSQL leg
    pytest.mark.skipif(BACKEND != "postgres", reason="`parley engine` needs PostgreSQL"),
]
LEASE_SECONDS = 3


@asynccontextmanager
async def engine_apart(
    settings: Settings, provider: ModelServer
) -> AsyncIterator["subprocess.Popen[bytes]"]:
    """`parley engine` against the test database and the provider on loopback."""
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database.url,
        "OPENAI_BASE_URL": provider.url,
        "OPENAI_API_KEY": "sk-test",
        "PARLEY_ENGINE_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    process = subprocess.Popen(  # noqa: ASYNC220 (an engine for the whole test)
        [sys.executable, "-m", "server.cli", "engine"],
        env=environment,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        async with bounded(30, "parley engine to start"):
            line = await asyncio.to_thread(process.stdout.readline)
        assert b"answering turns" in line, line
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


async def test_an_engine_apart_answers_and_one_killed_mid_reply_is_failed_not_repeated(
    api: Api, app: Starlette, settings: Settings, server_url: str
) -> None:
    chat = await Chat.open(api)
    async with (
        model_server() as provider,
        open_socket(server_url, key=chat.token) as widget,
    ):
        await widget.subscribe("r", CHUNKS, {"id": chat.conversation})
        async with engine_apart(settings, provider) as engine:
            # Answered by the other process, streamed to the watcher on this one.
            provider.expect(Answer(["Hello ", "from ", "apart."], delay=0.05))
            await chat.say("Hello?")
            await chunks_until(widget, "r", "Hello from apart.")
            finished = (await widget.next("r"))["replyChunks"]
            assert (finished["state"], finished["text"]) == ("COMPLETE", "Hello from apart.")
            # Killed while it writes the next reply.
            provider.expect(Answer([f"word{n} " for n in range(100)], delay=0.1))
            await chat.say("Tell me more.")
            await chunks_until(widget, "r", "word0 word1 ", shown="")
            engine.send_signal(signal.SIGKILL)
            engine.wait(timeout=10)
            killed_at = time.monotonic()
        # Another engine finds the turn whose lease ran out: failed, with its reply.
        async with engine_running(app, settings, provider, lease_seconds=LEASE_SECONDS):
            async with bounded(30, "the killed process's turn to be failed"):
                while await Turn.filter(state=TurnState.RUNNING).exists():  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            failed_within = time.monotonic() - killed_at
            await asyncio.sleep(1)  # anything answered twice would be on its way by now
        provider.release()
    replies = await chat.replies()
    assert [reply["state"] for reply in replies] == ["COMPLETE", "FAILED"]
    assert replies[1]["content"].startswith("word0 word1 ")  # what was written is kept
    assert len(provider.requests) == 2  # the killed turn was not sent again
    assert failed_within <= 30
    turns = await Turn.all().order_by("id")
    assert [turn.state for turn in turns] == [TurnState.DONE, TurnState.FAILED]
