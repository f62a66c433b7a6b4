"""How a plan writes one object of the response: a getter per response key, and the shape of
what the getter returns when that is an object or a list of them.

Getters take the row and the request's bound arguments (see schema/plan/slots.py), so one shape,
compiled once per document, serves every request of it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Bound = Sequence[Any]
"""The request's argument values, by slot number."""
Getter = Callable[[Any, Bound], Any]


@dataclass(frozen=True)
class Shape:
    fields: tuple[tuple[str, Getter, "Shape | None", bool], ...]
    """(response key, getter, shape of an object value, whether the value is a list of them)."""

    def write(self, item: Any, bound: Bound) -> dict[str, Any]:
        written: dict[str, Any] = {}
        for key, get, child, many in self.fields:
            value = get(item, bound)
            if child is not None and value is not None:
                if many:
                    value = [child.write(element, bound) for element in value]
                else:
                    value = child.write(value, bound)
            written[key] = value
        return written


def constant(value: Any) -> Getter:
    return lambda _item, _bound: value


def attribute(name: str, serialize: Callable[[Any], Any] | None = None) -> Getter:
    """The item's attribute, serialized when it is not null."""
    if serialize is None:
        return lambda item, _bound: getattr(item, name)

    def get(item: Any, _bound: Bound) -> Any:
        value = getattr(item, name)
        return None if value is None else serialize(value)

    return get
