"""Compiled plans: the dashboards' queries answered set-wise, not field by field.

A validated query whose every field a plan knows (`conversations` with its nested relations,
`conversationCount`) is compiled once (cached with its document, schema/policy/cache.py): field
collection (collect.py), argument slots read as the resolvers read them (slots.py) and a shape per
response object (shape.py, compile.py). Each request then binds its arguments, reads each root
field with one statement (resolvers/listing.py) and writes the response directly
(extension.py). Anything else, and any request that fails, goes through the executor, so errors
are always the executor's; tests/test_plan_differential.py holds the two to the same answers.
"""
