"""How a reply board tells the other processes: pieces taken while a notice is on its way share
the next one, in order and within PostgreSQL's payload bound, and the boards that hear them hold
exactly the text written; watchers on the writing process are handed each piece at once."""

import asyncio

from resolvers.limits.bounds import Bounds
from subscriptions.replies import NOTICE_BYTES, Chunk, Delta, ReplyBoard

BOUNDS = Bounds(max_message_length=100_000)


class Wire:
    """PostgreSQL's NOTIFY between two boards, a round trip taking a millisecond."""

    def __init__(self) -> None:
        self.payloads: list[str] = []
        self.hearing = ReplyBoard()

    async def publish(self, payload: str) -> None:
        await asyncio.sleep(0.001)
        assert len(payload.encode()) < NOTICE_BYTES
        self.payloads.append(payload)
        self.hearing.heard(payload)


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
