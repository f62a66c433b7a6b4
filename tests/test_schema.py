"""The committed SDL is the schema the code serves, and it keeps the contract's names."""

import os
from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, build_schema

from schema.schema import build_schema as build_parley_schema

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = os.environ.get("PARLEY_CONTRACT")
"""The team's API contract (`.ci/run` sets it to ../shared/contract.graphql): optional, so a plain
clone of the repository passes its own tests."""


def test_committed_sdl_matches_the_code() -> None:
    committed = (ROOT / "schema" / "schema.graphql").read_text()
    assert committed.strip() == build_parley_schema().as_str().strip(), (
        "schema/schema.graphql is stale: run `make schema` and commit it"
    )


def test_every_type_and_field_has_a_description() -> None:
    schema = build_parley_schema()._schema
    missing = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not kind.description:
            missing.append(name)
        for field_name, field in getattr(kind, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for arg_name, arg in getattr(field, "args", {}).items():
                if not arg.description:
                    missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(kind, GraphQLEnumType):
            missing += [
                f"{name}.{value_name}"
                for value_name, value in kind.values.items()
                if not value.description
            ]
    assert missing == []


def test_the_contracts_names_are_served() -> None:
    """Every contract type we serve has the contract's fields and arguments (we may add more)."""
    if not CONTRACT:
        pytest.skip("PARLEY_CONTRACT is not set: no contract to check against")
    path = Path(CONTRACT)
    if not path.is_file():
        pytest.fail(f"PARLEY_CONTRACT names {path}, which is not a file")
    contract = build_schema(path.read_text())
    ours = build_parley_schema()._schema
    served = 0
    for name, theirs in contract.type_map.items():
        mine = ours.type_map.get(name)
        if name.startswith("__") or mine is None:
            continue
        if isinstance(theirs, GraphQLObjectType | GraphQLInputObjectType):
            assert isinstance(mine, type(theirs)), name
            for field_name, field in theirs.fields.items():
                assert field_name in mine.fields, f"{name}.{field_name} is missing"
                mine_field = mine.fields[field_name]
                assert str(mine_field.type) == str(field.type), f"{name}.{field_name}"
                for arg_name, arg in getattr(field, "args", {}).items():
                    assert arg_name in mine_field.args, f"{name}.{field_name}({arg_name})"
                    assert str(mine_field.args[arg_name].type) == str(arg.type)
            served += 1
    assert served >= 15
