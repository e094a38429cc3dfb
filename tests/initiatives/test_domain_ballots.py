"""The ballot's window and ranking, as pure rules."""

from datetime import UTC, datetime, timedelta

import pytest
from terrain_initiatives.domain.ballots import TIE_BREAK, Vote, check_window, rank, voters
from terrain_kit.errors import Conflict

pytestmark = pytest.mark.unit

T = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def votes(scores: dict[str, list[int]]) -> list[Vote]:
    return [
        Vote(f"director-{n}", initiative, score, T)
        for initiative, given in scores.items()
        for n, score in enumerate(given)
    ]


def test_the_total_score_ranks_first():
    ranking = rank(["a", "b"], votes({"a": [1, 2], "b": [3, 2]}), {"a": T, "b": T})
    assert [(r.initiative_id, r.rank, r.total, r.average) for r in ranking] == [
        ("b", 1, 5, 2.5),
        ("a", 2, 3, 1.5),
    ]


def test_on_equal_totals_more_threes_win_then_the_earlier_proposal_then_the_id():
    proposed = {
        "early": T,
        "late": T + timedelta(days=1),
        "zz": T + timedelta(days=2),
        "aa": T + timedelta(days=2),
    }
    scores = {"late": [3, 1, 2], "early": [2, 2, 2], "zz": [3, 2, 1], "aa": [3, 2, 1]}
    # all total 6; late, zz and aa have one 3 and early none; late was proposed before zz and aa; aa < zz
    assert [r.initiative_id for r in rank(list(scores), votes(scores), proposed)] == [
        "late",
        "aa",
        "zz",
        "early",
    ]


def test_a_candidate_without_votes_is_ranked_last_with_zero():
    ranking = rank(["silent", "voted"], votes({"voted": [1]}), {"silent": T, "voted": T})
    assert [(r.initiative_id, r.total, r.votes, r.average) for r in ranking] == [
        ("voted", 1, 1, 1.0),
        ("silent", 0, 0, 0.0),
    ]


def test_a_never_proposed_candidate_loses_the_proposal_tie_break():
    ranking = rank(["b", "a", "c"], votes({"a": [2], "b": [2], "c": [2]}), {"a": None, "b": None, "c": T})
    assert [r.initiative_id for r in ranking] == ["c", "a", "b"]


def test_the_tie_break_sentence_names_each_rule_in_order():
    positions = [
        TIE_BREAK.index(part)
        for part in ("total score", "more 3-point votes", "proposed earlier", "initiative id")
    ]
    assert positions == sorted(positions)


def test_voters_are_distinct_directors():
    assert voters(votes({"a": [1, 2], "b": [3]})) == 2


@pytest.mark.parametrize(
    ("now", "closed", "message"),
    [
        (T - timedelta(seconds=1), False, "not accepted yet"),
        (T + timedelta(days=1), False, "window ended"),
        (T + timedelta(hours=1), True, "the ballot is closed"),
    ],
)
def test_votes_are_accepted_only_inside_an_open_window(now, closed, message):
    with pytest.raises(Conflict, match=message):
        check_window(now, T, T + timedelta(days=1), closed)
    check_window(T, T, T + timedelta(days=1), False)
