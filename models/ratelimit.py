"""Rate-limit counters shared by every server process: one row per limit, subject and window.

Written only by hand-written statements (resolvers/limits/counters.py) that increment and read a
row in one round trip; expired rows are swept.
"""

from tortoise import fields
from tortoise.models import Model


class RateCounter(Model):
    key = fields.CharField(max_length=200, primary_key=True)
    """The limit's name and its subject, as `starts:12:203.0.113.7`."""
    hits = fields.BigIntField()
    resets_at = fields.FloatField(db_index=True)
    """Unix time (seconds) when this window ends and the count starts again."""
    added = fields.BigIntField(default=0)
    """What the last check added: its amount, or 0 when it was refused."""

    class Meta:
        table = "rate_counter"
