"""ConversationFilter `startedAfter` (inclusive) and `startedBefore` (exclusive), to the
microsecond and honouring offsets; a time without an offset is refused."""

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.filtering import minute, world


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param(
            {"startedAfter": minute(10)}, {"10:00", "10:30", "20:00"}, id="after-inclusive"
        ),
        pytest.param({"startedBefore": minute(10)}, {"00:00"}, id="before-exclusive"),
        pytest.param(
            {"startedAfter": minute(10), "startedBefore": minute(20)},
            {"10:00", "10:30"},
            id="window",
        ),
        pytest.param({"startedAfter": minute(10), "startedBefore": minute(10)}, set(), id="empty"),
        pytest.param(
            {"startedAfter": "2026-11-01T09:10:00.000001Z"}, {"10:30", "20:00"}, id="after-µs"
        ),
        pytest.param(
            {"startedBefore": "2026-11-01T09:10:00.000001Z"}, {"00:00", "10:00"}, id="before-µs"
        ),
        pytest.param(
            {"startedBefore": "2026-11-01T09:10:30Z"}, {"00:00", "10:00"}, id="before-seconds"
        ),
        # 10:10+01:00 is 09:10 UTC: the offset must be honoured, not dropped.
        pytest.param(
            {"startedAfter": "2026-11-01T10:10:00+01:00"},
            {"10:00", "10:30", "20:00"},
            id="after-offset",
        ),
        pytest.param(
            {"startedBefore": "2026-11-01T04:10:30-05:00"}, {"00:00", "10:00"}, id="before-offset"
        ),
    ],
)
async def test_started_after_is_inclusive_and_started_before_exclusive(
    api: Api, where: dict[str, Any], expected: set[str]
) -> None:
    w = await world()
    for name, start in (("00:00", 0), ("10:00", 10), ("10:30", 10.5), ("20:00", 20)):
        await w.add(name, minute=start)
    await w.add_stranger("stranger", minute=10)
    assert await w.find(api, where) == expected


@pytest.mark.parametrize(
    "moment",
    ["2026-11-01T09:10:00", "yesterday", "2026-13-01T00:00:00Z", ""],
    ids=["no offset", "words", "no such month", "empty"],
)
async def test_a_start_time_without_offset_or_unparseable_is_bad_user_input(
    api: Api, moment: str
) -> None:
    w = await world()
    await w.refuse(api, {"startedAfter": moment})
    await w.refuse(api, {"startedBefore": moment})
