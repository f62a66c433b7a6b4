"""Tortoise's database clients with one fix each: a transaction cancelled while it begins gives
back what it took.

Tortoise 1.1.9 takes what a transaction needs (SQLite: the one connection's lock; PostgreSQL: a
pooled connection) and then begins, awaited, before the `async with` block is entered: a
cancellation in between (a request past its deadline, a webhook worker stopped) never reaches
`__aexit__`. On SQLite the lock stays taken and every later statement of the process waits
forever; on PostgreSQL the connection never returns to the pool, and once the pool is empty every
statement waits forever. `models/config.py` names these modules as the engines.
"""
