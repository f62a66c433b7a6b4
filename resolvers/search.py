"""Full-text search over message content, the same words on PostgreSQL and SQLite.

A word is a run of letters and digits; matching needs every word of the query in one message and
ignores case as the database folds it (the query and the content are folded by the same engine, so
a word matches itself however either is written). PostgreSQL uses the GIN expression index of
migration 0002, SQLite its FTS5 table.
"""

import re

from resolvers.sql import Params

_WORD = re.compile(r"[^\W_]+")
_MAX_WORDS = 32

# Identical to the indexed expression in models/migrations/0002_message_search.py.
_PG_DOCUMENT = "to_tsvector('simple', regexp_replace(content, '[^[:alnum:]]+', ' ', 'g'))"


def search_words(text: str) -> list[str]:
    return _WORD.findall(text)[:_MAX_WORDS]


def matching_conversation_ids(words: list[str], params: Params) -> str:
    """A subquery of the ids of conversations with a message containing every word."""
    if params.dialect == "postgres":
        query = params.add(" ".join(words))
        return (
            "SELECT conversation_id FROM message "
            f"WHERE {_PG_DOCUMENT} @@ plainto_tsquery('simple', {query})"
        )
    # Words hold letters and digits only, so quoting each as an FTS5 string is exact.
    match = params.add(" AND ".join(f'"{word}"' for word in words))
    return (
        "SELECT conversation_id FROM message WHERE id IN "
        f"(SELECT rowid FROM message_fts WHERE message_fts MATCH {match})"
    )
