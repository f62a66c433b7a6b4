"""Per-request DataLoaders: each relation of a listed row is fetched for the whole page at once.

Made fresh for every request (and, over websockets, every event) so nothing is served stale.
"""

from collections.abc import Sequence
from itertools import groupby

from strawberry.dataloader import DataLoader

from models import Assistant, Conversation, Variable
from resolvers.assistants import assistants_by_id
from resolvers.conversations import conversations_by_id
from resolvers.messages import MessagePage, message_pages
from resolvers.pagination import PageArgs
from resolvers.usage import ModelUsage, usage_by_model
from resolvers.variables import variables_of

MessagePageKey = tuple[int, int, PageArgs]
"""(conversation id, its message count, page arguments)."""


class Loaders:
    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.assistant = DataLoader[int, Assistant | None](self._assistants)
        self.conversation = DataLoader[int, Conversation | None](self._conversations)
        self.variables = DataLoader[int, list[Variable]](self._variables)
        self.usage_by_model = DataLoader[int, list[ModelUsage]](self._usage_by_model)
        self.message_page = DataLoader[MessagePageKey, MessagePage](self._message_pages)

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

    async def _message_pages(self, keys: Sequence[MessagePageKey]) -> list[MessagePage]:
        """One statement per distinct set of page arguments (usually one for a whole list)."""
        pages: dict[tuple[int, PageArgs], MessagePage] = {}
        by_args = sorted(keys, key=lambda key: repr(key[2]))
        for args, group in groupby(by_args, key=lambda key: key[2]):
            conversations = [(pk, count) for pk, count, _ in group]
            for pk, page in (await message_pages(conversations, args)).items():
                pages[(pk, args)] = page
        return [pages[(pk, args)] for pk, _, args in keys]
