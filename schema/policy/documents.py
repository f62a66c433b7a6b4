"""Limits on documents, checked before any resolver runs, cheapest first.

1. tokens, while parsing (graphql-core's `max_tokens`): a huge document is never built;
2. depth, aliases and fields over fragment expansion (schema/policy/complexity.py), before the
   specification's validation rules;
3. validation; the document and its analysis are then cached by query text (schema/policy/cache.py);
4. per request: one operation named when there are several, introspection for the caller
   (schema/policy/introspection.py), the visitor's view for a widget key or a session token
   (schema/policy/visibility.py), and the cost with the request's variables (schema/policy/cost.py),
   reported in `extensions.cost` of every response that got that far.

The extension is made once per request from a `DocumentPolicy` made once per schema, so the cache
and the rules are shared by every request.
"""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphql import (
    ASTValidationRule,
    ExecutionResult,
    GraphQLError,
    get_operation_ast,
    specified_rules,
)
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from resolvers.errors import BadUserInput, Forbidden, ParleyError, QueryTooComplex
from schema.policy.cache import Analysed, DocumentCache
from schema.policy.complexity import Shape, measure
from schema.policy.cost import OperationCost, price
from schema.policy.introspection import Introspection, refusal
from schema.policy.visibility import (
    Field,
    closed_to_visitors,
    is_visitor,
    selected_fields,
    visitor_fields,
)

if TYPE_CHECKING:
    from graphql import DocumentNode, GraphQLSchema

TOO_COMPLEX = QueryTooComplex.code
INTROSPECTION_MAX_DEPTH = 20
"""Levels below `__schema`/`__type`: GraphiQL's introspection query needs 15."""


@dataclass(frozen=True)
class DocumentLimits:
    max_tokens: int = 3000
    max_depth: int = 10
    max_aliases: int = 30
    max_fields: int = 10_000
    """Field selections over fragment expansion: a document cannot grow past this by reuse."""
    max_cost: int = 20_000
    cache_bytes: int = 64 * 1024 * 1024
    """Memory the cached documents may hold, estimated from their texts and tokens."""
    introspection: Introspection = Introspection.SECRET


def _error(error: ParleyError) -> GraphQLError:
    return GraphQLError(error.message, extensions={**error.extensions, "code": error.code})


def _too_complex(message: str) -> GraphQLError:
    return _error(QueryTooComplex(message))


def _aborted(error: GraphQLError) -> GraphQLError:
    """graphql-core gives up on documents whose validation would take too much work."""
    if isinstance(error, ValidationAbortedError):
        return _too_complex(f"{error.message} The document is too costly to validate.")
    return error


class DocumentPolicy:
    """The limits and the cache of one schema, shared by all its requests."""

    def __init__(self, limits: DocumentLimits) -> None:
        self.limits = limits
        self.cache = DocumentCache(limits.cache_bytes)
        self.rules: tuple[type[ASTValidationRule], ...] = tuple(specified_rules)
        self._visitor_fields: frozenset[Field] | None = None

    def closed_to_visitors(
        self, schema: "GraphQLSchema", analysed: Analysed, name: str | None
    ) -> list[str]:
        """What the operation selects that a visitor may not read (worked out once per
        document and operation, kept with the document)."""
        if self._visitor_fields is None:
            self._visitor_fields = visitor_fields(schema)
        key = ("visitor-closed", name)
        closed: list[str] | None = analysed.plans.get(key)
        if closed is None:
            operation = get_operation_ast(analysed.document, name)
            selected = (
                selected_fields(schema, analysed.document, operation)
                if operation is not None
                else frozenset()
            )
            closed = analysed.plans[key] = closed_to_visitors(selected, self._visitor_fields)
        return closed

    def shape_errors(self, shape: Shape) -> list[GraphQLError]:
        limits = self.limits
        errors = []
        if shape.depth > limits.max_depth:
            errors.append(
                _too_complex(
                    f"The query is {shape.depth} levels deep; the limit is {limits.max_depth}."
                )
            )
        if shape.introspection_depth > INTROSPECTION_MAX_DEPTH:
            errors.append(
                _too_complex(
                    f"The introspection is {shape.introspection_depth} levels deep; "
                    f"the limit is {INTROSPECTION_MAX_DEPTH}."
                )
            )
        if shape.aliases > limits.max_aliases:
            errors.append(
                _too_complex(
                    f"The query uses {shape.aliases} aliases over its fragments' expansion; "
                    f"the limit is {limits.max_aliases}."
                )
            )
        if shape.fields > limits.max_fields:
            errors.append(
                _too_complex(
                    f"The query selects {shape.fields} fields over its fragments' expansion; "
                    f"the limit is {limits.max_fields}."
                )
            )
        return errors

    def analyse(
        self, schema: "GraphQLSchema", document: "DocumentNode"
    ) -> tuple[Analysed | None, list[GraphQLError]]:
        """The document's analysis when it is within the limits and valid, else its errors."""
        try:
            shapes = measure(document)
            errors = [error for shape in shapes.values() for error in self.shape_errors(shape)]
            if errors:
                return None, errors
            errors = validate_document(schema, document, self.rules)
            if errors:
                return None, [_aborted(error) for error in errors]
            costs = price(schema, document)
        except RecursionError:
            return None, [_too_complex("The query's fragments are nested too deeply.")]
        introspects = frozenset(
            operation.name.value if operation.name else None
            for operation, shape in shapes.items()
            if shape.introspection_depth > 0
        )
        return Analysed(document, len(shapes), costs, introspects), []


