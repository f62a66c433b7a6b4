"""Live updates over `graphql-transport-ws`: the event broker and the subscription generators.

Empty until the live issue (#4) lands; the package exists so the layout is the one the team expects.
"""
