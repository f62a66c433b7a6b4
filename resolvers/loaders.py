"""Per-request DataLoaders: how a relation of a row read one at a time is loaded.

Pages and single conversations are read with their relations by the set-wise reader
(resolvers/listing.py); these load, for many rows at once, the relations of rows read otherwise (a
write's result, a live event's row, a message's conversation) and the truly per-row ones (a
reply's cost history, a variable's history, assistants). `Loader.get` answers a loaded key
synchronously. Made fresh for every request (and, over websockets, every event) so nothing is
served stale.
"""

from collections.abc import Awaitable, Hashable, Sequence, Set
from itertools import groupby
from typing import TypeVar

from strawberry.dataloader import DataLoader

from models import (
    Assistant,
    Conversation,
    CostChange,
    Label,
    Message,
    Variable,
    VariableChange,
)
from models.enums import MessageRole
from resolvers.assistant import assistants_by_id
from resolvers.conversation import conversations_by_id
from resolvers.label import labels_of
from resolvers.message import MessagePage, message_pages
from resolvers.pagination import PageArgs
from resolvers.usage import ModelUsage, cost_changes_of, usage_by_model
from resolvers.variable import variable_changes_of, variables_of

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MessagePageKey = tuple[int, int, PageArgs, Set[MessageRole] | None]
"""(conversation id, its message count, page arguments, the roles its reader may see or None
for all)."""


class Loader(DataLoader[K, V]):
    def get(self, key: K) -> V | Awaitable[V]:
        """The value itself when it is loaded already (a primed page), else an awaitable: a
        field answered from the cache skips a coroutine and a future per row."""
        future = self.cache_map.get(key)
        if future is not None and future.done() and future.exception() is None:
            return future.result()
        return self.load(key)


class Loaders:
    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.assistant = Loader[int, Assistant | None](self._assistants)
        self.conversation = Loader[int, Conversation | None](self._conversations)
        self.variables = Loader[int, list[Variable]](self._variables)
        self.usage_by_model = Loader[int, list[ModelUsage]](self._usage_by_model)
        self.message_page = Loader[MessagePageKey, MessagePage[Message]](self._message_pages)
        self.cost_changes = Loader[int, list[CostChange]](self._cost_changes)
        self.variable_changes = Loader[int, list[VariableChange]](self._variable_changes)
        self.labels = Loader[int, list[Label]](self._labels)

    async def _assistants(self, ids: Sequence[int]) -> list[Assistant | None]:
        found = await assistants_by_id(self.workspace_id, ids)
        return [found.get(pk) for pk in ids]

    async def _conversations(self, ids: Sequence[int]) -> list[Conversation | None]:
        found = await conversations_by_id(self.workspace_id, ids)
        return [found.get(pk) for pk in ids]

    async def _variables(self, ids: Sequence[int]) -> list[list[Variable]]:
        found = await variables_of(ids)
        return [found[pk] for pk in ids]

    async def _usage_by_model(self, ids: Sequence[int]) -> list[list[ModelUsage]]:
        found = await usage_by_model(ids)
        return [found[pk] for pk in ids]

    async def _cost_changes(self, ids: Sequence[int]) -> list[list[CostChange]]:
        found = await cost_changes_of(ids)
        return [found[pk] for pk in ids]

    async def _variable_changes(self, ids: Sequence[int]) -> list[list[VariableChange]]:
        found = await variable_changes_of(ids)
        return [found[pk] for pk in ids]

    async def _labels(self, ids: Sequence[int]) -> list[list[Label]]:
        found = await labels_of(ids)
        return [found[pk] for pk in ids]

    async def _message_pages(self, keys: Sequence[MessagePageKey]) -> list[MessagePage[Message]]:
        """One statement per distinct set of page arguments and roles (usually one for a whole
        list)."""
        pages: dict[tuple[int, PageArgs, Set[MessageRole] | None], MessagePage[Message]] = {}
        by_args = sorted(keys, key=lambda key: repr(key[2:]))
        for (args, roles), group in groupby(by_args, key=lambda key: key[2:]):
            conversations = [(pk, count) for pk, count, _, _ in group]
            for pk, page in (await message_pages(conversations, args, roles)).items():
                pages[(pk, args, roles)] = page
        return [pages[(pk, args, roles)] for pk, _, args, roles in keys]
