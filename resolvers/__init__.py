"""Plain async functions that read and write Parley's records: no GraphQL types in here.

The domain services sit at the top (one module per domain, named as in models/ and schema/); the
mechanisms they share have homes named for what they are: callers/ (who is calling), database/
(hand-written SQL), events/ (the event log) and limits/ (bounds, rate limits, socket caps)."""
