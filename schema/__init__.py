"""The GraphQL schema: strawberry types per domain, assembled at one root in `schema/schema.py`."""
