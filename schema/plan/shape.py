"""How a plan writes one object of the response: a getter per response key, and the shape of
what the getter returns when that is an object or a list of them.

Getters take the row and the request's bound arguments (see schema/plan/slots.py), so one shape,
compiled once per document, serves every request of it. A shape compiles itself into one
function that builds the object as a dict display (plain attributes read inline, nested shapes
called directly): a page writes thousands of objects, and a loop over (key, getter) pairs with a
call per field costs several times more. Only response keys (GraphQL names, checked by the parser,
written with `repr`) and attribute names of Parley's own getters reach the generated source;
everything else is passed in as a value.
"""

from collections.abc import Callable, Sequence
from typing import Any

Bound = Sequence[Any]
"""The request's argument values, by slot number."""
Getter = Callable[[Any, Bound], Any]
Field = tuple[str, Getter, "Shape | None", bool]
"""(response key, getter, shape of an object value, whether the value is a list of them)."""


class Shape:
    def __init__(self, fields: tuple[Field, ...]) -> None:
        self.fields = fields
        self.write: Callable[[Any, Bound], dict[str, Any]] = _compiled(fields)


def constant(value: Any) -> Getter:
    def get(_item: Any, _bound: Bound) -> Any:
        return value

    return get


def attribute(name: str, serialize: Callable[[Any], Any] | None = None) -> Getter:
    """The item's attribute, serialized when it is not null."""
    if serialize is None:

        def plain(item: Any, _bound: Bound) -> Any:
            return getattr(item, name)

        plain.attribute = name  # type: ignore[attr-defined]
        return plain

    def get(item: Any, _bound: Bound) -> Any:
        value = getattr(item, name)
        return None if value is None else serialize(value)

    return get


def _compiled(fields: tuple[Field, ...]) -> Callable[[Any, Bound], dict[str, Any]]:
    namespace: dict[str, Any] = {}
    entries = []
    for index, (key, get, child, many) in enumerate(fields):
        name = getattr(get, "attribute", None)
        if isinstance(name, str) and name.isidentifier():
            value = f"item.{name}"
        else:
            namespace[f"get{index}"] = get
            value = f"get{index}(item, bound)"
        if child is not None:
            namespace[f"write{index}"] = child.write
            written = (
                f"[write{index}(each, bound) for each in v{index}]"
                if many
                else f"write{index}(v{index}, bound)"
            )
            value = f"(None if (v{index} := {value}) is None else {written})"
        entries.append(f"{key!r}: {value}")
    source = f"def write(item, bound):\n    return {{{', '.join(entries)}}}\n"
    exec(compile(source, "<plan shape>", "exec"), namespace)  # noqa: S102 (see the docstring)
    write: Callable[[Any, Bound], dict[str, Any]] = namespace["write"]
    return write
