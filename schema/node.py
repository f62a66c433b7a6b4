"""The Relay Node interface: every object with an opaque, refetchable ID."""

import strawberry


@strawberry.interface(
    description="An object with an opaque global ID, refetchable with `node(id:)`."
)
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID. Do not parse it.")
