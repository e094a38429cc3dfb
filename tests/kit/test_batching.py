"""Group commit: batches of one consumer never overlap, and what waits forms the next batch."""

import asyncio
from types import SimpleNamespace

import pytest
from terrain_kit.batching import Batcher, Item

pytestmark = pytest.mark.unit


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.running = 0
        self.overlapped = False

    async def process(self, items: list[Item]) -> None:
        self.running += 1
        self.overlapped |= self.running > 1
        self.batches.append([item.event for item in items])
        await asyncio.sleep(0.02)  # a commit taking time while more items arrive
        self.running -= 1
        for item in items:
            item.succeed()


def item(n: int) -> Item:
    """Event n, stored at stream sequence n."""
    metadata = SimpleNamespace(sequence=SimpleNamespace(stream=n))
    return Item(event=n, trace={}, message=SimpleNamespace(raw_message=SimpleNamespace(metadata=metadata)))  # type: ignore[arg-type]


async def test_items_arriving_during_a_commit_wait_and_form_the_next_batch():
    recorder = Recorder()
    batcher = Batcher(recorder.process, max_size=100, linger=0.002)

    first = [asyncio.create_task(batcher.submit(item(n))) for n in range(5)]
    await asyncio.sleep(0.01)  # the first batch is committing
    later = [asyncio.create_task(batcher.submit(item(n))) for n in range(5, 25)]
    await asyncio.gather(*first, *later)

    assert recorder.batches == [list(range(5)), list(range(5, 25))]
    assert not recorder.overlapped


async def test_a_full_batch_starts_at_once_and_the_rest_follows():
    recorder = Recorder()
    batcher = Batcher(recorder.process, max_size=10, linger=1.0)

    await asyncio.gather(*(batcher.submit(item(n)) for n in range(25)))

    assert [len(batch) for batch in recorder.batches] == [10, 10, 5]
    assert not recorder.overlapped


async def test_a_failed_batch_fails_its_own_waiters_only():
    async def process(items: list[Item]) -> None:
        for one in items:
            one.fail(RuntimeError("boom")) if one.event == 1 else one.succeed()

    batcher = Batcher(process, max_size=10, linger=0.001)
    results = await asyncio.gather(*(batcher.submit(item(n)) for n in range(3)), return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["NoneType", "RuntimeError", "NoneType"]


async def test_a_batch_is_processed_in_stream_order_whatever_order_its_items_arrive_in():
    recorder = Recorder()
    batcher = Batcher(recorder.process, max_size=4, linger=0.005)

    await asyncio.gather(*(batcher.submit(item(n)) for n in [5, 1, 4, 0, 3, 2]))

    assert recorder.batches == [[0, 1, 2, 3], [4, 5]]
