"""Limits: what a caller may write (bounds), how often (rate limits over shared counters) and how
many websockets it may hold open (socket leases), each enforced the same way by every process.

The configurable ones are objects read per concern in server/settings.py: `Bounds` (records,
sessions, the sweeper), `EdgeLimits` (rates and socket caps), and the schema's `DocumentLimits`.
Fixed caps (`MAX_*`) sit beside the one piece of code each bounds."""
