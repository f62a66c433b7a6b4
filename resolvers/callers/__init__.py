"""Callers: who a bearer token is (a secret or publishable key, or a session token) and what it
may do, and the cache that spares a request the lookup."""
