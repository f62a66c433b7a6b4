"""Which operations a read replica may serve (resolvers/database/replica.py): a secret key's
query has its reads routed; a mutation's reads stay on the primary, and once it has run the key's
next reads wait for the replica to have its writes. Subscriptions read the primary, and so do
visitors (widget keys and session tokens): they read only their own conversation, which one
identity starts (the widget key) and another reads at once (its session token)."""

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from resolvers.callers.caller import Caller
from resolvers.database.replica import ROUTE, Replica, Route


class ReplicaReads(SchemaExtension):
    """Placed before the compiled plans, so a plan's statements are routed as the executor's."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        replica: Replica | None = getattr(context, "replica", None)
        caller: Caller | None = getattr(context, "principal", None)
        if replica is None or caller is None or caller.visitor:
            yield
            return
        operation = self.execution_context.operation_type
        if operation is OperationType.QUERY:
            token = ROUTE.set(Route(replica, caller.identity))
            try:
                yield
            finally:
                ROUTE.reset(token)
        elif operation is OperationType.MUTATION:
            try:
                yield
            finally:  # a refused field may follow one that committed: remember either way
                replica.wrote(caller.identity)
        else:
            yield
