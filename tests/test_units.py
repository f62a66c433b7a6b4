"""The small pure pieces everything else leans on."""

import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.enums import ConversationStatus, ConversationType, Handling, WebhookEvent
from models.money import InexactMoneyError, ceil_units, floor_units, from_units, to_units
from resolvers.errors import BadUserInput
from resolvers.filters import (
    ConversationFilter,
    VariableCondition,
    canonical_json,
    filter_from_json,
    filter_to_json,
)
from resolvers.ids import decode_any_id, decode_cursor, encode_cursor, encode_id
from resolvers.search import search_words
from resolvers.webhook import WebhookSettings, forbidden_address
from resolvers.webhookqueue import backoff
from schema.context import Context as SchemaContext
from schema.context import Reader
from schema.scalars import (
    parse_decimal,
    serialize_datetime,
    serialize_datetime_text,
    serialize_decimal,
)
from server.context import Context as RequestContext
from server.settings import Settings
from server.webhooks.bodies import WorkerContext
from server.webhooks.outbound import retry_after


def test_money_round_trips_exactly_to_twelve_places() -> None:
    for text in ("0", "0.000002", "0.0000000375", "12345.678901234567", "10"):
        assert from_units(to_units(Decimal(text))) == Decimal(text)
    with pytest.raises(InexactMoneyError):
        to_units(Decimal("0.0000000000001"))


def test_money_bounds_round_outwards_so_filters_stay_exact() -> None:
    assert ceil_units(Decimal("0.0000000000001")) == 1
    assert floor_units(Decimal("0.0000000000019")) == 1
    assert ceil_units(Decimal("2")) == floor_units(Decimal("2")) == 2 * 10**12


def test_decimals_print_plainly_and_refuse_floats() -> None:
    assert serialize_decimal(Decimal("0.000002000000")) == "0.000002"
    assert serialize_decimal(Decimal("1E+1")) == "10"
    assert serialize_decimal(Decimal("0E-12")) == "0"
    assert parse_decimal("0.1") == Decimal("0.1")
    for bad in (0.1, "NaN", "Infinity", "1e999999999", "abc", True):
        with pytest.raises(BadUserInput):
            parse_decimal(bad)


def test_ids_round_trip_and_refuse_edits() -> None:
    global_id = encode_id("Conversation", 42)
    assert decode_any_id(global_id) == ("Conversation", 42)
    for index in range(len(global_id)):
        replacement = "A" if global_id[index] != "A" else "B"
        edited = global_id[:index] + replacement + global_id[index + 1 :]
        with pytest.raises(BadUserInput):
            decode_any_id(edited)


def test_cursors_belong_to_their_list() -> None:
    cursor = encode_cursor("c:STARTED_AT:desc", ["2026-11-01T09:00:00+00:00", 7])
    assert decode_cursor(cursor, "c:STARTED_AT:desc") == ["2026-11-01T09:00:00+00:00", 7]
    with pytest.raises(BadUserInput):
        decode_cursor(cursor, "c:COST:desc")


def test_equal_json_values_share_one_canonical_text() -> None:
    assert canonical_json({"b": 1, "a": [2.0, "x"]}) == canonical_json({"a": [2, "x"], "b": 1.0})
    assert canonical_json("2") != canonical_json(2)
    assert canonical_json("é") == '"é"'


def test_search_words_split_like_the_fts5_tokenizer() -> None:
    assert search_words("Refund for ORDER #A-1234, café_crème!") == [
        "Refund",
        "for",
        "ORDER",
        "A",
        "1234",
        "café",
        "crème",
    ]
    assert search_words("cafe\u0301 12 m²") == ["cafe\u0301", "12", "m²"]
    assert search_words("?!") == []
    with pytest.raises(BadUserInput):
        search_words("x" * 501)


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
)
def test_a_time_written_from_its_text_reads_as_one_written_from_the_time(moment: datetime) -> None:
    """Plans write times from the text the database put in JSON (schema/scalars.py): in any
    spelling (ours, PostgreSQL's with trimmed fraction digits, SQLite's with a space), any
    offset, the answer is what serializing the time itself gives."""
    expected = serialize_datetime(moment)
    spellings = {moment.isoformat(), moment.isoformat(sep=" ")}
    if moment.microsecond:
        whole, _, rest = moment.isoformat().partition(".")
        digits, offset = rest[:6], rest[6:]
        spellings.add(f"{whole}.{digits.rstrip('0')}{offset}")
    for text in spellings:
        assert serialize_datetime_text(text) == expected, text


