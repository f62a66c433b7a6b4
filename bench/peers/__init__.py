"""Parley against its peers: PostGraphile 5 and a hand-written endpoint, side by side in one run.

`python -m bench.peers` (what `make bench` runs first) loads a large data set once into its own
PostgreSQL database, serves every contender as a real process, loads them with wrk and writes
bench/results.md. The in-process tables of `python -m bench` are a separate, older benchmark.
"""
