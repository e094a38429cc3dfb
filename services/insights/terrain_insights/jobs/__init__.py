"""Background work, each job on one replica at a time (leases): periodic detectors (unowned demand on a
short tick, the others every detectors interval), clustering, replays."""

from terrain_kit.service import BackgroundTask, Service

from ..handlers.context import Context
from . import clustering, replays
from .detectors import Detectors


def background(context: Context) -> list[BackgroundTask]:
    async def detectors(service: Service) -> None:
        await Detectors(context, service).run()

    async def candidates(service: Service) -> None:
        await clustering.run(context, service)

    async def replay(service: Service) -> None:
        await replays.run(context, service)

    return [detectors, candidates, replay]
