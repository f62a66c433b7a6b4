"""A field the compiled plans do not answer is a decision, checked when the schema is built: one
added to a type a plan meets without either answering it or declaring it executor-only stops the
server from starting, naming it."""

import pytest

from schema.plan.coverage import EXECUTOR_ONLY, UncoveredFieldError, check_coverage, planned
from schema.schema import READERS, build_schema


def test_every_field_a_plan_meets_is_answered_or_declared() -> None:
    schema = build_schema()  # builds: the declaration and the plans agree
    assert planned(schema, READERS, "Conversation", "labels")
    assert not planned(schema, READERS, "Message", "costHistory")


def test_an_undeclared_field_the_plans_do_not_answer_stops_the_build() -> None:
    schema = build_schema()
    forgotten = {**EXECUTOR_ONLY, "Variable": frozenset()}  # as if `history` were new
    with pytest.raises(UncoveredFieldError, match=r"^Variable\.history: answer each"):
        check_coverage(schema, READERS, forgotten)


def test_a_field_declared_executor_only_that_a_plan_answers_stops_it_too() -> None:
    schema = build_schema()
    stale = {**EXECUTOR_ONLY, "Conversation": frozenset({"rating"})}
    with pytest.raises(UncoveredFieldError, match=r"^Conversation\.rating: "):
        check_coverage(schema, READERS, stale)