class DocumentChecks(SchemaExtension):
    """Refuses documents past the limits before execution; reports the cost of the others."""

    def __init__(self, policy: DocumentPolicy) -> None:
        self.policy = policy
        self.analysed: Analysed | None = None
        self.cost: int | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        self.analysed = self.policy.cache.get(query) if query else None
        if self.analysed is not None:
            context.graphql_document = self.analysed.document
        else:
            context.parse_options["max_tokens"] = self.policy.limits.max_tokens
        yield
        for error in context.pre_execution_errors or ():
            if error.message.endswith("Parsing aborted."):
                error.extensions = {"code": TOO_COMPLEX}

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self.analysed is None:
            assert context.graphql_document is not None
            self.analysed, errors = self.policy.analyse(
                context.schema._schema, context.graphql_document
            )
            if self.analysed is not None and context.query:
                self.policy.cache.put(context.query, self.analysed)
        else:
            errors = []
        if self.analysed is not None:
            errors = self.request_errors(self.analysed)
        context.pre_execution_errors = errors
        yield

    def request_errors(self, analysed: Analysed) -> list[GraphQLError]:
        """What this request's operation name, caller and variables make of a valid document."""
        context = self.execution_context
        name: str | None = getattr(context, "_provided_operation_name", None)
        if name is None and analysed.operations > 1:
            message = (
                f"The document has {analysed.operations} operations: "
                "say which to run in operationName."
            )
            return [_error(BadUserInput(message))]
        if name is None:
            name = context.operation_name
        if name in analysed.introspects:
            refused = refusal(self.policy.limits.introspection, context.context)
            if refused is not None:
                return [_error(refused)]
        if is_visitor(context.context):
            closed = self.policy.closed_to_visitors(context.schema._schema, analysed, name)
            if closed:
                message = (
                    "A widget key or a visitor's session token cannot read "
                    f"{', '.join(closed)}: ask with a secret key."
                )
                return [_error(Forbidden(message, fields=closed))]
        operation: OperationCost | None = analysed.costs.get(name)
        if operation is None:
            return []
        self.cost = operation.evaluate(context.variables)
        limit = self.policy.limits.max_cost
        if self.cost > limit:
            message = (
                f"The query may cost {self.cost} (objects, page sizes multiplied through "
                f"nesting); the limit is {limit}."
            )
            return [_too_complex(message)]
        return []

    async def on_execute(self) -> AsyncIterator[None]:
        """A secret key spends the query's cost from its points budget (on top of the point its
        request took): past the budget, the operation does not run (RATE_LIMITED)."""
        context = self.execution_context
        if self.cost and context.operation_type is not OperationType.SUBSCRIPTION:
            try:
                await context.context.take_points(self.cost)
            except ParleyError as error:
                context.result = ExecutionResult(data=None, errors=[_error(error)])
        yield

    def get_results(self) -> dict[str, object]:
        if self.cost is None:
            return {}
        return {"cost": {"requested": self.cost, "limit": self.policy.limits.max_cost}}
