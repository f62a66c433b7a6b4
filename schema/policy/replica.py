"""Which operations a read replica may serve (resolvers/database/replica.py): a query's reads are
routed for its caller; a mutation's reads stay on the primary, and once it has run its caller's
next reads wait for the replica to have its writes. Subscriptions read the primary."""

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
        if replica is None or caller is None:
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
