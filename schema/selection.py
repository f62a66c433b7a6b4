"""What a list's query selects, as the set-wise reader's `Wanted`: the executor reads a page of
conversations with every relation its query asks for in one statement (resolvers/listing.py), the
same reader and rows the compiled plans use, and the rows' relation fields answer from them.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from resolvers.errors import BadUserInput
from resolvers.listed import Wanted
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


def message_roles(info: Any) -> tuple[str, ...] | None:
    """The roles of the messages the caller may read (a visitor's view), or None for all."""
    roles = info.context.caller().message_roles
    return None if roles is None else tuple(sorted(role.value for role in roles))


def listed_wanted(info: Any) -> Wanted:
    """What a `conversations` field (from its resolver's `info`) asks to be read along."""
    connection = [
        item for listed in _fields(info.selected_fields) for item in _fields(listed.selections)
    ]
    return _wanted(
        info,
        conversation_selections(info.selected_fields),
        total=any(item.name == "totalCount" for item in connection),
        event_cursor=any(item.name == "eventCursor" for item in connection),
    )


def one_wanted(info: Any) -> Wanted:
    """What a `conversation(id:)` field asks to be read along."""
    return _wanted(
        info,
        [selection for item in _fields(info.selected_fields) for selection in item.selections],
    )


def _wanted(
    info: Any, node: list[Selection], *, total: bool = False, event_cursor: bool = False
) -> Wanted:
    return Wanted(
        total=total,
        event_cursor=event_cursor,
        message_roles=message_roles(info),
        variables=bool(_under(node, "variables") or _under(node, "variable")),
        usage_by_model=bool(_under(node, "usageByModel")),
        labels=bool(_under(node, "labels")),
        message_pages=tuple(
            dict.fromkeys(_page_args(item.arguments) for item in _under(node, "messages"))
        ),
    )


def selects_assistant(info: Any) -> bool:
    return bool(_under(conversation_selections(info.selected_fields), "assistant"))


def conversation_selections(selected: Sequence[Selection]) -> list[Selection]:
    """What a `conversations` field (from `info.selected_fields`) selects on each conversation."""
    return [
        selection
        for connection in _fields(selected)
        for node in _under(connection.selections, "edges", "node")
        for selection in node.selections
    ]
