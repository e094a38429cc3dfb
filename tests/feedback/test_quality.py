"""The measured quality of near-duplicate links and language detection holds (the README's figures)."""

import pytest
from terrain_dev.bench.feedback_quality import language_accuracy, quality
from terrain_feedback.settings import DuplicateSettings

pytestmark = pytest.mark.unit


def test_near_duplicate_links_at_the_default_threshold_are_precise_and_catch_most_copies():
    measured = quality(DuplicateSettings().threshold)

    assert measured.precision >= 0.98
    assert measured.recall >= 0.74


def test_language_detection_is_right_where_it_answers_and_rarely_abstains():
    accuracy, unknown, _ = language_accuracy()

    assert accuracy >= 0.98
    assert unknown <= 0.05
