"""Full-text search over message content, the same words on PostgreSQL and SQLite.

A word is a run of letters, digits and combining marks; matching needs every word of the query in
one message. Each database splits and case-folds the query exactly as it splits and folds the
content, so a word matches itself however it is written. PostgreSQL uses the GIN expression index
of migration 0002, SQLite its FTS5 table (whose tokenizer the Python splitting below mirrors).
"""

import unicodedata

from resolvers.database.sql import Params
from resolvers.errors import BadUserInput

MAX_SEARCH_LENGTH = 500
_WORD_CATEGORIES = ("L", "N", "M", "Co")  # what FTS5's unicode61 keeps inside a token

# Identical to the indexed expression in models/migrations/0002_message_search.py.
_PG_WORDS = "regexp_replace({text}, '[^[:alnum:]]+', ' ', 'g')"
_PG_DOCUMENT = f"to_tsvector('simple', {_PG_WORDS.format(text='content')})"


def search_words(text: str) -> list[str]:
    """The query's words as FTS5's unicode61 tokenizer sees them."""
    if len(text) > MAX_SEARCH_LENGTH:
        raise BadUserInput(f"filter.search needs at most {MAX_SEARCH_LENGTH} characters.")
    words, current = [], []
    for char in text:
        if unicodedata.category(char).startswith(_WORD_CATEGORIES):
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def search_condition(text: str, words: list[str], params: Params) -> str:
    """A condition on `conversation c`: it has a message containing every word."""
    if params.dialect == "postgres":
        query = _PG_WORDS.format(text=params.add(text))
        # ANY(ARRAY(...)) makes PostgreSQL read the GIN index first: as a plain IN, its guess at
        # the selectivity of @@ can pick a nested loop that computes a tsvector per message.
        return (
            "c.id = ANY(ARRAY(SELECT DISTINCT conversation_id FROM message "
            f"WHERE {_PG_DOCUMENT} @@ plainto_tsquery('simple', {query})))"
        )
    # Words hold no quotes or operators, so quoting each as an FTS5 string is exact.
    match = params.add(" AND ".join(f'"{word}"' for word in words))
    return (
        "c.id IN (SELECT conversation_id FROM message WHERE id IN "
        f"(SELECT rowid FROM message_fts WHERE message_fts MATCH {match}))"
    )
