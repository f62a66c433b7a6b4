"""The running service: settings, the Starlette app and its lifespan, request context and the
GraphQL transports; edge/ (the public edge), commands/ (what `parley` runs beside serving) and
webhooks/ (the delivery worker)."""
