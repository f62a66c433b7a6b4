"""The GraphQL schema: strawberry types per domain, assembled at one root in `schema/schema.py`;
policy/ holds what every request meets around the resolvers, plan/ the compiled plans."""