async def test_a_loaded_answer_dropped_unawaited_warns_about_nothing() -> None:
    """graphql-core drops the awaitables of an object whose sibling field failed; pytest turns
    an unraisable "never awaited" warning into a failure, so this fails if `answer` hands out a
    coroutine again. Awaited, it shapes the loaded value."""
    import asyncio  # noqa: PLC0415
    import gc  # noqa: PLC0415

    from schema.common import answer  # noqa: PLC0415

    def plus_one(value: int) -> int:
        return value + 1

    loop = asyncio.get_running_loop()
    dropped: asyncio.Future[int] = loop.create_future()
    answer(dropped, plus_one)
    gc.collect()
    loaded: asyncio.Future[int] = loop.create_future()
    loaded.set_result(41)
    shaped: Any = answer(loaded, plus_one)  # what the executor awaits
    assert await shaped == 42


def test_webhook_retries_double_with_jitter_up_to_the_cap() -> None:
    settings = WebhookSettings(first_retry_seconds=5, max_retry_seconds=3600)
    rng = random.Random(7)  # noqa: S311 (jitter, not secrets)
    for attempts in range(1, 30):
        ceiling = min(3600.0, 5.0 * 2 ** (attempts - 1))
        waits = [backoff(settings, attempts, rng) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits), attempts
        assert len(set(waits)) > 1  # jittered
    # A day of retries is about thirty attempts, not thousands.
    total, attempts = 0.0, 0
    while total < 24 * 3600:
        attempts += 1
        total += backoff(settings, attempts, rng)
    assert 20 < attempts < 60


def test_webhooks_never_reach_inside_addresses() -> None:
    inside = [
        "127.0.0.1", "10.0.0.8", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "::1", "fe80::1", "fd00::1",  # noqa: S104 (refused, not bound) "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "2002:7f00:0001::", "224.0.0.1", "ff02::1",
    ]  # fmt: skip
    outside = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"]
    assert [address for address in inside if not forbidden_address(address)] == []
    assert [address for address in outside if forbidden_address(address)] == []


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120.0
    assert retry_after("Wed, 02 Dec 2026 10:01:30 GMT", now) == 90.0
    assert retry_after("Wed, 02 Dec 2026 09:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_a_stored_filter_reads_back_as_the_same_filter() -> None:
    where = ConversationFilter(
        types=(ConversationType.WEB_WIDGET,),
        statuses=(ConversationStatus.ENDED,),
        assistant_ids=(3, 4),
        started_after=datetime(2026, 11, 1, tzinfo=UTC),
        search="refund please",
        variables=(
            VariableCondition("plan", canonical_json("Pro")),
            VariableCondition("email", exists=True),
        ),
        min_cost=Decimal("0.000001"),
        min_rating=4,
        rated=True,
        labels_any=(9,),
        labels_all=(9, 10),
        handlings=(Handling.WAITING, Handling.AGENT),
        assignee_ids=(3,),
        assigned=True,
    )
    stored = json.loads(json.dumps(filter_to_json(where)))
    assert filter_from_json(stored) == where
    assert filter_from_json(filter_to_json(ConversationFilter())) == ConversationFilter()


def test_webhook_types_and_settings_read_as_documented() -> None:
    assert [event.type_name for event in WebhookEvent] == [
        "conversation.started", "message.added", "variables.set", "conversation.ended",
        "conversation.rated", "conversation.labelled", "conversation.erased",
        "conversation.handover_requested", "conversation.assigned", "conversation.taken_over",
        "conversation.handed_back", "webhook.endpoint_disabled",
    ]  # fmt: skip
    settings = Settings.from_env(
        {"PARLEY_WEBHOOK_TIMEOUT_SECONDS": "2.5", "PARLEY_WEBHOOK_ALLOW_PRIVATE": "true"}
    )
    assert settings.webhooks == WebhookSettings(timeout_seconds=2.5, allow_private=True)
    with pytest.raises(ValueError, match="PARLEY_WEBHOOK_POLL_SECONDS must be a number"):
        Settings.from_env({"PARLEY_WEBHOOK_POLL_SECONDS": "often"})


def test_the_server_provides_the_ports_the_schema_asks_for() -> None:
    """The schema sees a request only through schema/context.py: mypy checks these assignments,
    so a request's context cannot drift from `Context`, nor the webhook worker's from `Reader`."""
    request: type[SchemaContext] = RequestContext
    worker: type[Reader] = WorkerContext
    assert (request, worker) == (RequestContext, WorkerContext)
