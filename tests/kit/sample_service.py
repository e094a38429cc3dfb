"""A minimal service built on the kit, for the kit's own tests (in-process or as a process).

It stores accounts by HTTP (emitting ``account.updated`` through the outbox)
and consumes those events, counting each effect so a test sees a second one.
Account names steer the consumer: ``always-fails`` raises (until healed),
``fails-after-write`` raises after its write, ``rejected`` is refused for
good, ``crash`` kills the process. An invalid payload containing
``refusal-unrecordable`` makes the invalid-message hook fail.
"""

import os
import signal
from collections import Counter

from fastapi import APIRouter, FastAPI, Request
from pydantic_settings import SettingsConfigDict
from terrain_contracts.events.account import Account, AccountUpdated, AccountUpdatedData
from terrain_kit.auth import ProductOps, Reader
from terrain_kit.consumers import Consumers, Rejected
from terrain_kit.http import create_app
from terrain_kit.service import Service, run
from terrain_kit.settings import ServiceSettings
from terrain_kit.uow import UnitOfWork

EFFECTS = "effects"
ATTEMPTS: Counter[str] = Counter()  # handler calls per account, seen by in-process tests
HEALED: set[str] = set()  # accounts whose failure a test has "fixed" before replaying


class SampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SAMPLE_", env_nested_delimiter="__", extra="ignore")


consumers = Consumers("sample")


async def record_rejection(subject: str, payload: bytes, reason: str, uow: UnitOfWork) -> None:
    if b"refusal-unrecordable" in payload:
        raise RuntimeError("cannot record this refusal")
    await uow["rejections"].insert_one({"subject": subject, "reason": reason}, session=uow.session)


@consumers.on(AccountUpdated, durable="sample-accounts", on_invalid=record_rejection)
async def apply_account(event: AccountUpdated, uow: UnitOfWork) -> None:
    """Record one effect per account event."""
    account = event.data.account
    ATTEMPTS[account.account_id] += 1
    if account.name == "always-fails" and account.account_id not in HEALED:
        raise RuntimeError("this handler always fails")
    if account.name == "rejected":
        raise Rejected("accounts named 'rejected' are refused")
    if account.name == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    await uow[EFFECTS].update_one(
        {"_id": account.account_id},
        {"$inc": {"applied": 1}, "$push": {"events": str(event.id)}},
        upsert=True,
        session=uow.session,
    )
    if account.name == "fails-after-write":
        raise RuntimeError("failed after writing")


router = APIRouter()


@router.post("/v1/accounts", status_code=201)
async def put_account(account: Account, request: Request, principal: ProductOps) -> dict:
    service: Service = request.app.state.service
    event = AccountUpdated.create(AccountUpdatedData(account=account), source="sample")

    async def work(uow: UnitOfWork) -> None:
        await uow["accounts"].replace_one(
            {"_id": account.account_id}, account.model_dump(mode="json"), upsert=True, session=uow.session
        )
        uow.emit(event)

    await service.transactions.run(work)
    return {"event_id": str(event.id)}


@router.get("/v1/whoami")
async def whoami(principal: Reader) -> dict:
    return {"name": principal.name, "role": principal.role.value}


def build(settings: SampleSettings) -> FastAPI:
    service = Service("sample", settings, consumers=consumers, publishes=[AccountUpdated])
    return create_app(service, title="Sample", routers=[router])


if __name__ == "__main__":
    settings = SampleSettings()
    run(build(settings), settings)
