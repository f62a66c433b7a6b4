"""Streamed replies live: each process keeps the text of the replies streaming now, and hands
whoever watches a conversation the text so far and then what follows, in order.

A piece of a reply (a `Delta`) says where it starts, in characters, so the board applies only
what continues what it holds: a repeated piece changes nothing and no piece is applied twice or
out of turn. PostgreSQL carries pieces between processes on the `parley_replies` NOTIFY channel
(SQLite serves one process, whose board hears its own); a NOTIFY is not a write, so a reply costs
the database only its opening, a checkpoint now and then and its end (resolvers/replies.py).
Watchers on the process that takes a piece are handed it at once; the other processes hear it
in a notice that carries, in order, every piece and checkpoint taken meanwhile (relay.py). A
board that missed pieces (it was not listening when they were sent) stops at the gap, asks for a
checkpoint and catches up from it, whose notice tells it to read the text from the database;
whoever watches then continues from where it stopped, never with a gap or a repeat. Whoever
watches follows the board through `reply_stream` (subscriptions/replystream.py).
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from models import Message
from models.enums import MessageState
from resolvers.errors import Conflict, NotFound
from resolvers.limits.bounds import Bounds
from resolvers.replies import (
    CHECKPOINT_SECONDS,
    check_append,
    checkpoint_reply,
    checkpoint_seconds,
    reply_of,
)
from subscriptions.relay import MAX_NOTICE_CHARACTERS, Publish, Relay

logger = logging.getLogger("parley.replies")

CHANNEL = "parley_replies"
"""The PostgreSQL NOTIFY channel of replies' pieces and checkpoints (JSON payloads)."""
MAX_REPLIES = 10_000
"""Replies one board keeps at once; past it the longest quiet goes (it is read again when
needed)."""
FORGET_SECONDS = 600.0
"""A reply no piece came for in this long is forgotten (it was abandoned, or it ended while this
process was not listening); it is read again if anyone asks."""
CATCH_UP_SECONDS = 2.0
"""How long an append that starts past what this process has heard waits for the pieces before
it (sent through another process a moment ago) before it is refused."""


@dataclass(frozen=True)
class Delta:
    """A piece of a reply: `text` at `offset` (characters)."""

    workspace_id: int
    conversation_id: int
    message_id: int
    sequence: int
    offset: int
    text: str
    first_token_at: float | None = None
    """When its first text came (epoch seconds), carried with the piece that brought it."""


@dataclass(frozen=True)
class Chunk:
    """What a watcher is handed: a piece to add at `offset`, or, at offset 0, the whole text so
    far (which replaces what it showed); `state` other than STREAMING: the reply has ended, and
    `text` is its whole final text."""

    message_id: int
    sequence: int
    offset: int
    text: str
    state: MessageState


Watcher = Callable[[Chunk], None]


@dataclass
class _Reply:
    workspace_id: int
    conversation_id: int
    message_id: int
    sequence: int
    parts: list[str] = field(default_factory=list)
    length: int = 0
    first_token_at: float | None = None
    checkpointed: float = field(default_factory=time.monotonic)
    touched: float = field(default_factory=time.monotonic)
    wanted: bool = False
    """A process that watches it fell behind its pieces and asked for a checkpoint."""

    @property
    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""


