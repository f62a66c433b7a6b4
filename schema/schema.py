"""The assembled schema and its extensions, built once per process."""

from collections.abc import Iterator

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.apikey import ApiKey
from schema.assistant import Assistant
from schema.conversation import Conversation
from schema.errors import ErrorPolicy
from schema.limits import complexity_rule
from schema.message import Message
from schema.mutation import Mutation
from schema.query import Query
from schema.scalars import SCALAR_MAP
from schema.subscription import Subscription
from server.context import Context


class FreshLoaders(SchemaExtension):
    """Each operation starts with empty DataLoaders, also on a long-lived websocket."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.forget_loaders()
        yield


class ParleySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Unexpected errors are logged by `ErrorPolicy`; expected ones need no traceback."""


def build_schema(
    max_depth: int = 12, max_aliases: int = 30, cache_size: int = 1000
) -> ParleySchema:
    rules: list[type[ASTValidationRule]] = [complexity_rule(max_depth, max_aliases)]
    return ParleySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Conversation, Message, Assistant, ApiKey],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            lambda: AddValidationRules(rules),
            lambda: ParserCache(maxsize=cache_size),
            lambda: ValidationCache(maxsize=cache_size),
            ErrorPolicy,
            FreshLoaders,
        ],
    )
