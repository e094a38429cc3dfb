"""Cycle detection, the alignment gate and overdue requests, as pure rules."""

from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from terrain_initiatives.domain.dependencies import (
    Blocking,
    DependencyState,
    Node,
    check_alignable,
    describe_cycle,
    find_cycle,
    is_overdue,
)
from terrain_kit.errors import Conflict

pytestmark = pytest.mark.unit


def test_the_shortest_cycle_closed_by_a_new_edge_is_returned_from_the_new_edge():
    edges = {"b": {"c", "x"}, "c": {"a"}, "x": {"y"}, "y": {"c"}}
    assert find_cycle(edges, "a", "b") == ["a", "b", "c", "a"]


def test_an_edge_to_itself_is_a_cycle_and_a_dag_edge_is_not():
    assert find_cycle({}, "a", "a") == ["a", "a"]
    assert find_cycle({"b": {"c"}, "a": {"b"}}, "a", "c") is None


def reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False


graphs = st.dictionaries(
    st.sampled_from("abcdefg"), st.sets(st.sampled_from("abcdefg"), max_size=3), max_size=7
)


@given(graphs, st.sampled_from("abcdefg"), st.sampled_from("abcdefg"))
def test_a_cycle_is_found_exactly_when_the_target_reaches_the_source_and_it_follows_real_edges(
    edges, source, target
):
    cycle = find_cycle(edges, source, target)
    assert (cycle is not None) == reaches(edges, target, source)
    if cycle is not None:
        assert cycle[0] == cycle[-1] == source and cycle[1] == target
        with_new = {**edges, source: {*edges.get(source, ()), target}}
        assert all(b in with_new.get(a, ()) for a, b in pairwise(cycle))


def test_a_cycle_is_described_with_titles_and_teams():
    nodes = {"i1": Node("i1", "SSO", "squad-a"), "i2": Node("i2", "Directory", "squad-b")}
    assert describe_cycle(["i1", "i2", "i1"], nodes) == (
        "initiative i1 'SSO' (team squad-a) -> team squad-b's initiative i2 'Directory' "
        "-> team squad-a's initiative i1 'SSO'"
    )


def blocking(dependency_id: str, state: DependencyState) -> Blocking:
    return Blocking(dependency_id, "squad-b", None, state, date(2027, 1, 10))


def test_alignment_needs_every_remaining_dependency_accepted():
    check_alignable([blocking("d1", DependencyState.accepted), blocking("d2", DependencyState.withdrawn)])
    with pytest.raises(Conflict) as refused:
        check_alignable(
            [
                blocking("d1", DependencyState.open),
                blocking("d2", DependencyState.declined),
                blocking("d3", DependencyState.accepted),
            ]
        )
    assert refused.value.reason.startswith(
        "cannot move to aligned: dependency d1 on team squad-b is unanswered (answer by 2027-01-10); "
        "dependency d2 on team squad-b was declined"
    )
    assert "d3" not in refused.value.reason


def test_a_request_is_overdue_only_when_open_after_its_answer_by_day():
    day = date(2027, 1, 10)
    assert not is_overdue(DependencyState.open, day, day)
    assert is_overdue(DependencyState.open, day, date(2027, 1, 11))
    assert not is_overdue(DependencyState.declined, day, date(2027, 1, 11))
