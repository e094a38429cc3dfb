"""The compatibility checker on its own: each rule, and what it lets through."""

from enum import StrEnum

import pytest
from pydantic import BaseModel, Field
from terrain_contracts.compat import breaking_changes

pytestmark = pytest.mark.unit


def schema(model: type[BaseModel]) -> dict:
    return model.model_json_schema()


class Plan(StrEnum):
    free = "free"
    pro = "pro"


class PlanWithMore(StrEnum):
    free = "free"
    pro = "pro"
    enterprise = "enterprise"


class Inner(BaseModel):
    amount: int


class InnerWithOptional(BaseModel):
    amount: int
    note: str | None = None


class InnerRetyped(BaseModel):
    amount: str


class V1(BaseModel):
    name: str
    count: int = 0
    plan: Plan
    inner: Inner | None = None
    tags: list[str] = Field(default_factory=list)


def test_identical_schemas_are_compatible():
    assert breaking_changes(schema(V1), schema(V1)) == []


def test_a_new_optional_field_is_compatible():
    class Added(V1):
        extra: str | None = None

    assert breaking_changes(schema(V1), schema(Added)) == []


def test_a_new_optional_field_in_a_nested_model_is_compatible():
    class Nested(BaseModel):
        name: str
        count: int = 0
        plan: Plan
        inner: InnerWithOptional | None = None
        tags: list[str] = Field(default_factory=list)

    assert breaking_changes(schema(V1), schema(Nested)) == []


def test_a_removed_field_is_breaking():
    class Removed(BaseModel):
        name: str
        plan: Plan
        inner: Inner | None = None
        tags: list[str] = Field(default_factory=list)

    assert breaking_changes(schema(V1), schema(Removed)) == ["$.count: field removed"]


def test_a_changed_type_is_breaking():
    class Retyped(BaseModel):
        name: str
        count: str = "0"
        plan: Plan
        inner: Inner | None = None
        tags: list[str] = Field(default_factory=list)

    problems = breaking_changes(schema(V1), schema(Retyped))
    assert problems == ["$.count: type changed (type: 'integer' -> 'string')"]


def test_a_changed_type_inside_a_nested_model_is_breaking():
    class Deep(BaseModel):
        name: str
        count: int = 0
        plan: Plan
        inner: InnerRetyped | None = None
        tags: list[str] = Field(default_factory=list)

    problems = breaking_changes(schema(V1), schema(Deep))
    assert len(problems) == 1 and problems[0].startswith("$.inner<anyOf[0]>.amount: type changed")


def test_a_changed_list_item_type_is_breaking():
    class Items(BaseModel):
        name: str
        count: int = 0
        plan: Plan
        inner: Inner | None = None
        tags: list[int] = Field(default_factory=list)

    assert breaking_changes(schema(V1), schema(Items)) == [
        "$.tags[]: type changed (type: 'string' -> 'integer')"
    ]


def test_a_new_required_field_is_breaking():
    class Required(V1):
        owner: str

    assert breaking_changes(schema(V1), schema(Required)) == ["$.owner: new required field"]


def test_an_optional_field_becoming_required_is_breaking():
    class Stricter(BaseModel):
        name: str
        count: int
        plan: Plan
        inner: Inner | None = None
        tags: list[str] = Field(default_factory=list)

    assert breaking_changes(schema(V1), schema(Stricter)) == ["$.count: became required"]


def test_an_added_enum_value_is_breaking_for_strict_consumers():
    class Widened(BaseModel):
        name: str
        count: int = 0
        plan: PlanWithMore
        inner: Inner | None = None
        tags: list[str] = Field(default_factory=list)

    problems = breaking_changes(schema(V1), schema(Widened))
    assert len(problems) == 1 and "enum" in problems[0]


def test_a_tightened_constraint_is_breaking():
    class Shorter(BaseModel):
        name: str = Field(max_length=10)
        count: int = 0
        plan: Plan
        inner: Inner | None = None
        tags: list[str] = Field(default_factory=list)

    problems = breaking_changes(schema(V1), schema(Shorter))
    assert problems == ["$.name: type changed (maxLength: None -> 10)"]


def test_wording_changes_are_compatible():
    class Documented(BaseModel):
        """Now with a docstring."""

        name: str = Field(description="who")
        count: int = Field(default=1, description="how many")
        plan: Plan
        inner: Inner | None = None
        tags: list[str] = Field(default_factory=list)

    assert breaking_changes(schema(V1), schema(Documented)) == []
