"""Badge counts from `conversation_tally`, the counts per (workspace, assistant, type, status) that
triggers keep in step with every write (models/migrations/0007_conversation_tally.py).

A filter on types, statuses and assistants only (the badges' filters) sums a few of those rows, in
time that does not grow with the number of conversations; any other filter is not answered here.
The sum runs in one statement, so it reads one committed state and agrees with `COUNT(*)`.
"""

from dataclasses import replace
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from resolvers.filters import ConversationFilter
from resolvers.search import search_words
from resolvers.sql import Params, dialect, fetch

_EVERYTHING = ConversationFilter()


def tally_answers(where: ConversationFilter) -> bool:
    """Whether the filter asks only about types, statuses and assistants (or nothing at all).

    Checked as "everything else is unset", so a filter field added later counts in SQL until the
    tally learns it. A search without words matches everything, as `conversation_where` says."""
    rest = replace(where, types=None, statuses=None, assistant_ids=None)
    if rest.search is not None and not search_words(rest.search):
        rest = replace(rest, search=None)
    return rest == _EVERYTHING


def _in_list(column: str, values: tuple[Any, ...] | None, params: Params) -> str | None:
    if values is None:
        return None
    # An empty list matches nothing, as in resolvers/filters.py.
    return f"{column} IN {params.add_all(values)}" if values else "1 = 0"


async def tally_count(
    workspace_id: int, where: ConversationFilter, using: BaseDBAsyncClient | None = None
) -> int:
    """How many of the workspace's conversations match; only for filters `tally_answers` takes."""
    if not tally_answers(where):
        raise ValueError("the tally counts by type, status and assistant only")
    params = Params(str(using.capabilities.dialect) if using is not None else dialect())
    conditions = [f"workspace_id = {params.add(workspace_id)}"]
    for column, values in (
        ("type", where.types),
        ("status", where.statuses),
        ("assistant_id", where.assistant_ids),
    ):
        if (condition := _in_list(column, values, params)) is not None:
            conditions.append(condition)
    matching = " AND ".join(conditions)
    sql = f"SELECT COALESCE(SUM(n), 0) AS n FROM conversation_tally WHERE {matching}"
    rows = await fetch(sql, params, using=using)
    return int(rows[0]["n"])
