"""`python -m bench.scale`: the write and scale figures of issue 22, on real processes.

The ingest ratio: `sendMessage` with usage through `parley serve` (1 and 2 processes, 8 and 32
writers) against a raw asyncpg transaction writing the same rows and event. The curve:
messages/s and commit → delivery p99 against 1, 2 and 4 processes at a fixed mix of widgets,
dashboards and writers, with PostgreSQL alone and with the NATS bus. Written to
bench/results-scale.md and bench/results-scale.svg.
"""
