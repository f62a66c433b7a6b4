"""Streamed replies live: each process keeps the text of the replies streaming now, and hands
whoever watches a conversation the text so far and then what follows, in order.

A piece of a reply (a `Delta`) says where it starts, in characters, so the board applies only
what continues what it holds: a repeated piece changes nothing and no piece is applied twice or
out of turn. PostgreSQL carries pieces between processes on the `parley_replies` NOTIFY channel
(SQLite serves one process, whose board hears its own); a NOTIFY is not a write, so a reply costs
the database only its opening, a checkpoint every few seconds and its end (resolvers/replies.py).
Watchers on the process that takes a piece are handed it at once; the other processes hear it in
a notice that carries, in order, every piece and checkpoint taken meanwhile (one sender per
process, at most one notice every `NOTICE_LINGER_SECONDS` while pieces keep coming).
A board that missed pieces (it was not listening when they were sent) stops at the gap and
catches up from the next checkpoint, whose notice tells it to read the text from the database;
whoever watches then continues from where it stopped, never with a gap or a repeat.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from models import Conversation, Message
from models.enums import ConversationStatus, EventKind, MessageState
from resolvers.errors import Conflict, NotFound
from resolvers.limits.bounds import Bounds
from resolvers.replies import (
    CHECKPOINT_SECONDS,
    check_append,
    checkpoint_reply,
    checkpoint_seconds,
    reply_of,
    streaming_replies,
)
from subscriptions.feed import EventFeed, EventRow

logger = logging.getLogger("parley.replies")

CHANNEL = "parley_replies"
"""The PostgreSQL NOTIFY channel of replies' pieces and checkpoints (JSON payloads)."""
MAX_NOTICE_CHARACTERS = 1200
"""Characters of one notice's text: a NOTIFY payload holds under 8,000 bytes, and a character
takes up to six of them in JSON (a control character's escape; four in UTF-8)."""
NOTICE_BYTES = 7_900
"""Bytes of one NOTIFY payload at most (PostgreSQL refuses 8,000 and more)."""
NOTICE_LINGER_SECONDS = 0.005
"""While pieces keep coming, a notice waits this long after the one before it, so pieces of
every reply taken meanwhile share it: a few milliseconds more between processes, one NOTIFY
round trip for many pieces instead of one each."""
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


Publish = Callable[[str], Awaitable[None]]
"""Sends a notice to every process (PostgreSQL's NOTIFY)."""


class ReplyBoard:
    def __init__(self, publish: Publish | None = None) -> None:
        """`publish`: how other processes are told; None with one process (SQLite)."""
        self._publish = publish
        self._outbox: list[dict[str, object]] = []
        self._sending: asyncio.Task[None] | None = None
        self._sent_at = 0.0
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
        """Sends `notice` after those posted before it, in the next notice out."""
        if self._publish is None:
            return
        self._outbox.append(notice)
        if self._sending is None:
            self._sending = asyncio.get_running_loop().create_task(self._send(self._publish))

    async def _send(self, publish: Publish) -> None:
        try:
            while self._outbox:
                wait = self._sent_at + NOTICE_LINGER_SECONDS - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._sent_at = time.monotonic()
                posted, self._outbox = self._outbox, []
                for payload in _payloads(posted):
                    try:
                        await publish(payload)
                    except Exception:
                        # Who missed these pieces stops at the gap and reads the next checkpoint.
                        logger.exception("sending a reply notice failed")
        finally:
            self._sending = None

    async def sent(self) -> None:
        """Returns once every notice posted so far has been sent."""
        while (sending := self._sending) is not None:
            await asyncio.shield(sending)

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


def _payloads(posted: list[dict[str, object]]) -> list[str]:
    """The notices, in order, in as few payloads as `NOTICE_BYTES` allows: a piece that continues
    the one before it (same reply) joins it, up to `MAX_NOTICE_CHARACTERS`, and several go in
    one batch (`{"k": "b", "n": [...]}`)."""
    joined: list[dict[str, object]] = []
    for notice in posted:
        last = joined[-1] if joined else None
        if (
            last is not None
            and notice["k"] == "d" == last["k"]
            and notice["m"] == last["m"]
            and "f" not in notice
            and isinstance(text := notice["t"], str)
            and isinstance(before := last["t"], str)
            and isinstance(offset := last["o"], int)
            and notice["o"] == offset + len(before)
            and len(before) + len(text) <= MAX_NOTICE_CHARACTERS
        ):
            joined[-1] = {**last, "t": before + text}
        else:
            joined.append(notice)
    payloads: list[str] = []
    batch: list[str] = []
    size = 0
    for notice in joined:
        encoded = json.dumps(notice, ensure_ascii=False, separators=(",", ":"))
        length = len(encoded.encode())
        if batch and size + length + 1 > NOTICE_BYTES - len(_BATCH) - 2:
            payloads.append(_batched(batch))
            batch, size = [], 0
        batch.append(encoded)
        size += length + 1
    if batch:
        payloads.append(_batched(batch))
    return payloads


