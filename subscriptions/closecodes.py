"""Close codes a live client acts on, beside the protocol's own (4400, 4401, 4403 … of
`graphql-transport-ws`); docs/live.md lists them all with what a client should do."""

SLOW_CONSUMER = 4499
"""The subscriber fell too far behind: reconnect and resume by cursor."""
FORBIDDEN = 4403
"""The socket's key was revoked or its session token expired: do not retry with it."""
PONG_TIMEOUT = 4504
"""The socket did not answer a ping in time."""
INTERNAL = 4500
"""Something unexpected failed on the server (it is logged); reconnecting is safe."""
UNAVAILABLE = 4503
"""The database could not be read (it is down or restarting): reconnect after a second or so and
resume by cursor; nothing is lost."""
