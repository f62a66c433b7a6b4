"""The rows a listed page arrives as (resolvers/listing.py): the database's JSON arrays, read
lazily.

A page holds thousands of values and a query selects a few of each row, so a row keeps its array
and converts a column (a time parsed, money scaled) only when something reads it: what is not
selected costs nothing. The arrays' columns are in `CONVERSATION_COLUMNS` and `MESSAGE_COLUMNS`
order; the relations follow a conversation's columns in the order `Wanted` names them.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from models.money import from_units
from resolvers.message import MessagePage, message_page_of
from resolvers.pagination import PageArgs
from resolvers.usage import ModelUsage, UsageTotals

CONVERSATION_COLUMNS = (
    "id",
    "assistant_id",
    "type",
    "mode",
    "status",
    "started_at",
    "last_activity_at",
    "ended_at",
    "visitor_session_id",
    "visitor_page_url",
    "visitor_user_agent",
    "visitor_locale",
    "message_count",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cost_e12",
    "unpriced_replies",
    "external_id",
    "rating",
    "rating_comment",
    "rated_at",
)
MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "sequence",
    "role",
    "content",
    "created_at",
    "provider",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cost_e12",
    "price_source",
    "price_version",
    "input_price_e12",
    "cached_input_price_e12",
    "output_price_e12",
    "thumb",
    "thumb_reason",
    "thumbed_at",
    "thumbed_by_key_id",
)


def _time(value: str) -> datetime:
    """Both databases write an ISO 8601 time with its offset into JSON."""
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class Wanted:
    """What the query selects beside the rows themselves."""

    total: bool = False
    assistant: bool = False
    assistant_forms: bool = False
    """The assistant's pre-chat form and extracted variables too (lists every row repeats)."""
    variables: bool = False
    usage_by_model: bool = False
    message_pages: tuple[PageArgs, ...] = ()
    labels: bool = False
    event_cursor: bool = False
    """The workspace's committed event number, read in the page's own statement (one snapshot:
    the page reflects exactly the events up to it)."""


@dataclass(frozen=True, slots=True)
class ListedAssistant:
    id: int
    name: str
    created_at_text: str
    """Times are kept as the database wrote them (`*_text`); schema/scalars writes them."""
    pre_chat_form: list[dict[str, Any]]
    extracted_variables: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ListedLabel:
    id: int
    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class ListedVariable:
    name: str
    source: str
    type: str
    value_json: str
    collected_at_text: str
    set_by_key_id: int | None
    message_sequence: int | None
    id: int

    @property
    def collected_at(self) -> datetime:
        return _time(self.collected_at_text)

    @property
    def value(self) -> Any:
        """As `Variable.value` reads it; orjson first, for speed, and the standard library for
        what orjson will not read (integers past 64 bits)."""
        try:
            return orjson.loads(self.value_json)
        except orjson.JSONDecodeError:
            return json.loads(self.value_json)


class ListedMessage:
    __slots__ = ("_raw",)

    def __init__(self, raw: list[Any]) -> None:
        self._raw = raw

    @property
    def id(self) -> int:
        return int(self._raw[0])

    @property
    def conversation_id(self) -> int:
        return int(self._raw[1])

    @property
    def sequence(self) -> int:
        return int(self._raw[2])

    @property
    def role(self) -> str:
        return str(self._raw[3])

    @property
    def content(self) -> str:
        return str(self._raw[4])

    @property
    def created_at_text(self) -> str:
        return str(self._raw[5])

    @property
    def provider(self) -> str | None:
        return self._raw[6]  # type: ignore[no-any-return]

    @property
    def model(self) -> str | None:
        return self._raw[7]  # type: ignore[no-any-return]

    @property
    def input_tokens(self) -> int | None:
        return self._raw[8]  # type: ignore[no-any-return]

    @property
    def output_tokens(self) -> int | None:
        return self._raw[9]  # type: ignore[no-any-return]

    @property
    def cached_input_tokens(self) -> int | None:
        return self._raw[10]  # type: ignore[no-any-return]

    @property
    def cost(self) -> Decimal | None:
        units = self._raw[11]
        return None if units is None else from_units(units)

    @property
    def price_source(self) -> str | None:
        return self._raw[12]  # type: ignore[no-any-return]

    @property
    def price_version(self) -> str | None:
        return self._raw[13]  # type: ignore[no-any-return]

    @property
    def input_price(self) -> Decimal | None:
        return _money(self._raw[14])

    @property
    def cached_input_price(self) -> Decimal | None:
        return _money(self._raw[15])

    @property
    def output_price(self) -> Decimal | None:
        return _money(self._raw[16])

    @property
    def thumb(self) -> str | None:
        return self._raw[17]  # type: ignore[no-any-return]

    @property
    def thumb_reason(self) -> str | None:
        return self._raw[18]  # type: ignore[no-any-return]

    @property
    def thumbed_at_text(self) -> str | None:
        return self._raw[19]  # type: ignore[no-any-return]

    @property
    def thumbed_by_key_id(self) -> int | None:
        return self._raw[20]  # type: ignore[no-any-return]

    @property
    def created_at(self) -> datetime:
        return _time(self._raw[5])

    @property
    def thumbed_at(self) -> datetime | None:
        thumbed = self._raw[19]
        return None if thumbed is None else _time(thumbed)


def _money(units: int | None) -> Decimal | None:
    return None if units is None else from_units(units)


