"""Keyset pagination walks every item once, in order, even with ties in the sort field."""

import httpx
import pytest
from pymongo import AsyncMongoClient
from terrain_kit.errors import Invalid
from terrain_kit.pagination import page

pytestmark = pytest.mark.integration


@pytest.fixture
async def items(mongo_server, database_name):
    client = AsyncMongoClient(mongo_server.uri, tz_aware=True)
    collection = client[database_name]["items"]
    await collection.insert_many([{"_id": f"item-{i:02d}", "score": i // 3} for i in range(25)])
    yield collection
    await client.close()


async def test_pages_cover_every_item_once_in_sort_order(items):
    seen, cursor = [], None
    while True:
        docs, cursor = await page(items, {}, sort=("score", -1), limit=10, cursor=cursor)
        seen += docs
        if cursor is None:
            break
    assert len(seen) == 25 == len({d["_id"] for d in seen})
    assert [(d["score"], d["_id"]) for d in seen] == sorted(
        ((d["score"], d["_id"]) for d in seen), reverse=True
    )


async def test_a_filter_applies_on_every_page(items):
    docs, cursor = await page(items, {"score": {"$gte": 5}}, sort=("score", 1), limit=4)
    rest, end = await page(items, {"score": {"$gte": 5}}, sort=("score", 1), limit=4, cursor=cursor)
    assert [d["_id"] for d in docs + rest] == [f"item-{i:02d}" for i in range(15, 23)]
    assert end is not None


async def test_a_forged_cursor_is_a_client_error(items):
    with pytest.raises(Invalid) as refused:
        await page(items, {}, cursor="not-a-cursor")
    assert refused.value.status == 422
    assert refused.value.field == "cursor"
    assert httpx.codes.is_client_error(refused.value.status)