class ReplyBoard:
    def __init__(self, publish: Publish | None = None) -> None:
        """`publish`: how other processes are told; None with one process (SQLite)."""
        self._relay = None if publish is None else Relay(publish)
        self._replies: dict[int, _Reply] = {}
        self._watchers: dict[int, set[Watcher]] = {}
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._asked: dict[int, float] = {}
        """When this board last asked for a checkpoint of a reply, by its id."""

    # What a process is told.

    def apply(self, delta: Delta) -> bool:
        """Adds the piece if it continues the reply (a reply new to this board starts at 0);
        False, changing nothing, for a repeat or a piece past a gap."""
        reply = self._replies.get(delta.message_id)
        if reply is None:
            if delta.offset != 0:
                self._behind(delta)  # its beginning was sent before this board listened
                return False
            reply = self._keep(
                _Reply(delta.workspace_id, delta.conversation_id, delta.message_id, delta.sequence)
            )
        if delta.offset != reply.length:
            if delta.offset > reply.length:
                self._behind(delta)
            return False
        reply.parts.append(delta.text)
        reply.length += len(delta.text)
        reply.touched = time.monotonic()
        if reply.first_token_at is None:
            reply.first_token_at = delta.first_token_at
        self._tell(
            reply.conversation_id,
            Chunk(
                reply.message_id,
                reply.sequence,
                delta.offset,
                delta.text,
                MessageState.STREAMING,
            ),
        )
        for waiter in self._waiters.pop(reply.message_id, []):
            if not waiter.done():
                waiter.set_result(None)
        return True

    def seed(self, message: Message, workspace_id: int) -> _Reply:
        """What a streaming reply's row holds (its latest checkpoint), for a board that has less
        of it: whoever watches is handed what it adds."""
        reply = self._replies.get(message.id)
        if reply is None:
            reply = self._keep(
                _Reply(workspace_id, message.conversation_id, message.id, message.sequence)
            )
        if len(message.content) > reply.length:
            self.apply(
                Delta(
                    workspace_id,
                    message.conversation_id,
                    message.id,
                    message.sequence,
                    reply.length,
                    message.content[reply.length :],
                )
            )
        return reply

    def ended(self, message: Message) -> None:
        """The reply is final: the board forgets it (watchers hear of its end with its event,
        in order with the conversation's other events)."""
        self._replies.pop(message.id, None)
        for waiter in self._waiters.pop(message.id, []):
            if not waiter.done():
                waiter.set_exception(Conflict(f"This reply has ended ({message.state.value})."))

    def heard(self, payload: str) -> None:
        """A notice from another process (or this one's own, which changes nothing)."""
        try:
            notice = json.loads(payload)
            for item in notice["n"] if notice["k"] == "b" else [notice]:
                self._heard(item)
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring a malformed reply notice")

    def _heard(self, notice: dict[str, Any]) -> None:
        if notice["k"] == "d":
            self.apply(
                Delta(
                    notice["w"],
                    notice["c"],
                    notice["m"],
                    notice["s"],
                    notice["o"],
                    notice["t"],
                    notice.get("f"),
                )
            )
        elif notice["k"] == "c":
            self._checkpointed(notice["w"], notice["m"], notice["n"])
        elif notice["k"] == "w":
            reply = self._replies.get(notice["m"])
            if reply is not None and reply.workspace_id == notice["w"]:
                reply.wanted = True  # whichever process takes its next piece writes it down

    def _behind(self, delta: Delta) -> None:
        """A piece past what this board holds: if someone here watches the reply, the process
        that takes its next piece is asked for a checkpoint (at most every CHECKPOINT_SECONDS)."""
        if delta.conversation_id not in self._watchers:
            return
        now = time.monotonic()
        if now - self._asked.get(delta.message_id, -CHECKPOINT_SECONDS) < CHECKPOINT_SECONDS:
            return
        if len(self._asked) >= MAX_REPLIES:
            self._asked.clear()
        self._asked[delta.message_id] = now
        self._post({"k": "w", "w": delta.workspace_id, "m": delta.message_id})

    def _checkpointed(self, workspace_id: int, message_id: int, length: int) -> None:
        reply = self._replies.get(message_id)
        if reply is None:
            return
        reply.checkpointed = time.monotonic()
        reply.wanted = False
        if reply.length < length and reply.conversation_id in self._watchers:
            task = asyncio.get_running_loop().create_task(self._catch_up(workspace_id, message_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _catch_up(self, workspace_id: int, message_id: int) -> None:
        try:
            message = await reply_of(workspace_id, message_id)
        except NotFound:
            return  # erased meanwhile
        except Exception:
            logger.exception("reading a reply's checkpoint failed; the next one tries again")
            return
        if message.state is MessageState.STREAMING:
            self.seed(message, workspace_id)

    # What a process does.

    async def append(
        self, workspace_id: int, message_id: int, offset: int, text: str, bounds: Bounds
    ) -> int:
        """Adds `text` at `offset` to a streaming reply of the workspace and tells every process;
        returns the reply's length. The same piece again changes nothing (a retry); a piece that
        starts past the reply's end waits a moment for the pieces before it, then is refused."""
        check_append(offset, text, bounds)
        reply = await self._held(workspace_id, message_id)
        if offset > reply.length:
            await self._wait_for(reply, offset)
        # From here to the notice nothing awaits: the piece is checked and applied at once.
        end = offset + len(text)
        if end <= reply.length:
            if reply.text[offset:end] != text:
                raise Conflict(
                    "The reply holds other text there.", length=reply.length, offset=offset
                )
            return reply.length
        known = reply.text[offset:]
        if not text.startswith(known):
            raise Conflict("The reply holds other text there.", length=reply.length, offset=offset)
        fresh = text[len(known) :]
        first = time.time() if reply.first_token_at is None else None
        pieces = [
            Delta(
                workspace_id,
                reply.conversation_id,
                message_id,
                reply.sequence,
                reply.length + start,
                fresh[start : start + MAX_NOTICE_CHARACTERS],
                first if start == 0 else None,
            )
            for start in range(0, len(fresh), MAX_NOTICE_CHARACTERS)
        ]
        for piece in pieces:
            self.apply(piece)
            self._post(_notice(piece))
        if time.monotonic() - reply.checkpointed >= checkpoint_seconds(bounds, reply.wanted):
            await self.checkpoint(reply)
        return reply.length

    async def checkpoint(self, reply: _Reply) -> None:
        reply.checkpointed = time.monotonic()
        reply.wanted = False
        length = reply.length
        await checkpoint_reply(reply.message_id, reply.text)
        self._post({"k": "c", "w": reply.workspace_id, "m": reply.message_id, "n": length})

    # How the other processes are told.

    def _post(self, notice: dict[str, object]) -> None:
        if self._relay is not None:
            self._relay.post(notice)

    async def sent(self) -> None:
        """Returns once every notice posted so far has been sent."""
        if self._relay is not None:
            await self._relay.sent()

    async def heard_up_to(self, workspace_id: int, message_id: int, length: int) -> None:
        """Returns once this board holds `length` characters of the reply (waiting a moment for
        pieces sent through another process); CONFLICT if it does not by then."""
        try:
            reply = await self._held(workspace_id, message_id)
        except Conflict:
            return  # ended already: finishing it says how
        await self._wait_for(reply, length)

    async def _held(self, workspace_id: int, message_id: int) -> _Reply:
        """A streaming reply of the workspace as this board holds it, read from its row if the
        board had not heard of it; CONFLICT once it has ended, NOT_FOUND for another
        workspace's."""
        reply = self._replies.get(message_id)
        if reply is None:
            message = await reply_of(workspace_id, message_id)
            if message.state is not MessageState.STREAMING:
                raise Conflict(f"This reply has ended ({message.state.value}).")
            reply = self.seed(message, workspace_id)
        if reply.workspace_id != workspace_id:
            raise NotFound("Reply not found.")
        return reply

    def heard_of(self, message_id: int) -> tuple[str, float] | None:
        """What this board holds of a reply: its text, and how many seconds ago its last piece
        came (resolvers/replies.py `Held`)."""
        reply = self._replies.get(message_id)
        if reply is None:
            return None
        return reply.text, time.monotonic() - reply.touched

    def text_of(self, message_id: int) -> tuple[str, datetime | None] | None:
        """What this board holds of a reply: its text and when its first text came."""
        reply = self._replies.get(message_id)
        if reply is None:
            return None
        first = reply.first_token_at
        return reply.text, None if first is None else datetime.fromtimestamp(first, UTC)

    async def _wait_for(self, reply: _Reply, length: int) -> None:
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while reply.length < length:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Conflict(
                    f"The reply holds {reply.length} characters: append at that offset.",
                    length=reply.length,
                )
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(reply.message_id, []).append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                continue

    # Who watches.

    def watch(self, conversation_id: int, watcher: Watcher) -> Callable[[], None]:
        """Hands `watcher` every piece of the conversation's replies from now on; returns the call
        that stops it."""
        self._watchers.setdefault(conversation_id, set()).add(watcher)

        def stop() -> None:
            found = self._watchers.get(conversation_id)
            if found is not None:
                found.discard(watcher)
                if not found:
                    del self._watchers[conversation_id]

        return stop

    def snapshot(self, message_id: int) -> Chunk | None:
        """The whole text so far of a reply this board holds, as a chunk at offset 0."""
        reply = self._replies.get(message_id)
        if reply is None:
            return None
        return Chunk(reply.message_id, reply.sequence, 0, reply.text, MessageState.STREAMING)

    def _tell(self, conversation_id: int, chunk: Chunk) -> None:
        for watcher in list(self._watchers.get(conversation_id, ())):
            watcher(chunk)

    def _keep(self, reply: _Reply) -> _Reply:
        self.forget_quiet(FORGET_SECONDS)
        if len(self._replies) >= MAX_REPLIES:
            quietest = min(self._replies.values(), key=lambda kept: kept.touched)
            del self._replies[quietest.message_id]
        self._replies[reply.message_id] = reply
        return reply

    def forget_quiet(self, quiet_for: float) -> None:
        """Forgets replies quiet for longer than `quiet_for` seconds (abandoned, or ended while
        this board was not listening)."""
        now = time.monotonic()
        for message_id in [
            pk for pk, reply in self._replies.items() if now - reply.touched > quiet_for
        ]:
            del self._replies[message_id]

    @property
    def replies(self) -> int:
        return len(self._replies)


def _notice(delta: Delta) -> dict[str, object]:
    payload: dict[str, object] = {
        "k": "d",
        "w": delta.workspace_id,
        "c": delta.conversation_id,
        "m": delta.message_id,
        "s": delta.sequence,
        "o": delta.offset,
        "t": delta.text,
    }
    if delta.first_token_at is not None:
        payload["f"] = delta.first_token_at
    return payload