class ListedConversation:
    __slots__ = ("_raw", "assistant", "labels", "message_pages", "usage_by_model", "variables")

    def __init__(self, raw: list[Any]) -> None:
        self._raw = raw
        self.labels: list[ListedLabel] | None = None
        self.assistant: ListedAssistant | None = None
        self.variables: list[ListedVariable] | None = None
        self.usage_by_model: list[ModelUsage] | None = None
        self.message_pages: dict[PageArgs, MessagePage[ListedMessage]] | None = None

    @property
    def id(self) -> int:
        return int(self._raw[0])

    @property
    def assistant_id(self) -> int:
        return int(self._raw[1])

    @property
    def type(self) -> str:
        return str(self._raw[2])

    @property
    def mode(self) -> str:
        return str(self._raw[3])

    @property
    def status(self) -> str:
        return str(self._raw[4])

    @property
    def started_at(self) -> datetime:
        return _time(self._raw[5])

    @property
    def started_at_text(self) -> str:
        return str(self._raw[5])

    @property
    def last_activity_at(self) -> datetime:
        return _time(self._raw[6])

    @property
    def last_activity_at_text(self) -> str:
        return str(self._raw[6])

    @property
    def ended_at(self) -> datetime | None:
        ended = self._raw[7]
        return None if ended is None else _time(ended)

    @property
    def ended_at_text(self) -> str | None:
        return self._raw[7]  # type: ignore[no-any-return]

    @property
    def visitor_session_id(self) -> str | None:
        return self._raw[8]  # type: ignore[no-any-return]

    @property
    def visitor_page_url(self) -> str | None:
        return self._raw[9]  # type: ignore[no-any-return]

    @property
    def visitor_user_agent(self) -> str | None:
        return self._raw[10]  # type: ignore[no-any-return]

    @property
    def visitor_locale(self) -> str | None:
        return self._raw[11]  # type: ignore[no-any-return]

    @property
    def message_count(self) -> int:
        return int(self._raw[12])

    @property
    def cost(self) -> Decimal:
        return from_units(self._raw[16])

    @property
    def usage(self) -> UsageTotals:
        raw = self._raw
        return UsageTotals(
            input_tokens=raw[13],
            output_tokens=raw[14],
            cached_input_tokens=raw[15],
            cost=from_units(raw[16]),
            cost_known=raw[17] == 0,
        )

    @property
    def input_tokens(self) -> int:
        return int(self._raw[13])

    @property
    def output_tokens(self) -> int:
        return int(self._raw[14])

    @property
    def cached_input_tokens(self) -> int:
        return int(self._raw[15])

    @property
    def unpriced_replies(self) -> int:
        return int(self._raw[17])

    @property
    def rated_at(self) -> datetime | None:
        rated = self._raw[21]
        return None if rated is None else _time(rated)

    @property
    def external_id(self) -> str | None:
        return self._raw[18]  # type: ignore[no-any-return]

    @property
    def rating(self) -> int | None:
        return self._raw[19]  # type: ignore[no-any-return]

    @property
    def rating_comment(self) -> str | None:
        return self._raw[20]  # type: ignore[no-any-return]

    @property
    def rated_at_text(self) -> str | None:
        return self._raw[21]  # type: ignore[no-any-return]


def conversation_of(item: list[Any], wanted: Wanted, ordered: bool) -> ListedConversation:
    """A row from its JSON array; `ordered` when the database ordered its lists already."""
    row = ListedConversation(item)
    rest: Iterator[Any] = iter(item[len(CONVERSATION_COLUMNS) :])
    if wanted.assistant:
        found = next(rest)
        if found[0] is not None:
            row.assistant = ListedAssistant(
                id=found[0],
                name=found[1],
                created_at_text=found[2],
                pre_chat_form=found[3] if wanted.assistant_forms else [],
                extracted_variables=found[4] if wanted.assistant_forms else [],
            )
    if wanted.variables:
        row.variables = [
            ListedVariable(
                name=v[0],
                source=v[1],
                type=v[2],
                value_json=v[3],
                collected_at_text=v[4],
                set_by_key_id=v[5],
                message_sequence=v[6],
                id=int(v[7]),
            )
            for v in next(rest) or ()
        ]
        if not ordered:
            row.variables.sort(key=lambda variable: (variable.name, variable.source))
    if wanted.usage_by_model:
        entries = next(rest) or []
        if not ordered:
            entries.sort()  # [provider, model, …]: by provider, then model
        row.usage_by_model = [_model_usage(entry) for entry in entries]
    if wanted.message_pages:
        row.message_pages = {}
        count = row.message_count
        for page_args in wanted.message_pages:
            entries = next(rest) or []
            if not ordered:
                entries.sort(key=lambda entry: entry[2])  # by sequence
            messages = [ListedMessage(entry) for entry in entries]
            row.message_pages[page_args] = message_page_of(messages, count, page_args)
    if wanted.labels:
        # By name as Python orders text, on both databases (as the executor's loader does).
        row.labels = sorted(
            (
                ListedLabel(id=int(item[0]), name=item[1], colour=item[2])
                for item in next(rest) or ()
            ),
            key=lambda label: label.name,
        )
    return row


def _model_usage(entry: list[Any]) -> ModelUsage:
    provider, model, replies, input_tokens, output_tokens, cached, cost_e12, unpriced = entry
    return ModelUsage(
        provider=provider,
        model=model,
        replies=int(replies),
        usage=UsageTotals(
            input_tokens=int(input_tokens),
            output_tokens=int(output_tokens),
            cached_input_tokens=int(cached),
            cost=from_units(int(cost_e12)),
            cost_known=int(unpriced) == 0,
        ),
    )
