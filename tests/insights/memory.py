"""What the fast tier of the insights handlers shares: texts and reads (the clock and the unit of work
are fixtures of conftest)."""

from terrain_insights.domain.aggregates import bucket_id, bucket_start
from terrain_kit.uow import UnitOfWork

from .conftest import NOW

SSO = "The SAML login with Okta fails for all our users"
ANGRY = "Unacceptable, the app crashes all the time, we will cancel"


def subjects(uow: UnitOfWork) -> list[str]:
    return [event["subject"] for event in uow.outbox]


async def day_bucket(uow: UnitOfWork, theme: str) -> dict | None:
    return await uow["aggregates"].find_one(
        {"_id": bucket_id("theme", theme, "day", bucket_start(NOW, "day"))}
    )
