"""Request policy: what every document and request meets around the resolvers, cheapest first:
its limits and cost (documents, complexity, cost, with the document cache), who may introspect,
the visitor's view (visibility), the input policy, and how failures become GraphQL errors."""
