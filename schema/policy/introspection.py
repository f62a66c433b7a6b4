"""Who may read the schema through `__schema` and `__type` (`__typename` is not introspection).

`secret` (the default) lets secret keys introspect, `all` lets anyone, `none` no one. Refusals are
FORBIDDEN, or UNAUTHENTICATED for a request without a valid key.
"""

from enum import StrEnum

from resolvers.callers.caller import CallerKind
from resolvers.errors import Forbidden, ParleyError, Unauthenticated


class Introspection(StrEnum):
    SECRET = "secret"
    ALL = "all"
    NONE = "none"


def refusal(policy: Introspection, context: object) -> ParleyError | None:
    """Why this request may not introspect, or None when it may."""
    if policy is Introspection.ALL:
        return None
    if policy is Introspection.NONE:
        return Forbidden("Introspection is turned off on this server.")
    caller = getattr(context, "caller", None)
    if caller is None:
        return Unauthenticated("Introspection needs a secret key.")
    try:
        kind = caller().kind
    except ParleyError as error:
        return error
    if kind is not CallerKind.SECRET:
        return Forbidden("Introspection needs a secret key.")
    return None
