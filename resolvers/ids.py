"""Opaque global IDs and cursors.

Both are URL-safe base64 of a text plus a short checksum, so a mistyped, truncated or edited
value is refused as BAD_USER_INPUT instead of reaching the database. The checksum detects edits;
it is not a secret: tenancy checks on every read are what keep workspaces apart.
"""

import base64
import binascii
import hashlib
import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from resolvers.errors import BadUserInput

_CHECKSUM_BYTES = 4
SEALED = 16_384
"""Tokens remembered (about 2.5 MB): more than a few dashboards' pages."""
_MAX_TOKEN_LENGTH = 512
MAX_KEY = 2**63 - 1
"""Row keys and counters are 64-bit integers (BIGINT): anything beyond cannot be one of ours."""
_KEY = re.compile(r"[1-9][0-9]{0,18}")
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def _checksum(text: bytes) -> bytes:
    return hashlib.blake2s(text, digest_size=_CHECKSUM_BYTES, person=b"parley1").digest()


@lru_cache(maxsize=SEALED)
def seal(text: str) -> str:
    """The token of a text. Remembered: a list's IDs and cursors repeat across requests (the same
    pages are read again and again, live), and sealing is a hash and a base64 each time."""
    raw = text.encode()
    return base64.urlsafe_b64encode(raw + _checksum(raw)).rstrip(b"=").decode("ascii")


def unseal(token: str, what: str) -> str:
    """The text inside a sealed token; BAD_USER_INPUT naming `what` if it is not one of ours."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH:
        raise BadUserInput(f"Invalid {what}.")
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise BadUserInput(f"Invalid {what}.") from None
    raw, check = blob[:-_CHECKSUM_BYTES], blob[-_CHECKSUM_BYTES:]
    if len(blob) <= _CHECKSUM_BYTES or _checksum(raw) != check:
        raise BadUserInput(f"Invalid {what}.")
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise BadUserInput(f"Invalid {what}.") from None
    if seal(text) != token:  # base64 can spell the same bytes in more than one way
        raise BadUserInput(f"Invalid {what}.")
    return text


def encode_id(type_name: str, pk: int) -> str:
    return seal(f"{type_name}:{pk}")


def decode_any_id(global_id: str) -> tuple[str, int]:
    """The type and row key of an ID; keys are decimal, 1 to 2⁶³−1, without leading zeros."""
    type_name, _, key = unseal(global_id, "ID").partition(":")
    if not _KEY.fullmatch(key) or int(key) > MAX_KEY:
        raise BadUserInput("Invalid ID.")
    return type_name, int(key)


def decode_id(global_id: str, type_name: str) -> int:
    """The row key of an ID that must be of `type_name`."""
    found, pk = decode_any_id(global_id)
    if found != type_name:
        raise BadUserInput(f"Invalid ID: expected the ID of a {type_name}.")
    return pk


def encode_cursor(kind: str, values: list[Any]) -> str:
    return seal(json.dumps([kind, *values], separators=(",", ":")))


def decode_cursor(cursor: str, kind: str) -> list[Any]:
    """The values of a cursor made for `kind` (an ordering, or a conversation's messages)."""
    try:
        decoded = json.loads(unseal(cursor, "cursor"), parse_constant=_no_constant)
    except (json.JSONDecodeError, RecursionError):
        raise BadUserInput("Invalid cursor.") from None
    if not isinstance(decoded, list) or not decoded or decoded[0] != kind:
        raise BadUserInput("Invalid cursor: it was made for another list or ordering.")
    return decoded[1:]


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a cursor value", name, 0)


def cursor_int(value: Any) -> int:
    """A whole number from a cursor, within the 64-bit columns it is compared with."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_KEY:
        raise BadUserInput("Invalid cursor.")
    return value


def cursor_time(value: Any) -> datetime:
    """A moment from a cursor: ISO 8601 with an offset, well inside the years 1–9999 in UTC."""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or not _EARLIEST <= moment <= _LATEST:
            raise ValueError
        return moment.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise BadUserInput("Invalid cursor.") from None


def parse_sequence_cursor(cursor: str, kind: str) -> int:
    """The number inside a cursor of a numbered sequence (messages, events)."""
    values = decode_cursor(cursor, kind)
    if len(values) != 1:
        raise BadUserInput("Invalid cursor.")
    return cursor_int(values[0])
