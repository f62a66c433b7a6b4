"""Live updates over `graphql-transport-ws`: the per-process event feed (feed.py), how a process
hears of new events (broker.py: LISTEN/NOTIFY or its own commits), shared live counts (counts.py),
the message and event streams behind the subscriptions (streams.py), and their lifecycle (live.py).
"""
