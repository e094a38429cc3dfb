"""Taxonomy documents from outside (issue 19): YAML nested without end, scalars YAML would turn into
booleans or numbers, and whole-document replaces that name the version they are based on (If-Match)."""

import pytest
from pydantic import ValidationError
from pymongo.errors import DuplicateKeyError
from terrain_contracts.registry import published_by
from terrain_dev.memory import memory_uow
from terrain_insights.cli.offline import classify_command
from terrain_insights.domain.taxonomy import Taxonomy, TaxonomyFileError, from_yaml
from terrain_insights.handlers import taxonomy as taxonomy_handlers
from terrain_insights.store import taxonomy as taxonomy_store
from terrain_kit.documents import MAX_DEPTH
from terrain_kit.errors import Invalid, StaleVersion, VersionRequired
from terrain_kit.uow import UnitOfWork

from .conftest import TAXONOMY_YAML

pytestmark = pytest.mark.unit

TRICKY = """\
areas:
  - slug: no
    name: on
    themes:
      - slug: 2024
        name: yes
        description: 1.5
        examples: [off, 12, 2024-01-01, .inf]
        keywords: [on, 0x1F]
"""


@pytest.mark.parametrize("opening", [" [", " {a: ", "\n- "])
def test_a_file_nested_without_end_is_refused_without_recursing(opening):
    nested = "areas:" + opening + opening.lstrip() * 50_000 + "x"

    with pytest.raises(TaxonomyFileError, match=f"nested deeper than {MAX_DEPTH} levels"):
        from_yaml(nested)


def test_a_file_nested_as_deep_as_allowed_is_still_read():
    with pytest.raises(ValidationError):  # read, then refused for its shape: not for its depth
        from_yaml("areas: " + "[" * (MAX_DEPTH - 2) + "x" + "]" * (MAX_DEPTH - 2))


def test_slugs_names_and_examples_are_read_as_the_text_written():
    taxonomy = from_yaml(TRICKY)

    area = taxonomy.areas[0]
    theme = area.themes[0]
    assert (area.slug, area.name, theme.slug, theme.name, theme.description) == (
        "no",
        "on",
        "2024",
        "yes",
        "1.5",
    )
    assert theme.examples == ["off", "12", "2024-01-01", ".inf"]
    assert theme.keywords == ["on", "0x1F"]


def test_keys_are_read_as_the_text_written_too():
    with pytest.raises(ValidationError) as refused:
        from_yaml("areas: []\nno: 1\n")

    assert [e["loc"] for e in refused.value.errors()] == [("no",)]


@pytest.mark.parametrize("version", ["false", "yes", "-1", "1.5", "[1]", "'3'"])
def test_a_version_that_is_no_version_is_still_refused(version):
    with pytest.raises(ValidationError) as refused:
        from_yaml(f"version: {version}\nareas: []\n")

    assert refused.value.errors()[0]["loc"] == ("version",)


def test_a_version_number_is_read_and_ignored():
    assert from_yaml("version: 7\nareas: []\n").version == 0


def theme_set(taxonomy: Taxonomy) -> list[str]:
    return [theme.slug for _, theme in taxonomy.themes]


class TestReplacingTheWholeTaxonomy:
    async def test_the_first_taxonomy_needs_no_version(self, ctx):
        empty = memory_uow(publishes=published_by("insights"))

        stored = await taxonomy_handlers.replace(empty, ctx, from_yaml(TAXONOMY_YAML), None, "ops", "import")

        assert stored.version == 1 and await empty["taxonomy_versions"].count_documents({}) == 1

    async def test_the_first_taxonomy_after_the_empty_one_the_service_starts_with_needs_no_version(self, ctx):
        empty = memory_uow(publishes=published_by("insights"))
        await ctx.classifier(empty)  # feedback came first: version 1 is the empty taxonomy

        stored = await taxonomy_handlers.replace(empty, ctx, from_yaml(TAXONOMY_YAML), None, "ops", "import")

        assert stored.version == 2

    async def test_a_replace_without_if_match_is_refused_once_a_taxonomy_exists(self, uow, ctx):
        with pytest.raises(VersionRequired):
            await taxonomy_handlers.replace(uow, ctx, smaller(), None, "ops", "import")
        assert await uow["taxonomy_versions"].count_documents({}) == 1

    async def test_a_replace_based_on_a_stale_version_is_refused(self, uow, ctx):
        await taxonomy_handlers.replace(uow, ctx, smaller(), 1, "ops", "import")

        with pytest.raises(StaleVersion) as stale:
            await taxonomy_handlers.replace(uow, ctx, from_yaml(TAXONOMY_YAML), 1, "ops", "import")

        assert stale.value.current == 2
        assert await uow["taxonomy_versions"].count_documents({}) == 2

    async def test_what_is_read_can_be_written_back_unchanged(self, uow, ctx):
        read = await taxonomy_handlers.current(uow)

        written = await taxonomy_handlers.replace(uow, ctx, read, read.version, "ops", "PUT")

        assert written == read and await uow["taxonomy_versions"].count_documents({}) == 1

    async def test_an_empty_taxonomy_is_refused_unless_asked_for(self, uow, ctx):
        with pytest.raises(Invalid) as refused:
            await taxonomy_handlers.replace(uow, ctx, Taxonomy(), 1, "ops", "PUT")
        assert refused.value.field == "areas"
        assert await uow["taxonomy_versions"].count_documents({}) == 1

        emptied = await taxonomy_handlers.replace(uow, ctx, Taxonomy(), 1, "ops", "PUT", allow_empty=True)

        assert emptied.version == 2 and emptied.areas == []

    async def test_a_writer_beaten_to_the_next_version_gets_a_stale_version(self, uow, ctx, monkeypatch):
        # Both read version 1; the other commits version 2 between this one's read and its insert.
        version_one = await taxonomy_handlers.current(uow)
        await taxonomy_handlers.replace(uow, ctx, smaller(), 1, "ops", "other")

        async def read_before_the_other_committed(unit: UnitOfWork) -> Taxonomy:
            return version_one

        monkeypatch.setattr(taxonomy_store, "latest", read_before_the_other_committed)
        with pytest.raises(StaleVersion) as stale:
            await taxonomy_handlers.replace(uow, ctx, Taxonomy(areas=version_one.areas[:2]), 1, "ops", "me")

        assert stale.value.current == 2
        assert isinstance(stale.value.__cause__, DuplicateKeyError)
        assert theme_set(await taxonomy_store.get(uow, 2)) == theme_set(smaller())


def smaller() -> Taxonomy:
    whole = from_yaml(TAXONOMY_YAML)
    return Taxonomy(areas=whole.areas[:1])


def test_the_classify_command_refuses_a_taxonomy_file_nested_without_end(tmp_path, capsys):
    (tmp_path / "deep.yaml").write_text("areas: " + "[" * 50_000, encoding="utf-8")
    (tmp_path / "items.jsonl").write_text("", encoding="utf-8")

    files = {"--taxonomy": "deep.yaml", "--input": "items.jsonl", "--output": "out.jsonl"}

    code = classify_command(
        [part for option, name in files.items() for part in (option, str(tmp_path / name))]
    )

    assert code == 2
    assert f"nested deeper than {MAX_DEPTH} levels" in capsys.readouterr().err
