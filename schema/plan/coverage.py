"""What the compiled plans answer, checked when the schema is built: never silently slower.

Every field of every type a plan meets is either answered by the plans or declared here as left to
the executor. A field added to `Conversation` (or any of these types) that is neither makes the
schema refuse to build, naming it: the one adding it decides, and the docs' table of what a plan
answers (docs/architecture.md) is held to the same answer by the tests.
"""

from collections.abc import Mapping

from graphql import (
    GraphQLObjectType,
    OperationDefinitionNode,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
    parse,
)
from strawberry import Schema

from schema.plan.collect import NotCoveredError
from schema.plan.compile import Compiler, Readers

_NODE = "conversations { edges { node { %s } } }"
_MESSAGE = _NODE % "messages { edges { node { %s } } }"
PLANNED_TYPES: Mapping[str, str] = {
    "ConversationConnection": "conversations { %s }",
    "ConversationEdge": "conversations { edges { %s } }",
    "PageInfo": "conversations { pageInfo { %s } }",
    "Conversation": _NODE,
    "Usage": _NODE % "usage { %s }",
    "Visitor": _NODE % "visitor { %s }",
    "ConversationRating": _NODE % "rating { %s }",
    "Label": _NODE % "labels { %s }",
    "Assistant": _NODE % "assistant { %s }",
    "FormField": _NODE % "assistant { preChatForm { %s } }",
    "VariableDefinition": _NODE % "assistant { extractedVariables { %s } }",
    "Variable": _NODE % "variables { %s }",
    "ModelUsage": _NODE % "usageByModel { %s }",
    "MessageConnection": _NODE % "messages { %s }",
    "MessageEdge": _NODE % "messages { edges { %s } }",
    "Message": _MESSAGE,
    "ReplyPricing": _MESSAGE % "pricing { %s }",
    "MessageFeedback": _MESSAGE % "feedback { %s }",
}
"""Where a plan meets each type: a query reaching a field of it (`%s`)."""
EXECUTOR_ONLY: Mapping[str, frozenset[str]] = {
    "Message": frozenset({"conversation", "costHistory"}),
    "Variable": frozenset({"history"}),
}
"""The fields of those types that only the executor answers, by decision: a page asking for one
goes through the executor whole."""


class UncoveredFieldError(RuntimeError):
    """A field neither answered by the plans nor declared executor-only (or declared so, but
    answered)."""


def planned(schema: Schema, readers: Readers, type_name: str, field: str) -> bool:
    """Whether a compiled plan answers `field` of `type_name`, asked as the only thing selected
    (required arguments given a placeholder, a composite value its `__typename`)."""
    found = schema._schema.get_type(type_name)
    assert isinstance(found, GraphQLObjectType)
    definition = found.fields[field]
    arguments = ", ".join(
        f'{argument}: "x"'
        for argument, given in definition.args.items()
        if is_non_null_type(given.type) and given.default_value is Undefined
    )
    selection = field + (f"({arguments})" if arguments else "")
    if not is_leaf_type(get_named_type(definition.type)):
        selection += " { __typename }"
    document = parse("{ " + PLANNED_TYPES[type_name] % selection + " }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    try:
        Compiler(schema, document, {}, readers).compile(operation)
    except NotCoveredError:
        return False
    return True


def check_coverage(
    schema: Schema, readers: Readers, executor_only: Mapping[str, frozenset[str]] = EXECUTOR_ONLY
) -> None:
    """Raises `UncoveredFieldError` naming every field whose answer is not as declared."""
    wrong = []
    for type_name in PLANNED_TYPES:
        found = schema._schema.get_type(type_name)
        assert isinstance(found, GraphQLObjectType), type_name
        declared = executor_only.get(type_name, frozenset())
        for field in found.fields:
            if planned(schema, readers, type_name, field) == (field in declared):
                wrong.append(f"{type_name}.{field}")
    if wrong:
        raise UncoveredFieldError(
            f"{', '.join(wrong)}: answer each in the compiled plans (schema/plan/compile.py) or "
            "declare it in EXECUTOR_ONLY (schema/plan/coverage.py), not both: a page asking for "
            "a field the plans do not answer is slower, so that must be a decision."
        )
