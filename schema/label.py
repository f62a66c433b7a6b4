"""Labels: the workspace's (`labels`, `createLabel`, `deleteLabel`) and a conversation's
(`addLabels`, `removeLabels`, `Conversation.labels`, the `labels` filter)."""

from typing import Annotated, Any

import strawberry

from models import Label as LabelRow
from resolvers import label as labelling
from resolvers.ids import decode_id
from schema.arguments import IdArgument
from schema.common import Label
from schema.context import Info
from schema.conversation import Conversation
from schema.reads import root

LabelIds = Annotated[list[strawberry.ID], strawberry.argument(description="The labels (1–20).")]


async def _labels(context: Any) -> list[LabelRow]:
    return await labelling.labels_of_workspace(context.reader().workspace_id)


@strawberry.type
class LabelQueries:
    @strawberry.field(description="The workspace's labels, by name.", metadata=root(_labels))
    async def labels(self, info: Info) -> list[Label]:
        return [Label.of(row) for row in await _labels(info.context)]


@strawberry.type
class LabelMutations:
    @strawberry.mutation(description="A new label (secret key, WRITE); names are unique.")
    async def create_label(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="1–100 characters.")],
        colour: Annotated[str, strawberry.argument(description='"#rrggbb".')],
    ) -> Label:
        return Label.of(await labelling.create_label(info.context.caller(), name, colour))

    @strawberry.mutation(description="Deletes a label and takes it off every conversation.")
    async def delete_label(self, info: Info, id: IdArgument) -> strawberry.ID:
        await labelling.delete_label(info.context.caller(), decode_id(id, "Label"))
        return id

    @strawberry.mutation(description="Puts labels on a conversation (secret key, WRITE).")
    async def add_labels(
        self, info: Info, conversation_id: IdArgument, label_ids: LabelIds
    ) -> Conversation:
        return await _change(info, conversation_id, label_ids, add=True)

    @strawberry.mutation(description="Takes labels off a conversation (secret key, WRITE).")
    async def remove_labels(
        self, info: Info, conversation_id: IdArgument, label_ids: LabelIds
    ) -> Conversation:
        return await _change(info, conversation_id, label_ids, add=False)


async def _change(
    info: Info, conversation_id: strawberry.ID, label_ids: list[strawberry.ID], *, add: bool
) -> Conversation:
    pk = decode_id(conversation_id, "Conversation")
    labels = [decode_id(label, "Label") for label in label_ids]
    row = await labelling.change_labels(info.context.caller(), pk, labels, add=add)
    return Conversation.of(row)
