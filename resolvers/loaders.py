"""Per-request DataLoaders: the relations of rows read one at a time.

Pages and single conversations are read with their relations by the set-wise reader
(resolvers/listing.py). The conversations of rows read otherwise (a write's result, a live event's
row, a message's) and their relations are read by the same reader, many at once (`listed`); what
is truly per row (a reply's cost history, a variable's history) and assistants load here.
`Loader.get` answers a loaded key synchronously. Made fresh for every request (and, over
websockets, every event) so nothing is served stale.
"""

from collections.abc import Awaitable, Hashable, Sequence
from itertools import groupby
from typing import TypeVar

from strawberry.dataloader import DataLoader

from models import Assistant, CostChange, VariableChange
from resolvers.assistant import assistants_by_id
from resolvers.listed import ListedConversation, Wanted
from resolvers.listing import read_conversations
from resolvers.usage import cost_changes_of
from resolvers.variable import variable_changes_of

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ListedKey = tuple[int, Wanted]
"""(conversation id, what to read along with it)."""


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
        self.listed = Loader[ListedKey, ListedConversation | None](self._listed)
        self.cost_changes = Loader[int, list[CostChange]](self._cost_changes)
        self.variable_changes = Loader[int, list[VariableChange]](self._variable_changes)

    async def _assistants(self, ids: Sequence[int]) -> list[Assistant | None]:
        found = await assistants_by_id(self.workspace_id, ids)
        return [found.get(pk) for pk in ids]

    async def _listed(self, keys: Sequence[ListedKey]) -> list[ListedConversation | None]:
        """One statement per distinct `Wanted` (usually one for all the rows of a request)."""
        found: dict[ListedKey, ListedConversation] = {}
        for wanted, group in groupby(sorted(keys, key=lambda key: repr(key[1])), lambda k: k[1]):
            rows = await read_conversations(self.workspace_id, [pk for pk, _ in group], wanted)
            found.update(((pk, wanted), row) for pk, row in rows.items())
        return [found.get(key) for key in keys]

    async def _cost_changes(self, ids: Sequence[int]) -> list[list[CostChange]]:
        found = await cost_changes_of(ids)
        return [found[pk] for pk in ids]

    async def _variable_changes(self, ids: Sequence[int]) -> list[list[VariableChange]]:
        found = await variable_changes_of(ids)
        return [found[pk] for pk in ids]
