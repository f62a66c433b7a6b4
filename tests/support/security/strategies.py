"""Hostile values for fuzzing Parley's inputs: text with NUL, lone surrogates and odd unicode,
numbers far beyond every column, forged IDs and cursors with valid checksums, deep JSON."""

from typing import Any

from hypothesis import strategies as st

from resolvers.ids import encode_cursor, encode_id, seal

SPECIAL_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\udbff\udc00",  # a surrogate pair as two code points: still unpaired for UTF-8
    "😀",
    "\u2028\u2029",
    "\u202e",
    "\ufeff",
    "ß" * 300,
    "x" * 5000,
    "' OR 1=1 --",
    "%_\\",
    "a.*b",
    "(a*)*$",
    "[",
    "https://shop.example",
    "null",
    "1e30",
    "-0",
    "NaN",
    "9" * 40,
    "2026-11-01T09:00:00Z",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
]
UNSTORABLE = ["\x00", "a\x00b", "\ud800", "x\udfffy"]
"""Text no database can store: what the input policy must refuse wherever it appears."""
HUGE_INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30]

text = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=30),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    st.lists(st.sampled_from(SPECIAL_TEXT[:12]) | st.text(max_size=4), max_size=4).map("".join),
)
integers = st.one_of(st.sampled_from(HUGE_INTS), st.integers(min_value=-(2**70), max_value=2**70))
numbers = st.one_of(integers, st.floats(allow_nan=False, allow_infinity=False))
scalars = st.one_of(text, numbers, st.booleans(), st.none())
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
decimals = st.one_of(
    st.sampled_from(
        [
            "1e30",
            "-1e30",
            "0",
            "-0",
            "1e-13",
            "0.000000000001",
            "999999.999999999999",
            "1000000",
            "1000000.000000000001",
            "NaN",
            "Infinity",
            "1e400",
            "9" * 70,
        ]
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=14).map(str),
    integers,
    text,
)
datetimes = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat()),
    text,
)
sealable = text.filter(lambda value: not any(0xD800 <= ord(c) <= 0xDFFF for c in value))
"""Text that UTF-8 can encode, as everything inside a sealed token is."""
TYPE_NAMES = ["Conversation", "Message", "Assistant", "ApiKey", "Workspace", "", "x"]


def keys_of(type_names: list[str]) -> st.SearchStrategy[str]:
    """Sealed IDs: real-looking, out of range, malformed inside a valid checksum."""
    return st.one_of(
        st.builds(encode_id, st.sampled_from(type_names), st.integers(1, 50)),
        st.builds(lambda t, n: seal(f"{t}:{n}"), st.sampled_from(type_names), integers),
        st.builds(lambda t, s: seal(f"{t}:{s}"), st.sampled_from(type_names), sealable),
        text,
    )


ids = keys_of(TYPE_NAMES)
CURSOR_KINDS = [
    "m",
    "e",
    "c:STARTED_AT:desc",
    "c:STARTED_AT:asc",
    "c:COST:desc",
    "c:MESSAGE_COUNT:asc",
    "c:LAST_ACTIVITY_AT:desc",
    "x",
]


def _forged_cursor(kind: str, values: list[Any]) -> str:
    return encode_cursor(kind, values)


cursors = st.one_of(
    st.builds(_forged_cursor, st.sampled_from(CURSOR_KINDS), st.lists(json_values, max_size=3)),
    st.builds(
        _forged_cursor, st.sampled_from(CURSOR_KINDS), st.tuples(datetimes, integers).map(list)
    ),
    st.builds(lambda kind, n: encode_cursor(kind, [n]), st.sampled_from(CURSOR_KINDS), integers),
    st.builds(seal, sealable),
    text,
)


def enum(*values: str) -> st.SearchStrategy[Any]:
    """Mostly valid enum values, sometimes anything."""
    return st.one_of(st.sampled_from(values), st.sampled_from(values), scalars)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def objects(
    fields: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """An input object: required fields mostly present, the others sometimes."""
    return st.fixed_dictionaries(
        {name: strategy for name, strategy in fields.items() if name in required},
        optional={name: strategy for name, strategy in fields.items() if name not in required},
    )


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value where a hostile value can go: each leaf and each container."""
    places = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            places.extend(_leaves(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            places.extend(_leaves(item, (*path, index)))
    return places


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replaced(value[head], tuple(rest), new)
    return copy


def one_hostile_field(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid input with one field (anywhere in it) replaced by a hostile value: the input
    reaches as far into the server as a valid one, with exactly one thing wrong."""
    places = _leaves(base)
    leaves = [path for path in places if not isinstance(_at(base, path), dict | list)]
    return st.builds(
        lambda path, new: _replaced(base, path, new),
        st.one_of(st.sampled_from(leaves), st.sampled_from(places)),
        st.one_of(st.sampled_from(UNSTORABLE), text, numbers, json_values),
    )
