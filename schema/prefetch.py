"""Set-wise prefetching of a page's relations, so its rows answer them as plain values.

The list resolver reads what the query selects under each conversation and fetches every selected
relation for the whole page in one statement each (the same functions the DataLoaders call). The
rows' relation fields then resolve synchronously, skipping a coroutine and a DataLoader future per
row and field; rows built elsewhere (one conversation, mutation payloads, live events) still load
through the DataLoaders.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from models import Assistant as AssistantRow
from models import Conversation as ConversationRow
from models import Variable as VariableRow
from resolvers.assistants import assistants_by_id
from resolvers.errors import BadUserInput
from resolvers.messages import MessagePage, message_pages
from resolvers.pagination import PageArgs
from resolvers.usage import ModelUsage, usage_by_model
from resolvers.variables import variables_of


@dataclass
class Related:
    """What was fetched for a page; None where the query did not ask for it."""

    assistants: dict[int, AssistantRow] | None = None
    variables: dict[int, list[VariableRow]] | None = None
    usage: dict[int, list[ModelUsage]] | None = None
    messages: dict[PageArgs, dict[int, MessagePage]] = field(default_factory=dict)


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, with fragments opened."""
    for selection in selections:
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
    workspace_id: int, rows: Sequence[ConversationRow], selections: Iterable[Selection]
) -> Related:
    """Fetches, for all `rows` at once, the relations selected on each conversation."""
    node = list(selections)
    related = Related()
    if not rows:
        return related
    ids = [row.id for row in rows]
    if _under(node, "assistant"):
        wanted = sorted({row.assistant_id for row in rows})  # type: ignore[attr-defined]
        related.assistants = await assistants_by_id(workspace_id, wanted)
    if _under(node, "variables") or _under(node, "variable"):
        related.variables = await variables_of(ids)
    if _under(node, "usageByModel"):
        related.usage = await usage_by_model(ids)
    counts = [(row.id, row.message_count) for row in rows]
    for args in {_page_args(item.arguments) for item in _under(node, "messages")}:
        related.messages[args] = await message_pages(counts, args)
    return related


def conversation_selections(selected: Sequence[Selection]) -> list[Selection]:
    """What a `conversations` field (from `info.selected_fields`) selects on each conversation."""
    return [
        selection
        for connection in _fields(selected)
        for node in _under(connection.selections, "edges", "node")
        for selection in node.selections
    ]
