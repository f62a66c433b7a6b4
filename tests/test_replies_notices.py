"""How a reply board tells the other processes: pieces taken while a notice is on its way share
the next one, in order and within PostgreSQL's payload bound, and the boards that hear them hold
exactly the text written; watchers on the writing process are handed each piece at once. A
reply is written down only every half of the quiet-reply timeout unless a board that watches
it fell behind its pieces and asks; an abandoned reply keeps the text the processes heard."""

import asyncio
from datetime import timedelta
from typing import Any

from models import Message
from resolvers.limits.bounds import Bounds
from resolvers.replies import abandon_quiet_replies, reply_of
from subscriptions.relay import NOTICE_BYTES
from subscriptions.replies import Chunk, Delta, ReplyBoard
from tests.support.api import Api
from tests.support.live import Desk
from tests.support.replies import Reply

BOUNDS = Bounds(max_message_length=100_000)


class Wire:
    """PostgreSQL's NOTIFY between two boards, a round trip taking a millisecond."""

    def __init__(self) -> None:
        self.payloads: list[str] = []
        self.hearing = ReplyBoard()
        self.boards: list[ReplyBoard] = []
        """Who hears besides `hearing` (a board hears its own notices too)."""
        self.cut = False

    async def publish(self, payload: str) -> None:
        await asyncio.sleep(0.001)
        assert len(payload.encode()) < NOTICE_BYTES
        self.payloads.append(payload)
        for board in [self.hearing, *self.boards]:
            if not (self.cut and board is self.hearing):
                board.heard(payload)


def _opened(board: ReplyBoard, message_id: int, text: str) -> None:
    board.apply(Delta(1, message_id, message_id, 2, 0, text))


def _text(board: ReplyBoard, message_id: int) -> str | None:
    held = board.text_of(message_id)
    return None if held is None else held[0]


async def test_pieces_taken_meanwhile_share_a_notice_in_order() -> None:
    wire = Wire()
    board = ReplyBoard(wire.publish)
    handed: list[Chunk] = []
    board.watch(7, handed.append)
    heard: list[Chunk] = []
    wire.hearing.watch(7, heard.append)
    wire.hearing.watch(8, heard.append)
    for message_id in (7, 8):
        _opened(board, message_id, "<")
        _opened(wire.hearing, message_id, "<")
    lengths = {7: 1, 8: 1}
    for n in range(300):
        for message_id in (7, 8):
            piece = f"{message_id}:{n} "
            lengths[message_id] = await board.append(
                1, message_id, lengths[message_id], piece, BOUNDS
            )
        assert handed[-1].text == f"7:{n} "  # at once, here
        if n % 50 == 0:
            await asyncio.sleep(0.002)
    await board.sent()
    for message_id in (7, 8):
        expected = "<" + "".join(f"{message_id}:{n} " for n in range(300))
        assert _text(wire.hearing, message_id) == _text(board, message_id) == expected
    assert len(wire.payloads) < 60  # not 600
    rebuilt = {7: "", 8: ""}
    for chunk in heard:
        assert chunk.offset == len(rebuilt[chunk.message_id])  # no gap, no repeat
        rebuilt[chunk.message_id] += chunk.text
    assert rebuilt[7] == _text(board, 7)
    assert rebuilt[8] == _text(board, 8)


async def test_long_pieces_are_split_within_the_payload_bound() -> None:
    wire = Wire()
    board = ReplyBoard(wire.publish)
    _opened(board, 9, "")
    _opened(wire.hearing, 9, "")
    text = "\u0001é€😀" * 2000  # six bytes in JSON, two, three and four in UTF-8
    length = 0
    for start in range(0, len(text), 700):
        length = await board.append(1, 9, length, text[start : start + 700], BOUNDS)
    await board.sent()
    assert _text(wire.hearing, 9) == text
    assert len(wire.payloads) > 1


async def test_a_board_behind_asks_for_a_checkpoint_and_catches_up(api: Api) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    opened = await Reply.open(api, desk.key, conversation)
    message = await reply_of(desk.workspace_id, opened.pk)
    bounds = Bounds(reply_timeout_seconds=3600)
    wire = Wire()
    writer = ReplyBoard(wire.publish)
    wire.hearing = ReplyBoard(wire.publish)
    wire.boards = [writer]
    behind = wire.hearing
    writer.seed(message, desk.workspace_id)
    wire.cut = True  # the other board is not listening yet
    length = 0
    for n in range(20):
        length = await writer.append(desk.workspace_id, opened.pk, length, f"w{n} ", bounds)
    await writer.sent()
    assert (await Message.get(id=opened.pk)).content == ""  # streaming, heard: not written down
    wire.cut = False
    handed: list[Chunk] = []
    behind.watch(message.conversation_id, handed.append)
    behind.seed(await reply_of(desk.workspace_id, opened.pk), desk.workspace_id)  # as a watcher
    for n in range(20, 45):  # 2.5 s: a checkpoint at most every CHECKPOINT_SECONDS
        length = await writer.append(desk.workspace_id, opened.pk, length, f"w{n} ", bounds)
        await writer.sent()
        await asyncio.sleep(0.1)
    expected = "".join(f"w{n} " for n in range(45))
    assert _text(behind, opened.pk) == expected  # it asked, the writer wrote it down, it read it
    assert (await Message.get(id=opened.pk)).content.startswith("w0 w1 ")
    assert "".join(chunk.text for chunk in handed) == expected


async def test_an_abandoned_reply_keeps_the_text_its_processes_heard(api: Api, app: Any) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    reply = await Reply.open(api, desk.key, conversation)
    await reply.append("Heard but never ")
    await reply.append("written down")
    assert (await Message.get(id=reply.pk)).content == ""
    assert await abandon_quiet_replies(timedelta(seconds=30)) == []  # pieces came just now
    await asyncio.sleep(0.05)
    assert await abandon_quiet_replies(timedelta(seconds=0.01)) == [reply.pk]
    kept = await Message.get(id=reply.pk)
    assert (kept.state.value, kept.content) == ("INCOMPLETE", "Heard but never written down")
