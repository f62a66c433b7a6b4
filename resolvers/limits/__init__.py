"""Limits: what a caller may write (bounds), how often (rate limits over shared counters) and how
many websockets it may hold open (socket leases), each enforced the same way by every process."""