_BATCH = '{"k":"b","n":[]}'


def _batched(encoded: list[str]) -> str:
    return encoded[0] if len(encoded) == 1 else '{"k":"b","n":[' + ",".join(encoded) + "]}"


MAX_BEHIND = 1000
"""Chunks and events a watcher may fall behind before it is closed (it watches again and is
handed the text so far)."""
_KINDS = {EventKind.REPLY_STARTED, EventKind.REPLY_FINISHED, EventKind.ENDED, EventKind.ERASED}


async def reply_stream(
    feed: EventFeed,
    board: ReplyBoard,
    workspace_id: int,
    conversation_id: int,
    on_overflow: Callable[[], None],
) -> AsyncGenerator[Chunk, None]:
    """The conversation's replies as they are written: each streaming one's text so far, then
    its pieces, each reply's last chunk (final text and state) with its event, and replies
    opened later likewise; ends when the conversation ends.

    It watches the board and the event feed before it reads what streams now, so nothing falls
    between; a watcher is handed each reply's text once, in order (`_Shown`)."""
    arrived: asyncio.Queue[Chunk | list[EventRow]] = asyncio.Queue(MAX_BEHIND)

    def put(item: Chunk | list[EventRow]) -> None:
        try:
            arrived.put_nowait(item)
        except asyncio.QueueFull:
            on_overflow()

    listener = await feed.listen(
        workspace_id, lambda row: row.kind in _KINDS, on_overflow, conversation_id=conversation_id
    )
    stop = board.watch(conversation_id, put)

    async def events() -> None:
        while True:
            put(await listener.next_batch())

    reading = asyncio.create_task(events())
    try:
        conversation = await Conversation.get_or_none(id=conversation_id)
        if conversation is None or conversation.status is ConversationStatus.ENDED:
            return  # its replies ended with it (listening first: an end now comes as an event)
        shown = _Shown()
        for message in await streaming_replies(conversation_id):
            board.seed(message, workspace_id)
            snapshot = board.snapshot(message.id)
            assert snapshot is not None
            yield shown.first(snapshot)
        while True:
            item = await arrived.get()
            if isinstance(item, Chunk):
                if (chunk := shown.continuing(item)) is not None:
                    yield chunk
                continue
            for row in item:
                if row.kind in (EventKind.ENDED, EventKind.ERASED):
                    return
                if row.message is not None and (chunk := shown.event(row)) is not None:
                    yield chunk
    finally:
        stop()
        reading.cancel()
        listener.close()
        with contextlib.suppress(asyncio.CancelledError):
            await reading


class _Shown:
    """How much of each reply a watcher was handed: what continues it is handed next."""

    def __init__(self) -> None:
        self._lengths: dict[int, int] = {}

    def first(self, chunk: Chunk) -> Chunk:
        self._lengths[chunk.message_id] = len(chunk.text)
        return chunk

    def continuing(self, chunk: Chunk) -> Chunk | None:
        shown = self._lengths.get(chunk.message_id)
        if shown is None:
            return self.first(chunk) if chunk.offset == 0 else None
        end = chunk.offset + len(chunk.text)
        if end <= shown or chunk.offset > shown:
            return None  # handed already, or (never from the board) past a gap
        self._lengths[chunk.message_id] = end
        return Chunk(
            chunk.message_id, chunk.sequence, shown, chunk.text[shown - chunk.offset :], chunk.state
        )

    def event(self, row: EventRow) -> Chunk | None:
        message = row.message
        assert message is not None
        if row.kind is EventKind.REPLY_STARTED:
            if message.id in self._lengths:
                return None
            return self.first(Chunk(message.id, message.sequence, 0, "", MessageState.STREAMING))
        if row.kind is EventKind.REPLY_FINISHED:
            self._lengths[message.id] = -1  # ended: nothing more of it
            return Chunk(message.id, message.sequence, 0, message.content, message.state)
        return None
