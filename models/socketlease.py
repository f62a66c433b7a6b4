"""Open websockets as leases every server process can count, so a cap on sockets per key or per
address holds across workers. A process renews its leases while their sockets are open; a crashed
process's leases run out by themselves (resolvers/limits/socketleases.py)."""

from tortoise import fields
from tortoise.models import Model


class SocketLease(Model):
    id = fields.CharField(max_length=80, primary_key=True)
    """`<process>:<socket>:<what>`: unique per open socket and per thing it is counted under."""
    subject = fields.CharField(max_length=200, db_index=True)
    """What is capped, as `key:12` or `address:203.0.113.7`."""
    expires_at = fields.FloatField(db_index=True)
    """Unix time (seconds) after which the lease no longer counts, unless renewed."""

    class Meta:
        table = "socket_lease"
