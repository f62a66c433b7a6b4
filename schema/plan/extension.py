"""Answering covered queries from their compiled plan instead of resolving field by field.

Runs last, once every other extension has had its say (limits, cost points, input policy). For a
query the plan covers, the answer is built from one statement per root field and written straight
into the result; graphql-core's executor never runs. Whatever the plan does not cover, and any
request of a covered query that fails as expected (a bad argument, a refused caller, a database
error, a missing row), is answered by the executor exactly as before: errors are always the
executor's own, and a plan only ever answers requests that succeed. A plan failing any other way
is a bug: the executor still answers, and the failure is logged at ERROR with the document's hash
and counted (`parley_compiled_plans_total{outcome="failed"}`); the test suite fails on any.
"""

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, OperationDefinitionNode, get_operation_ast
from graphql.execution.values import VariableValues, get_variable_values
from strawberry import Schema
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from resolvers.conversation import count_conversations
from resolvers.errors import ParleyError, database_failure
from resolvers.listing import Wanted, list_conversations, read_conversation
from schema.plan.collect import NotCoveredError
from schema.plan.compile import (
    Compiler,
    ConstantRoot,
    CountRoot,
    ListRoot,
    Needs,
    OneRoot,
    Plan,
    Readers,
    ReadRoot,
    directive_variables,
)
from schema.plan.shape import Bound
from schema.policy.cache import Analysed, DocumentCache, digest_of
from schema.policy.metrics import PLANS
from schema.policy.visibility import is_visitor

logger = logging.getLogger("parley.plan")

MAX_PLANS = 32
"""Plans one document keeps (one per operation and combination of `@skip`/`@include` values):
a client varying its directive variables cannot grow a cached document without bound; past it,
the executor answers."""
NOT_COVERED = "not covered"
"""Cached for operations no plan covers, so they are recognised at once next time."""


class Plans:
    """The plans of one schema: where to find them (with the documents) and how to compile them."""

    def __init__(self, documents: DocumentCache, readers: Readers, enabled: bool = True) -> None:
        self.documents = documents
        self.readers = readers
        self.enabled = enabled

    def plan(
        self,
        schema: Schema,
        analysed: Analysed,
        operation: OperationDefinitionNode,
        variables: VariableValues,
    ) -> Plan | None:
        name = operation.name.value if operation.name else None
        deciding = analysed.plans.get(("deciding", name))
        if deciding is None:
            deciding = analysed.plans[("deciding", name)] = directive_variables(analysed.document)
        key = ("plan", name, tuple(variables.coerced.get(variable) for variable in deciding))
        found = analysed.plans.get(key)
        if found is None:
            if len(analysed.plans) >= MAX_PLANS:
                return None
            try:
                found = Compiler(
                    schema, analysed.document, variables.coerced, self.readers
                ).compile(operation)
            except NotCoveredError as why:
                logger.debug("not covered: %s", why)
                found = NOT_COVERED
            analysed.plans[key] = found
        return found if isinstance(found, Plan) else None


async def run(
    plan: Plan, schema: Schema, context: Any, variables: VariableValues
) -> dict[str, Any]:
    """The operation's `data`, read and written by the plan."""
    bound: Bound = [slot.resolve(schema, variables) for slot in plan.slots]
    data: dict[str, Any] = {}
    for root in plan.roots:
        if isinstance(root, ConstantRoot):
            data[root.key] = root.value
        elif isinstance(root, CountRoot):
            workspace_id = context.reader().workspace_id
            data[root.key] = await count_conversations(workspace_id, bound[root.slot])
        elif isinstance(root, ListRoot):
            data[root.key] = await _list(root, context, bound)
        elif isinstance(root, OneRoot):
            data[root.key] = await _one(root, context, bound)
        elif isinstance(root, ReadRoot):
            data[root.key] = await _read(root, context, bound)
    return data


async def _read(root: ReadRoot, context: Any, bound: Bound) -> Any:
    found = await root.read(context, **bound[root.slot])
    if found is None:
        return None
    if root.shapes is not None:
        return root.shapes[found.type_name].write(found.row, bound)
    if root.shape is None:
        return found
    if root.many:
        return [root.shape.write(row, bound) for row in found]
    return root.shape.write(found, bound)


def _wanted(needs: Needs, bound: Bound) -> Wanted:
    return Wanted(
        total=needs.total,
        assistant=needs.assistant,
        assistant_forms=needs.assistant_forms,
        variables=needs.variables,
        usage_by_model=needs.usage_by_model,
        message_pages=tuple(dict.fromkeys(bound[slot] for slot in needs.message_slots or ())),
        labels=needs.labels,
        event_cursor=needs.event_cursor,
    )


async def _one(root: OneRoot, context: Any, bound: Bound) -> dict[str, Any]:
    """One conversation, read as the executor reads it (a missing one gives way: the executor
    answers NOT_FOUND)."""
    caller = context.caller()
    pk: int = bound[root.slot]
    caller.require_conversation(pk, write=False)
    row = await read_conversation(caller.workspace_id, pk, _wanted(root.needs, bound))
    return root.node.write(row, bound)


async def _list(root: ListRoot, context: Any, bound: Bound) -> dict[str, Any]:
    workspace_id = context.reader().workspace_id
    where, order, args = bound[root.slot]
    listing = await list_conversations(workspace_id, where, order, args, _wanted(root.needs, bound))
    return root.connection.write(listing, bound)


class CompiledPlans(SchemaExtension):
    def __init__(self, plans: Plans) -> None:
        self.plans = plans

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if (
            self.plans.enabled
            and context.result is None
            and context.operation_type is OperationType.QUERY
            and context.query
        ):
            data = await self._answer()
            if data is not None:
                context.result = ExecutionResult(data=data)
        yield

    async def _answer(self) -> dict[str, Any] | None:
        context = self.execution_context
        analysed = self.plans.documents.get(context.query or "")
        if analysed is None:
            return None
        operation = get_operation_ast(analysed.document, context.operation_name)
        if operation is None:
            return None
        schema = context.schema
        variables = get_variable_values(
            schema._schema, operation.variable_definitions or (), context.variables or {}
        )
        if not isinstance(variables, VariableValues):
            return None  # the executor reports them
        plan = self.plans.plan(schema, analysed, operation, variables)
        if plan is None or (not plan.for_visitors and is_visitor(context.context)):
            PLANS.labels("not_covered").inc()
            return None
        try:
            data = await run(plan, schema, context.context, variables)
        except (ParleyError, NotCoveredError):  # the executor answers it, with its own error
            PLANS.labels("gave_way").inc()
            return None
        except Exception as error:
            if database_failure(error) is not None:  # the executor meets it too, and says so
                PLANS.labels("gave_way").inc()
                return None
            # A bug: the executor still answers, but it must be seen and fixed.
            logger.error(
                "compiled plan failed for document %s (operation %s)",
                digest_of(context.query or ""),
                context.operation_name,
                exc_info=True,
            )
            PLANS.labels("failed").inc()
            return None
        PLANS.labels("answered").inc()
        return data
