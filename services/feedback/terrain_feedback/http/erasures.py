"""Erasure requests (GDPR): product_ops erases (admin always passes)."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, model_validator
from terrain_contracts import Role
from terrain_contracts.types import Email, Id, Reason
from terrain_kit.api import Call, call_for

from ..handlers import erasures

router = APIRouter(prefix="/v1", tags=["erasure"])

Eraser = Annotated[Call, Depends(call_for(Role.product_ops))]


class ErasureRequest(BaseModel):
    account_id: Id | None = None
    customer_email: Email | None = None
    reason: Reason
    erasure_id: Id | None = Field(default=None, description="Your request id: a repeat gets the same answer.")

    @model_validator(mode="after")
    def _one_subject(self) -> "ErasureRequest":
        if (self.account_id is None) == (self.customer_email is None):
            raise ValueError("give exactly one of account_id or customer_email")
        return self


class ErasureView(BaseModel):
    erasure_id: str
    feedback_ids: list[str]
    replayed: bool = Field(description="True when this erasure_id was already carried out.")


@router.post("/erasures", response_model=ErasureView)
async def erase(body: ErasureRequest, call: Eraser) -> ErasureView:
    """Delete one customer's feedback (GDPR) and publish feedback.erased; the ids are never ingested again."""
    done = await call.run(
        erasures.erase_customer,
        call.context,
        account_id=body.account_id,
        customer_email=body.customer_email,
        reason=body.reason,
        requested_by=call.principal.actor,
        erasure_id=body.erasure_id,
    )
    return ErasureView(erasure_id=done.erasure_id, feedback_ids=done.feedback_ids, replayed=done.replayed)
