"""The one input policy for text in a request: no NUL, no unpaired surrogate, no deep nesting.

PostgreSQL refuses NUL (U+0000) in text and JSON, and a lone surrogate (U+D800–U+DFFF) cannot be
encoded as UTF-8 by either database, so such a value is refused before execution, wherever it sits:
in the variables (walked with their paths) or in a string literal of the document's arguments.
The error is BAD_USER_INPUT and names where the value was, e.g. `$input.content` or
`sendMessage(input:).content`. Variables nested deeper than `MAX_DEPTH` are refused too, so no
recursive coercion or JSON encoding further down can run out of stack.
"""

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
)
from graphql.language import ExecutableDefinitionNode
from strawberry.extensions import SchemaExtension

MAX_DEPTH = 32
"""Nesting of lists and objects allowed in variables; Parley's deepest input needs 5."""
MAX_NESTING = 64
"""Brackets a document may nest: graphql-core parses recursively, and a deeper document would
exhaust the stack (RecursionError) before any depth rule could look at it."""
_BRACKETS = re.compile(r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n])*"|#[^\n\r]*|[{}\[\]()]')

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None when it can."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "NUL characters (U+0000) are not allowed"
    return "unpaired surrogate code points (U+D800–U+DFFF) are not allowed"


def nesting(document: str) -> int:
    """How deep the document's brackets nest, outside strings and comments."""
    if sum(document.count(bracket) for bracket in "{[(") <= MAX_NESTING:
        return 0  # cannot nest deeper than that: no need to scan
    depth = deepest = 0
    for token in _BRACKETS.finditer(document):
        kind = token.group()
        if kind in ("{", "[", "("):
            depth += 1
            deepest = max(depth, deepest)
        elif kind in ("}", "]", ")"):
            depth -= 1
    return deepest


def refused(where: str, problem: str) -> GraphQLError:
    return GraphQLError(
        f"Invalid input at {where}: {problem}.",
        extensions={"code": "BAD_USER_INPUT", "argument": where},
    )


def variables_error(variables: dict[str, Any] | None) -> GraphQLError | None:
    """The first problem in the raw variables, walked without recursion."""
    stack: list[tuple[str, Any, int]] = [
        (f"${name}", v, 1) for name, v in (variables or {}).items()
    ]
    stack.reverse()
    while stack:
        where, value, depth = stack.pop()
        if isinstance(value, str):
            if problem := text_problem(value):
                return refused(where, problem)
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return refused(where, f"values may be nested at most {MAX_DEPTH} levels deep")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children: list[tuple[str, Any, int]] = []
            for key, child in items:
                if isinstance(key, str) and (problem := text_problem(key)):
                    return refused(f"{where} (a key)", problem)
                step = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"
                children.append((step, child, depth + 1))
            stack.extend(reversed(children))
    return None


def _strings(node: ValueNode, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, StringValueNode):
        yield where, node.value
    elif isinstance(node, ListValueNode):
        for index, item in enumerate(node.values):
            yield from _strings(item, f"{where}[{index}]")
    elif isinstance(node, ObjectValueNode):
        for field in node.fields:
            yield from _strings(field.value, f"{where}.{field.name.value}")


def _arguments(
    owner: str, arguments: tuple[ArgumentNode, ...], directives: tuple[DirectiveNode, ...]
) -> Iterator[tuple[str, str]]:
    for argument in arguments:
        yield from _strings(argument.value, f"{owner}({argument.name.value}:)")
    for directive in directives:
        for argument in directive.arguments or ():
            yield from _strings(argument.value, f"@{directive.name.value}({argument.name.value}:)")


def _selections(selection_set: SelectionSetNode | None) -> Iterator[tuple[str, str]]:
    pending = [selection_set] if selection_set else []
    while pending:
        for selection in pending.pop().selections:
            name = selection.name.value if isinstance(selection, FieldNode) else "..."
            yield from _arguments(
                name, getattr(selection, "arguments", ()) or (), selection.directives or ()
            )
            if inner := getattr(selection, "selection_set", None):
                pending.append(inner)


def document_error(document: DocumentNode) -> GraphQLError | None:
    """The first refused string literal in an argument or a variable's default value."""
    for definition in document.definitions:
        if not isinstance(definition, ExecutableDefinitionNode):
            continue
        found: list[Iterator[tuple[str, str]]] = [_selections(definition.selection_set)]
        found.append(_arguments("", (), definition.directives or ()))
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                if variable.default_value is not None:
                    found.append(
                        _strings(variable.default_value, f"${variable.variable.name.value}")
                    )
        for strings in found:
            for where, text in strings:
                if problem := text_problem(text):
                    return refused(where, problem)
    return None


class InputPolicy(SchemaExtension):
    """Applies the policy to every operation, over HTTP and websockets, before it executes."""

    def on_operation(self) -> Iterator[None]:
        if nesting(self.execution_context.query or "") > MAX_NESTING:
            raise GraphQLError(
                f"The document nests brackets more than {MAX_NESTING} deep.",
                extensions={"code": "BAD_USER_INPUT"},
            )
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        error = variables_error(context.variables)
        # A literal can only hold NUL through an escape (the lexer refuses raw NUL and surrogates).
        if (
            error is None
            and context.graphql_document is not None
            and "\\u" in (context.query or "")
        ):
            error = document_error(context.graphql_document)
        if error is not None:
            raise error
        yield
