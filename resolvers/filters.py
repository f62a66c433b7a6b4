"""The one translation of a ConversationFilter into SQL.

The list, the count, the live count and the live list all call `conversation_where`,
so a badge always agrees with its list.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from models.enums import ConversationStatus, ConversationType, Handling
from models.money import ceil_units, floor_units
from resolvers.database.sql import Params
from resolvers.errors import BadUserInput
from resolvers.search import search_condition, search_words

MAX_VARIABLE_CONDITIONS = 10
MAX_LIST_ITEMS = 100
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


def canonical_json(value: Any) -> str:
    """The text two equal JSON values share: sorted keys, no spaces, 2.0 written as 2."""
    return json.dumps(_normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalise(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


@dataclass(frozen=True)
class VariableCondition:
    """`equals_json` is the canonical JSON of the wanted value; `exists` asks only for presence."""

    name: str
    equals_json: str | None = None
    exists: bool | None = None


@dataclass(frozen=True)
class ConversationFilter:
    """All given conditions must hold. Hashable, so equal filters can share work."""

    types: tuple[ConversationType, ...] | None = None
    statuses: tuple[ConversationStatus, ...] | None = None
    assistant_ids: tuple[int, ...] | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    search: str | None = None
    variables: tuple[VariableCondition, ...] = ()
    min_cost: Decimal | None = None
    max_cost: Decimal | None = None
    min_rating: int | None = None
    max_rating: int | None = None
    rated: bool | None = None
    labels_any: tuple[int, ...] | None = None
    """Carries any of these labels (an empty list matches nothing)."""
    labels_all: tuple[int, ...] = ()
    """Carries every one of these labels."""
    handlings: tuple[Handling, ...] | None = None
    """Handled by any of these (the inbox: WAITING)."""
    assignee_ids: tuple[int, ...] | None = None
    """Assigned to any of these agents ("mine": one's own)."""
    assigned: bool | None = None
    """Assigned to some agent, or to none."""

    def __post_init__(self) -> None:
        for name in LIST_FIELDS:
            items = getattr(self, name)
            if items is not None and len(items) > MAX_LIST_ITEMS:
                raise BadUserInput(f"filter.{name} takes at most {MAX_LIST_ITEMS} values.")
        if len(self.variables) > MAX_VARIABLE_CONDITIONS:
            raise BadUserInput(
                f"filter.variables takes at most {MAX_VARIABLE_CONDITIONS} conditions."
            )
        for condition in self.variables:
            if condition.equals_json is not None and condition.exists is False:
                raise BadUserInput(
                    f"filter.variables: {condition.name!r} cannot both equal a value and not exist."
                )
        for name in ("started_after", "started_before"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise BadUserInput(f"filter.{name} needs a time zone offset.")


LIST_FIELDS = (
    "types",
    "statuses",
    "assistant_ids",
    "labels_any",
    "labels_all",
    "handlings",
    "assignee_ids",
)
"""The filter's lists (bounded in length)."""


def _bigint(units: int) -> int:
    """Clamped to the column's range: every stored value lies inside it, so answers stay exact."""
    return max(_BIGINT_MIN, min(_BIGINT_MAX, units))


def _in_list(column: str, values: tuple[Any, ...], params: Params) -> str:
    # An empty list matches nothing, as "all given conditions must hold" says.
    return f"{column} IN {params.add_all(values)}" if values else "1 = 0"


def conversation_where(workspace_id: int, where: ConversationFilter, params: Params) -> str:
    """SQL conditions on `conversation c` that hold exactly for the filter's conversations."""
    conditions = [f"c.workspace_id = {params.add(workspace_id)}"]
    if where.types is not None:
        conditions.append(_in_list("c.type", where.types, params))
    if where.statuses is not None:
        conditions.append(_in_list("c.status", where.statuses, params))
    if where.assistant_ids is not None:
        conditions.append(_in_list("c.assistant_id", where.assistant_ids, params))
    if where.handlings is not None:
        conditions.append(_in_list("c.handling", where.handlings, params))
    if where.assignee_ids is not None:
        conditions.append(_in_list("c.assignee_id", where.assignee_ids, params))
    if where.assigned is not None:
        conditions.append(f"c.assignee_id IS {'NOT ' if where.assigned else ''}NULL")
    if where.started_after is not None:
        conditions.append(f"c.started_at >= {params.add(where.started_after)}")
    if where.started_before is not None:
        conditions.append(f"c.started_at < {params.add(where.started_before)}")
    if where.min_cost is not None:
        conditions.append(f"c.cost_e12 >= {params.add(_bigint(ceil_units(where.min_cost)))}")
    if where.max_cost is not None:
        conditions.append(f"c.cost_e12 <= {params.add(_bigint(floor_units(where.max_cost)))}")
    if where.search is not None and (words := search_words(where.search)):
        conditions.append(search_condition(where.search, words, params))
    for condition in where.variables:
        conditions.append(_variable_condition(condition, params))
    conditions += _feedback_conditions(where, params)
    return " AND ".join(conditions)


def _feedback_conditions(where: ConversationFilter, params: Params) -> list[str]:
    """Ratings and labels: what people said about a conversation."""
    conditions = []
    if where.min_rating is not None:
        conditions.append(f"c.rating >= {params.add(where.min_rating)}")
    if where.max_rating is not None:
        conditions.append(f"c.rating <= {params.add(where.max_rating)}")
    if where.rated is not None:
        conditions.append("c.rating IS NOT NULL" if where.rated else "c.rating IS NULL")
    labelled = "c.id IN (SELECT conversation_id FROM conversation_label WHERE label_id"
    if where.labels_any is not None:
        anyof = f"{labelled} IN {params.add_all(where.labels_any)})" if where.labels_any else ""
        conditions.append(anyof or "1 = 0")
    for label in where.labels_all:
        conditions.append(f"{labelled} = {params.add(label)})")
    return conditions


def _variable_condition(condition: VariableCondition, params: Params) -> str:
    name = params.add(condition.name)
    if condition.equals_json is not None:
        value = params.add(condition.equals_json)
        return (
            "c.id IN (SELECT conversation_id FROM variable "
            f"WHERE name = {name} AND value_json = {value})"
        )
    negate = "NOT " if condition.exists is False else ""
    return f"c.id {negate}IN (SELECT conversation_id FROM variable WHERE name = {name})"


def filter_to_json(where: ConversationFilter) -> dict[str, Any]:
    """The filter as stored JSON (a webhook endpoint keeps one): only the conditions given, with
    times in ISO 8601 and money as strings, so `filter_from_json` gives the same filter back."""
    data: dict[str, Any] = {}
    for name in ("types", "statuses", "assistant_ids", "labels_any", "handlings", "assignee_ids"):
        items = getattr(where, name)
        if items is not None:
            data[name] = list(items)
    if where.labels_all:
        data["labels_all"] = list(where.labels_all)
    for name in ("started_after", "started_before"):
        moment = getattr(where, name)
        if moment is not None:
            data[name] = moment.isoformat()
    for name in ("min_cost", "max_cost"):
        amount = getattr(where, name)
        if amount is not None:
            data[name] = str(amount)
    for name in ("search", "min_rating", "max_rating", "rated", "assigned"):
        if (value := getattr(where, name)) is not None:
            data[name] = value
    if where.variables:
        data["variables"] = [
            {"name": item.name, "equals_json": item.equals_json, "exists": item.exists}
            for item in where.variables
        ]
    return data


def filter_from_json(data: dict[str, Any]) -> ConversationFilter:
    """What `filter_to_json` wrote, as the filter again."""

    def items(name: str, kind: Any) -> tuple[Any, ...] | None:
        return tuple(kind(item) for item in data[name]) if name in data else None

    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(data[name]) if name in data else None

    def amount(name: str) -> Decimal | None:
        return Decimal(data[name]) if name in data else None

    return ConversationFilter(
        types=items("types", ConversationType),
        statuses=items("statuses", ConversationStatus),
        assistant_ids=items("assistant_ids", int),
        labels_any=items("labels_any", int),
        labels_all=items("labels_all", int) or (),
        started_after=moment("started_after"),
        started_before=moment("started_before"),
        min_cost=amount("min_cost"),
        max_cost=amount("max_cost"),
        search=data.get("search"),
        min_rating=data.get("min_rating"),
        max_rating=data.get("max_rating"),
        rated=data.get("rated"),
        handlings=items("handlings", Handling),
        assignee_ids=items("assignee_ids", int),
        assigned=data.get("assigned"),
        variables=tuple(
            VariableCondition(item["name"], item.get("equals_json"), item.get("exists"))
            for item in data.get("variables", ())
        ),
    )
