"""Plain async functions that read and write Parley's records: no GraphQL types in here."""
