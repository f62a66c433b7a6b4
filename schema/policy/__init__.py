"""Request policy: what every document and request meets around the resolvers, cheapest first: its
limits and cost (documents, complexity, cost, with the document cache), who may introspect, the
visitor's view (visibility), the input policy, how failures become GraphQL errors, and what is
measured of it all for `/metrics` (metrics)."""
