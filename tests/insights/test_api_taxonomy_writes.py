"""Taxonomy writes through the API (issue 19): nested YAML bodies answer 422, not 500; whole-document
replaces name the version they are based on; an empty taxonomy only when asked for."""

import pytest

from .conftest import TAXONOMY_YAML

pytestmark = pytest.mark.integration

YAML = {"Content-Type": "application/yaml"}


async def test_a_yaml_body_nested_50000_deep_is_refused_naming_the_body(insights):
    nested = "areas: " + "[" * 50_000 + "x" + "]" * 50_000

    response = await insights.http.post(
        "/v1/taxonomy/import", content=nested, headers={**YAML, "If-Match": '"1"'}
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "body", "message": "nested deeper than 64 levels"}]


async def test_slugs_yaml_would_read_as_booleans_or_numbers_are_imported_as_written(insights):
    tricky = (
        "areas:\n  - slug: no\n    name: on\n    themes:\n"
        "      - slug: 2024\n        name: yes\n        examples: [off, 12]\n"
    )

    response = await insights.http.post(
        "/v1/taxonomy/import", content=tricky, headers={**YAML, "If-Match": '"1"'}
    )

    assert response.status_code == 201, response.text
    area = response.json()["areas"][0]
    assert (area["slug"], area["name"], area["themes"][0]["slug"]) == ("no", "on", "2024")
    assert area["themes"][0]["examples"] == ["off", "12"]


async def test_a_replace_names_the_version_it_is_based_on(insights):
    read = await insights.http.get("/v1/taxonomy")
    assert read.headers["ETag"] == '"1"'
    smaller = {"areas": read.json()["areas"][:1]}

    missing = await insights.http.put("/v1/taxonomy", json=smaller)
    imported = await insights.http.post("/v1/taxonomy/import", content=TAXONOMY_YAML, headers=YAML)
    replaced = await insights.http.put("/v1/taxonomy", json=smaller, headers={"If-Match": '"1"'})
    stale = await insights.http.put("/v1/taxonomy", json=read.json(), headers={"If-Match": '"1"'})

    assert (missing.status_code, imported.status_code) == (428, 428)
    assert replaced.status_code == 201 and replaced.headers["ETag"] == '"2"'
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert [v["version"] for v in (await insights.http.get("/v1/taxonomy/versions")).json()] == [2, 1]


async def test_what_get_returns_can_be_put_back_unchanged(insights):
    read = await insights.http.get("/v1/taxonomy")

    written = await insights.http.put(
        "/v1/taxonomy", json=read.json(), headers={"If-Match": read.headers["ETag"]}
    )

    assert written.status_code == 201, written.text
    assert written.json() == read.json() and written.headers["ETag"] == '"1"'


async def test_an_empty_taxonomy_is_refused_unless_asked_for_explicitly(insights):
    empty = await insights.http.put("/v1/taxonomy", json={}, headers={"If-Match": '"1"'})
    imported = await insights.http.post(
        "/v1/taxonomy/import", content="areas: []\n", headers={**YAML, "If-Match": '"1"'}
    )
    assert (empty.status_code, imported.status_code) == (422, 422)
    assert empty.json()["errors"][0]["field"] == "areas"
    assert (await insights.http.get("/v1/taxonomy")).json()["areas"]

    asked = await insights.http.put(
        "/v1/taxonomy", json={}, headers={"If-Match": '"1"'}, params={"allow_empty": "true"}
    )

    assert asked.status_code == 201 and asked.json() == {"version": 2, "areas": [], "threshold": None}
