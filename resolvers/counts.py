"""Counting conversations: a badge's filter from `conversation_tally`, any other in SQL.

`conversation_tally` holds the counts per (workspace, assistant, type, status, handling, assignee)
that triggers keep in step with every write, in the writing transaction
(models/migrations/0007_conversation_tally.py, 0025_tally_handling.py). A filter on those only (the
badges' filters, the inbox's) sums a few of those rows, in time that does not grow with the number
of conversations; any other filter counts the rows that
`conversation_where` selects, as the list does. Either way it is one statement reading one committed
state, so the count agrees with `COUNT(*)`.
"""

from dataclasses import replace
from typing import Any

from resolvers.database.sql import Params
from resolvers.filters import ConversationFilter, conversation_where
from resolvers.search import search_words

_EVERYTHING = ConversationFilter()


def tally_answers(where: ConversationFilter) -> bool:
    """Whether the filter asks only about types, statuses, assistants, handlings and assignees
    (or nothing at all).

    Checked as "everything else is unset", so a filter field added later counts in SQL until the
    tally learns it. A search without words matches everything, as `conversation_where` says."""
    rest = replace(
        where,
        types=None,
        statuses=None,
        assistant_ids=None,
        handlings=None,
        assignee_ids=None,
        assigned=None,
    )
    if rest.search is not None and not search_words(rest.search):
        rest = replace(rest, search=None)
    return rest == _EVERYTHING


def count_sql(workspace_id: int, where: ConversationFilter, params: Params) -> str:
    """One statement whose one row's `n` is how many of the workspace's conversations match.

    Its names are qualified, so it can stand as a subquery in a caller's own statement (a
    compiled plan's page); `count_conversations` runs it alone."""
    if not tally_answers(where):
        matching = conversation_where(workspace_id, where, params)
        return f"SELECT COUNT(*) AS n FROM conversation c WHERE {matching}"
    matching = _tally_where(workspace_id, where, params)
    return f"SELECT COALESCE(SUM(t.n), 0) AS n FROM conversation_tally t WHERE {matching}"


def grouped_count_sql(workspace_id: int, where: ConversationFilter, params: Params) -> str:
    """One statement with a row (`type`, `status`, `assistant_id`, `handling`, `assignee_id`
    (NULL: nobody), `n`) for each combination that has matching conversations: every facet of
    the filter's count at once, from the tally when the filter allows, as `count_sql` counts."""
    groups = "{0}.type, {0}.status, {0}.assistant_id, {0}.handling"
    if not tally_answers(where):
        matching = conversation_where(workspace_id, where, params)
        return (
            f"SELECT {groups.format('c')}, c.assignee_id, COUNT(*) AS n FROM conversation c "
            f"WHERE {matching} GROUP BY {groups.format('c')}, c.assignee_id"
        )
    matching = _tally_where(workspace_id, where, params)
    return (
        f"SELECT {groups.format('t')}, NULLIF(t.assignee, 0) AS assignee_id, SUM(t.n) AS n "
        f"FROM conversation_tally t WHERE {matching} GROUP BY {groups.format('t')}, t.assignee "
        "HAVING SUM(t.n) > 0"
    )


def _tally_where(workspace_id: int, where: ConversationFilter, params: Params) -> str:
    conditions = [f"t.workspace_id = {params.add(workspace_id)}"]
    for column, values in (
        ("t.type", where.types),
        ("t.status", where.statuses),
        ("t.assistant_id", where.assistant_ids),
        ("t.handling", where.handlings),
        ("t.assignee", _agents(where.assignee_ids)),
    ):
        if values is not None:
            conditions.append(_in_list(column, values, params))
    if where.assigned is not None:
        conditions.append(f"t.assignee {'<>' if where.assigned else '='} 0")
    return " AND ".join(conditions)


def _agents(ids: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """Agents' ids as the tally's `assignee` holds them: 0 there is "nobody", never an agent."""
    return None if ids is None else tuple(pk for pk in ids if pk > 0)


def _in_list(column: str, values: tuple[Any, ...], params: Params) -> str:
    # An empty list matches nothing, as in resolvers/filters.py.
    return f"{column} IN {params.add_all(values)}" if values else "1 = 0"
