"""The bounds the write path enforces: what one record may hold, how long a session token lives,
when a quiet conversation ends; each set from its `PARLEY_*` variable (server/settings.py).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    max_message_length: int = 4000
    max_variables_per_conversation: int = 50
    max_variable_length: int = 1000
    """Characters of a variable's value as JSON text."""
    max_form_fields: int = 30
    session_ttl_seconds: int = 24 * 3600
    idle_timeout_seconds: int = 30 * 60
    reply_timeout_seconds: int = 60
    """A streamed reply with no text for this long (its engine died) is abandoned: INCOMPLETE."""
    sweep_interval_seconds: int = 60
    """How often each server process looks for idle conversations; 0 turns the sweeper off."""
    widget_starts_per_minute: int = 10
    """Conversations one widget key may start per visitor address per minute; 0: no limit."""
    widget_messages_per_minute: int = 30
    """Messages one session token may send per minute; 0: no limit."""
