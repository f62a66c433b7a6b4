"""The running service: settings, the Starlette app and its lifespan, auth, request context, CLI."""
