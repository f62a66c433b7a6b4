"""The webhook worker: it derives deliveries from the event log, builds each body from the API's own
answer, signs it and sends it through a client that only reaches public addresses."""
