"""Constrained building blocks shared by every contract.

Producers construct models with these types and get a validation error on
anything loose: naive datetimes, free-form currencies, floats for money.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints


def _as_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # e.g. 0001-01-01T00:00+05:00: no UTC equivalent in Python's range. A ValueError makes it a
        # ValidationError (a dead letter), where an OverflowError would be retried as a handler bug.
        raise ValueError("the time in UTC falls outside years 1-9999") from None


def utcnow() -> datetime:
    return datetime.now(UTC)


# Timezone-aware only; normalised to UTC so every consumer compares like with like.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]
# An identifier in a vendor's system: ticket numbers, CRM ids, URLs of call notes.
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^\S(.*\S)?$")]
Email = Annotated[
    str,
    StringConstraints(
        max_length=254, pattern=r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,63}$"
    ),
]
Domain = Annotated[
    str, StringConstraints(max_length=253, pattern=r"^(?:[a-z0-9](?:[a-z0-9\-]{0,62}\.)+)[a-z]{2,63}$")
]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Quarter = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-Q[1-4]$")]
Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://\S+$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Paragraph = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
FeedbackText = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]


class Contract(BaseModel):
    """Base of every contract model.

    Construction is strict about shape (unknown fields are an error, so a
    typo in a producer fails loudly). Consumers parse with ``extra="ignore"``
    through :meth:`terrain_contracts.Event.parse`, so a field added later in
    the same version never breaks them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(Contract):
    """An amount in integer minor units (cents) with its ISO 4217 currency."""

    amount_minor: int = Field(ge=0, le=10**15)
    currency: CurrencyCode


class FieldError(Contract):
    """One reason a piece of input was refused, naming the field."""

    field: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    message: Reason


def field_errors(
    errors: Iterable[Mapping[str, Any]], *, prefix: str = "", root: str = "(root)", limit: int = 50
) -> list[FieldError]:
    """Pydantic's errors (``ValidationError.errors()``, FastAPI's ``RequestValidationError.errors()``), one
    :class:`FieldError` each, the field as a dotted path (``root`` for the whole input)."""
    found = []
    for error in list(errors)[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or root
        message = str(error["msg"]).removeprefix("Value error, ") or "invalid"
        found.append(FieldError(field=f"{prefix}{where}"[:300], message=message[:2000]))
    return found


class Role(StrEnum):
    """API roles. Members' job roles are :class:`terrain_contracts.events.team.MemberRole`."""

    viewer = "viewer"
    pm = "pm"
    product_ops = "product_ops"
    director = "director"
    admin = "admin"
    # Field reps: log feedback and follow what they reported (and the accounts they cover), nothing else.
    sales = "sales"
    cs = "cs"
