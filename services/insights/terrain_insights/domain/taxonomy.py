"""The taxonomy: product areas containing themes, versioned, with YAML import and export.

A theme has a slug, a name, a description, example phrases (what the
classifiers learn from) and optional keywords. Product areas are slugs that
teams own (``team.*`` events); a theme whose area no team owns is "unowned".
Every change is a new version: versions are immutable once stored.
"""

from typing import Annotated, Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from terrain_contracts.types import Slug
from terrain_kit.documents import DocumentError, load_yaml
from terrain_kit.errors import Invalid

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    examples: list[Phrase] = Field(
        min_length=1, max_length=200, description="A handful of phrases customers use for this theme."
    )
    keywords: list[Keyword] = Field(default_factory=list, max_length=100)


class ProductArea(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    themes: list[Theme] = Field(default_factory=list, max_length=500)


class Taxonomy(BaseModel):
    """One version of the taxonomy. ``version`` is 0 for a draft that was never stored."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(default=0, ge=0)
    areas: list[ProductArea] = Field(default_factory=list, max_length=200)
    threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Similarity to its likeliest theme under which an item stays unassigned; "
        "none (the default): calibrated on the examples (their 8th percentile, leave-one-out).",
    )

    @model_validator(mode="after")
    def _unique_slugs(self) -> Self:
        areas = [a.slug for a in self.areas]
        if len(areas) != len(set(areas)):
            raise ValueError(f"product area slugs repeat: {sorted({s for s in areas if areas.count(s) > 1})}")
        themes = [t.slug for a in self.areas for t in a.themes]
        if len(themes) != len(set(themes)):
            raise ValueError(f"theme slugs repeat: {sorted({s for s in themes if themes.count(s) > 1})}")
        return self

    @property
    def themes(self) -> list[tuple[str, Theme]]:
        """Every theme with its product area, in declaration order."""
        return [(area.slug, theme) for area in self.areas for theme in area.themes]

    def area_of(self, theme: str) -> str | None:
        return next((area for area, t in self.themes if t.slug == theme), None)

    def theme(self, slug: str) -> Theme | None:
        return next((t for _, t in self.themes if t.slug == slug), None)

    def with_theme(self, area: str, theme: Theme) -> "Taxonomy":
        """A copy with ``theme`` added to ``area`` (created if new) or replacing the theme of that slug."""
        areas = [
            a.model_copy(update={"themes": [t for t in a.themes if t.slug != theme.slug]}) for a in self.areas
        ]
        if not any(a.slug == area for a in areas):
            areas.append(ProductArea(slug=area, name=area.replace("-", " ").replace("_", " ").capitalize()))
        areas = [a.model_copy(update={"themes": [*a.themes, theme]}) if a.slug == area else a for a in areas]
        return Taxonomy.model_validate(
            {"version": 0, "areas": [a.model_dump() for a in areas], "threshold": self.threshold}
        )

    def without_theme(self, slug: str) -> "Taxonomy":
        areas = [a.model_copy(update={"themes": [t for t in a.themes if t.slug != slug]}) for a in self.areas]
        return Taxonomy.model_validate(
            {"version": 0, "areas": [a.model_dump() for a in areas], "threshold": self.threshold}
        )

    def content(self) -> dict:
        """What defines the taxonomy, without its version (two versions with equal content are equal)."""
        return self.model_dump(mode="json", exclude={"version"}, exclude_none=True)


def refuse_empty(taxonomy: Taxonomy, allow_empty: bool) -> None:
    """A whole taxonomy without product areas removes every theme: only when asked for explicitly."""
    if not taxonomy.areas and not allow_empty:
        raise Invalid(
            "areas",
            "an empty taxonomy (no product areas) would remove every theme; "
            "send it with ?allow_empty=true if that is what you mean",
        )


class TaxonomyFileError(ValueError):
    """A YAML taxonomy that cannot be read, with a message naming the problem."""


def load_document(text: str | bytes) -> Any:
    """A YAML taxonomy as data, scalars as the text written except a top-level ``version`` and
    ``threshold`` (numbers in YAML's sense, so that ``version: false`` stays no version);
    :class:`TaxonomyFileError` naming the body when it is no YAML or nested too deep."""
    try:
        return load_yaml(text, as_text=True, typed_keys=("version", "threshold"))
    except DocumentError as exc:
        raise TaxonomyFileError(str(exc)) from None


def from_yaml(text: str | bytes) -> Taxonomy:
    raw = load_document(text)
    if not isinstance(raw, dict):
        raise TaxonomyFileError("a taxonomy file is a mapping with an 'areas' list")
    # A stored version number is assigned, never imported; one that is present must still be a version.
    # Strict: false is no version (lax validation reads it as 0), nor is the text '3'.
    return Taxonomy.model_validate(raw, strict=True).model_copy(update={"version": 0})


def to_yaml(taxonomy: Taxonomy) -> str:
    data = {"version": taxonomy.version, **taxonomy.content()}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
