"""Classification, clustering and the offline commands (pure code, no I/O but temporary files)."""

import json
import sys
from importlib.metadata import entry_points

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from terrain_insights.cli.offline import classify_command, cluster_command
from terrain_insights.domain.classify import Classifier
from terrain_insights.domain.classify.cluster import cluster_texts
from terrain_insights.domain.taxonomy import from_yaml

from .conftest import TAXONOMY_YAML

pytestmark = pytest.mark.unit

TAXONOMY = from_yaml(TAXONOMY_YAML)
CLASSIFIER = Classifier(TAXONOMY)


@pytest.mark.parametrize(
    ("text", "theme", "kind", "sentiment"),
    [
        ("The SAML login with Okta fails for all our users", "sso", "bug", "negative"),
        ("Nous aimerions exporter nos projets vers Excel", "data-export", "feature_request", "neutral"),
        ("Bravo, the new dashboard widgets are amazing", "dashboards", "praise", "positive"),
        ("Comment payer par virement bancaire ?", "payment-methods", "question", "neutral"),
        ("Trop cher, nous allons résilier l'abonnement", "pricing-plans", "complaint", "negative"),
    ],
)
def test_english_and_french_items_get_theme_kind_and_sentiment(text, theme, kind, sentiment):
    result = CLASSIFIER.classify(text)
    assert result.theme is not None and result.theme.theme == theme
    assert result.category.value == kind
    assert result.sentiment.value == sentiment
    assert result.taxonomy_version == TAXONOMY.version


def test_an_item_far_from_every_theme_is_unassigned():
    result = CLASSIFIER.classify("Thanks for the lunch at the conference in Lyon")
    assert result.themes == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂🙂🙂",
        "\x00\x01 <script>",
        "a" * 20_000,
        "The export est cassé, bitte helfen Sie uns, エクスポート",
        "?!?!",
    ],
)
def test_mixed_language_and_junk_input_is_classified_without_crashing(text):
    result = CLASSIFIER.classify(text)
    assert -1.0 <= result.sentiment_score <= 1.0
    assert all(0.0 <= m.confidence <= 1.0 for m in result.themes)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_whatsoever_is_classified(text):
    result = CLASSIFIER.classify(text)
    assert len(result.themes) <= 3


def test_an_empty_taxonomy_leaves_every_item_unassigned():
    result = Classifier(from_yaml("areas: []")).classify("The invoice is wrong")
    assert result.themes == [] and result.category.value == "bug"


def test_clustering_finds_the_groups_without_being_told_how_many():
    texts = [
        "Please add a dark mode",
        "Dark mode for the interface",
        "A dark mode would help at night",
        "Translate the interface into German",
        "German translation please",
        "We need the app in German",
        "Keyboard shortcuts for everything",
        "Who won the football match?",
    ]
    clusters = cluster_texts(texts)
    groups = sorted(sorted(c.members) for c in clusters)
    assert [0, 1, 2] in groups
    assert any({3, 4} <= set(g) and 0 not in g for g in groups)
    assert all(6 not in g and 7 not in g for g in groups)
    dark = next(c for c in clusters if 0 in c.members)
    assert "dark" in dark.label_terms


def test_the_classify_command_writes_one_line_per_item_and_skips_broken_lines(tmp_path, capsys):
    (tmp_path / "taxonomy.yaml").write_text(TAXONOMY_YAML, encoding="utf-8")
    (tmp_path / "items.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "text": "L'export CSV plante sur les gros projets"}),
                "not json",
                json.dumps({"id": "b", "text": "Thanks for the webinar"}),
                json.dumps({"text": "no id"}),
            ]
        ),
        encoding="utf-8",
    )

    code = classify_command(
        [
            "--taxonomy",
            str(tmp_path / "taxonomy.yaml"),
            "--input",
            str(tmp_path / "items.jsonl"),
            "--output",
            str(tmp_path / "out.jsonl"),
        ]
    )

    assert code == 0
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [line["id"] for line in lines] == [1, "b"]
    assert lines[0]["theme"] == "data-export" and lines[0]["kind"] == "bug"
    assert lines[1]["theme"] is None and lines[1]["sentiment"] == "positive"
    assert set(lines[0]) >= {"id", "theme", "confidence", "kind", "sentiment"}
    assert "items.jsonl:2: not JSON" in capsys.readouterr().err


def test_the_classify_command_refuses_a_broken_taxonomy(tmp_path):
    (tmp_path / "bad.yaml").write_text("areas: [{slug: Not A Slug}]", encoding="utf-8")
    (tmp_path / "items.jsonl").write_text("", encoding="utf-8")
    assert (
        classify_command(
            [
                "--taxonomy",
                str(tmp_path / "bad.yaml"),
                "--input",
                str(tmp_path / "items.jsonl"),
                "--output",
                str(tmp_path / "out.jsonl"),
            ]
        )
        == 2
    )


def test_the_cluster_command_labels_every_item(tmp_path):
    texts = [
        "Dark mode please",
        "Please add a dark mode",
        "German translation please",
        "Translate it into German please",
        "The weather was lovely at the seaside",
        "I would love a dark theme for the app at night",
        "Can you translate the interface into German?",
    ]
    (tmp_path / "items.jsonl").write_text(
        "\n".join(json.dumps({"id": f"i{n}", "text": t}) for n, t in enumerate(texts)), encoding="utf-8"
    )
    assert (
        cluster_command(["--input", str(tmp_path / "items.jsonl"), "--output", str(tmp_path / "out.jsonl")])
        == 0
    )
    out = {
        line["id"]: line["cluster"]
        for line in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())
    }
    assert out["i0"] == out["i1"] == out["i5"] is not None
    assert out["i2"] == out["i3"] == out["i6"] is not None and out["i2"] != out["i0"]
    assert out["i4"] is None  # alone: noise, not a cluster of one
    labels = {
        line["cluster"]: line["label"]
        for line in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())
    }
    assert "dark" in labels[out["i0"]] and "german" in labels[out["i2"]]


def test_the_commands_have_their_terrain_names_and_the_old_ones_for_one_more_release(capsys):
    scripts = {
        e.name: e for e in entry_points(group="console_scripts") if e.module.startswith("terrain_insights")
    }
    assert {"terrain-insights", "terrain-classify", "terrain-cluster", "classify", "cluster"} <= set(scripts)
    with pytest.raises(SystemExit) as exited:
        cluster_command_via(scripts["cluster"].load())
    assert exited.value.code == 2
    assert "cluster: deprecated, use terrain-cluster" in capsys.readouterr().err


def cluster_command_via(entry) -> None:
    argv, sys.argv = sys.argv, ["cluster", "--input", "/nonexistent.jsonl", "--output", "/dev/null"]
    try:
        entry()
    finally:
        sys.argv = argv
