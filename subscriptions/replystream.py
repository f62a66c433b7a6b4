"""What a watcher of a conversation's streamed replies is handed (`replyChunks`): the text so far
of each reply streaming now, then its pieces from the reply board (subscriptions/replies.py),
and each reply's end with its event, never a gap or a repeat."""

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable

from models import Conversation
from models.enums import ConversationStatus, EventKind, MessageState
from resolvers.replies import streaming_replies
from subscriptions.feed import EventFeed, EventRow
from subscriptions.replies import Chunk, ReplyBoard

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
