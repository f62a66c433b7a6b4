"""The database as the resolvers reach it beside the ORM: hand-written SQL on its connection."""
