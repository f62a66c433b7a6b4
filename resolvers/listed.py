"""The rows a listed page arrives as (resolvers/listing.py): the database's JSON arrays, read
lazily.

A page holds thousands of values and a query selects a few of each row, so a row keeps its array
and converts a column (a time parsed, money scaled) only when something reads it: what is not
selected costs nothing. The arrays' columns are in `CONVERSATION_COLUMNS` and `MESSAGE_COLUMNS`
order; the relations follow a conversation's columns in the order `Wanted` names them.
"""

import json
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, get_args, get_type_hints

import orjson

from models.money import from_units
from resolvers.message import MessagePage, filtered_page_of, message_page_of
from resolvers.pagination import PageArgs
from resolvers.usage import ModelUsage, UsageTotals


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
    message_roles: tuple[str, ...] | None = None
    """Message pages of these roles only (a visitor's view), or of every role."""
    labels: bool = False
    event_cursor: bool = False
    """The workspace's committed event number, read in the page's own statement (one snapshot:
    the page reflects exactly the events up to it)."""


@dataclass(frozen=True, slots=True)
class ListedAssistant:
    """An assistant read along with other rows. Its fields are the one list of the columns
    read (`ASSISTANT_COLUMNS`, a `*_text` field reading its column's time as text): the listing
    reads them as a JSON array in this order, the usage summary as named columns."""

    id: int
    name: str
    created_at_text: str
    """Times are kept as the database wrote them (`*_text`); schema/scalars writes them."""
    widget_mode: str
    allowed_origins: list[str]
    model: str | None = None
    provider: str | None = None
    instructions: str | None = None
    temperature: float | None = None
    max_reply_tokens: int | None = None
    first_message: str | None = None
    offers_handover: bool = False
    pre_chat_form: list[dict[str, Any]] = field(default_factory=list)
    extracted_variables: list[dict[str, Any]] = field(default_factory=list)
    functions: list[dict[str, Any]] = field(default_factory=list)
    widget_color: str | None = None
    language: str | None = None

    @property
    def created_at(self) -> datetime:
        return _time(self.created_at_text)


ASSISTANT_FORMS = frozenset({"pre_chat_form", "extracted_variables", "functions"})
"""Lists every listed row would repeat: read only when a query asks for them."""
ASSISTANT_JSON = ASSISTANT_FORMS | {"allowed_origins"}
"""Columns holding JSON."""
ASSISTANT_COLUMNS = tuple(
    (each.name, each.name.removesuffix("_text")) for each in fields(ListedAssistant)
)
"""(field, column) of a listed assistant, in the order the listing reads them."""


def assistant_columns(forms: bool) -> tuple[tuple[str, str], ...]:
    """The (field, column) pairs read: with or without the forms."""
    return tuple(pair for pair in ASSISTANT_COLUMNS if forms or pair[0] not in ASSISTANT_FORMS)


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


class _Row:
    """A row kept as the database's JSON array; `columns` gives it a property per column."""

    __slots__ = ("_raw",)
    COLUMNS: tuple[str, ...] = ()
    """The table's columns, in the array's order."""

    def __init__(self, raw: list[Any]) -> None:
        self._raw = raw


RowT = TypeVar("RowT", bound=_Row)


def _reader(index: int, kind: Any) -> Callable[[Any], Any]:
    """How a column of this Python type is read from the array: converted when read."""
    optional = type(kind) is types.UnionType and type(None) in get_args(kind)
    base = next(arg for arg in get_args(kind) if arg is not type(None)) if optional else kind
    converters: dict[Any, Callable[[Any], Any]] = {
        int: int,
        str: str,
        datetime: _time,
        Decimal: from_units,
    }
    convert = converters.get(base)
    if convert is None or (optional and base in (int, str)):
        return lambda row: row._raw[index]
    if optional:
        return lambda row: None if (value := row._raw[index]) is None else convert(value)
    return lambda row: convert(row._raw[index])


def columns(cls: type[RowT]) -> type[RowT]:
    """Gives each annotated attribute of `cls` (in order) a property reading its column: a
    `datetime` also as `<name>_text` (the database's own text, which a plan writes as it is), a
    `Decimal` from the `<name>_e12` column of exact units. One line declares a column."""
    names: list[str] = []
    for name, kind in get_type_hints(cls).items():
        if name.isupper():
            continue
        index = len(names)
        setattr(cls, name, property(_reader(index, kind)))
        base = next((arg for arg in get_args(kind) if arg is not type(None)), kind)
        if base is datetime:
            setattr(cls, f"{name}_text", property(_reader(index, str | None)))
        names.append(f"{name}_e12" if base is Decimal else name)
    cls.COLUMNS = tuple(names)
    return cls


@columns
class ListedMessage(_Row):
    __slots__ = ()
    id: int
    conversation_id: int
    sequence: int
    role: str
    content: str
    created_at: datetime
    provider: str | None
    model: str | None
    input_tokens: int | None
    output_tokens: int | None
    cached_input_tokens: int | None
    cost: Decimal | None
    price_source: str | None
    price_version: str | None
    input_price: Decimal | None
    cached_input_price: Decimal | None
    output_price: Decimal | None
    thumb: str | None
    thumb_reason: str | None
    thumbed_at: datetime | None
    thumbed_by_key_id: int | None
    state: str
    first_token_ms: int | None
    generation_ms: int | None
    function_calls: str | None
    agent_id: int | None
    agent_name: str | None
    handover: str | None


@columns
class ListedConversation(_Row):
    """A conversation's row, with the relations its query asked for read along."""

    __slots__ = ("assistant", "labels", "message_pages", "usage_by_model", "variables")
    id: int
    assistant_id: int
    type: str
    mode: str
    status: str
    started_at: datetime
    last_activity_at: datetime
    ended_at: datetime | None
    visitor_session_id: str | None
    visitor_page_url: str | None
    visitor_user_agent: str | None
    visitor_locale: str | None
    message_count: int
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost: Decimal
    unpriced_replies: int
    external_id: str | None
    rating: int | None
    rating_comment: str | None
    rated_at: datetime | None
    handling: str
    assignee_id: int | None
    waiting_since: datetime | None
    taken_over_at: datetime | None

    def __init__(self, raw: list[Any]) -> None:
        super().__init__(raw)
        self.labels: list[ListedLabel] | None = None
        self.assistant: ListedAssistant | None = None
        self.variables: list[ListedVariable] | None = None
        self.usage_by_model: list[ModelUsage] | None = None
        self.message_pages: dict[PageArgs, MessagePage[ListedMessage]] | None = None


CONVERSATION_COLUMNS = ListedConversation.COLUMNS
MESSAGE_COLUMNS = ListedMessage.COLUMNS


def conversation_of(item: list[Any], wanted: Wanted, ordered: bool) -> ListedConversation:
    """A row from its JSON array; `ordered` when the database ordered its lists already."""
    row = ListedConversation(item)
    rest: Iterator[Any] = iter(item[len(CONVERSATION_COLUMNS) :])
    if wanted.assistant:
        found = next(rest)
        if found[0] is not None:
            columns = assistant_columns(wanted.assistant_forms)
            row.assistant = ListedAssistant(
                **{name: value for (name, _), value in zip(columns, found, strict=True)}
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
            row.message_pages[page_args] = (
                message_page_of(messages, count, page_args)
                if wanted.message_roles is None
                else filtered_page_of(messages, page_args)
            )
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
