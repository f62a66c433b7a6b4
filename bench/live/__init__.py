"""`python -m bench.live`: the live-view targets of issue 9, measured on real processes.

Fan-out: widget sockets on `messageAdded` and dashboards on `conversationCount` against one
`parley serve`, messages written through another one, beside a bare websocket server pushing the
same frames to the same sockets. Idle: statements and memory of a fresh `parley serve` holding
idle subscriptions (10,000 sockets on the one process in `make bench`). Every figure is printed
with its target and written to bench/results-live.md.
"""
