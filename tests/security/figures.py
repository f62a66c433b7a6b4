"""Counts the fuzzing properties add to, printed as one line at the end of the run."""

examples = 0
"""Requests sent with generated input."""
failures = 0
"""Of those, answers that were a 5xx or carried INTERNAL_SERVER_ERROR."""
