"""What a plan writes for each field: the types' own reads (schema/reads.py), found by GraphQL
name, and the getters of the envelopes (pages, edges) and of the fields whose value depends on
the request's arguments (by slot).

Reads are the very declarations the executor's objects are built from, so a plan writes what the
executor would: scalars by the schema's own serializers, IDs and cursors by the resolvers' own
encoders.
"""

from collections.abc import Iterable, Mapping
from functools import cache
from types import MappingProxyType

from strawberry import Schema
from strawberry.types.base import StrawberryObjectDefinition

from resolvers.events.log import event_cursor
from resolvers.listed import ListedConversation, ListedMessage, ListedVariable
from resolvers.listing import Listing
from resolvers.message import MessagePage
from resolvers.pagination import PageArgs
from resolvers.variable import pick_variable
from schema.plan.collect import NotCoveredError
from schema.plan.shape import Bound, Getter
from schema.reads import Read, reads


def type_reads(schema: Schema, type_name: str) -> Mapping[str, Read]:
    """The reads of `type_name`'s fields, by GraphQL name."""
    return _type_reads(schema, type_name)


@cache
def _type_reads(schema: Schema, type_name: str) -> Mapping[str, Read]:
    definition = schema.get_type_by_name(type_name)
    assert isinstance(definition, StrawberryObjectDefinition), type_name
    by_python = reads(definition.origin)
    converter = schema.config.name_converter
    return MappingProxyType(
        {
            converter.get_graphql_name(field): by_python[field.python_name]
            for field in definition.fields
            if field.python_name in by_python
        }
    )


def assistant(row: ListedConversation, _bound: Bound) -> object:
    if row.assistant is None:
        raise NotCoveredError("a missing assistant is an error the executor writes")
    return row.assistant


def edges(listing: Listing, _bound: Bound) -> Iterable[tuple[ListedConversation, Listing]]:
    return [(row, listing) for row in listing.rows]


def cursor(pair: tuple[ListedConversation, Listing], _bound: Bound) -> str:
    return pair[1].window.cursor(pair[0])


def events_cursor(listing: Listing, _bound: Bound) -> str:
    assert listing.event_seq is not None  # asked for with the page
    return event_cursor(listing.event_seq)


def variables_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> list[ListedVariable]:
        source = bound[slot]
        found = row.variables or []
        return [item for item in found if source is None or item.source == source]

    return get


def variable_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> ListedVariable | None:
        return pick_variable(row.variables or [], bound[slot])

    return get


def message_page_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> tuple[MessagePage[ListedMessage], int]:
        args: PageArgs = bound[slot]
        assert row.message_pages is not None
        return row.message_pages[args], row.message_count

    return get
