"""Helpers the tests share (no test module imports another): clients, factories, servers, waits."""
