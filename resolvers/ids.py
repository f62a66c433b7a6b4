"""Opaque global IDs and cursors.

Both are URL-safe base64 of a text plus a short checksum, so a mistyped, truncated or edited
value is refused as BAD_USER_INPUT instead of reaching the database. The checksum detects edits;
it is not a secret: tenancy checks on every read are what keep workspaces apart.
"""

import base64
import binascii
import hashlib
import json
from typing import Any

from resolvers.errors import BadUserInput

_CHECKSUM_BYTES = 4
_MAX_TOKEN_LENGTH = 512


def _checksum(text: bytes) -> bytes:
    return hashlib.blake2s(text, digest_size=_CHECKSUM_BYTES, person=b"parley1").digest()


def seal(text: str) -> str:
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
    type_name, _, key = unseal(global_id, "ID").partition(":")
    if not key.isdigit():
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
        decoded = json.loads(unseal(cursor, "cursor"))
    except json.JSONDecodeError:
        raise BadUserInput("Invalid cursor.") from None
    if not isinstance(decoded, list) or not decoded or decoded[0] != kind:
        raise BadUserInput("Invalid cursor: it was made for another list or ordering.")
    return decoded[1:]


def parse_sequence_cursor(cursor: str, kind: str) -> int:
    """The number inside a cursor of a numbered sequence (messages, events)."""
    values = decode_cursor(cursor, kind)
    if len(values) != 1 or not isinstance(values[0], int) or values[0] < 0:
        raise BadUserInput("Invalid cursor.")
    return values[0]
