"""Priming a page's relations set-wise, so its rows answer them from the loaders' caches.

The list reads what the query selects under each conversation and loads every selected relation
for the whole page through the request's DataLoaders (`load_many`: one statement per relation).
The rows' relation fields then find their values loaded and answer synchronously, skipping a
coroutine and a future per row and field; there is no second way to load a relation.
"""

import asyncio
from collections.abc import Awaitable, Iterable, Iterator, Sequence
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from models import Conversation as ConversationRow
from resolvers.errors import BadUserInput
from resolvers.loaders import Loaders
from resolvers.pagination import PageArgs


def _included(selection: Selection) -> bool:
    """`@skip`/`@include` as the executor decides them (found by the differential test: a
    skipped field's arguments must not be read)."""
    directives = selection.directives
    if "skip" in directives and directives["skip"].get("if") is True:
        return False
    return not ("include" in directives and directives["include"].get("if") is False)


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, with fragments opened and skipped selections left out."""
    for selection in selections:
        if not _included(selection):
            continue
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def _under(selections: Iterable[Selection], *path: str) -> list[SelectedField]:
    """The fields selected at `path` below these selections (across aliases and fragments)."""
    found = [item for item in _fields(selections) if item.name == path[0]]
    if len(path) == 1:
        return found
    return [leaf for item in found for leaf in _under(item.selections, *path[1:])]


def _page_args(arguments: dict[str, Any]) -> PageArgs:
    def number(name: str) -> int | None:
        value = arguments.get(name)
        try:
            return None if value is None else int(value)
        except (TypeError, ValueError):
            raise BadUserInput(f"`{name}` must be a whole number.") from None

    return PageArgs(
        first=number("first"),
        after=arguments.get("after"),
        last=number("last"),
        before=arguments.get("before"),
    )


async def prefetch(
    loaders: Loaders, rows: Sequence[ConversationRow], selections: Iterable[Selection]
) -> None:
    """Loads, for all `rows` at once, the relations selected on each conversation (lists are
    read by secret keys, which see every message)."""
    node = list(selections)
    if not rows:
        return
    ids = [row.id for row in rows]
    loads: list[Awaitable[Any]] = []
    if _under(node, "assistant"):
        loads.append(loaders.assistant.load_many(sorted({row.assistant_id for row in rows})))
    if _under(node, "variables") or _under(node, "variable"):
        loads.append(loaders.variables.load_many(ids))
    if _under(node, "usageByModel"):
        loads.append(loaders.usage_by_model.load_many(ids))
    for args in {_page_args(item.arguments) for item in _under(node, "messages")}:
        loads.append(
            loaders.message_page.load_many(
                [(row.id, row.message_count, args, None) for row in rows]
            )
        )
    await asyncio.gather(*loads)


def conversation_selections(selected: Sequence[Selection]) -> list[Selection]:
    """What a `conversations` field (from `info.selected_fields`) selects on each conversation."""
    return [
        selection
        for connection in _fields(selected)
        for node in _under(connection.selections, "edges", "node")
        for selection in node.selections
    ]


def connection_fields(info: Any) -> list[SelectedField]:
    """What a `conversations` field (from `info.selected_fields`) selects on its connection."""
    return [
        item
        for connection in _fields(info.selected_fields)
        for item in _fields(connection.selections)
    ]
