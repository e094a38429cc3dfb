"""Why a request is refused, independent of HTTP: handlers and domain rules raise these, and every service's
HTTP layer answers each with its status and a JSON body (``terrain_kit.api.domain_error``).

    raise NotFound(f"no briefing {briefing_id}")
    raise Invalid("quarter", "must be the current quarter or a later one")
"""

from terrain_contracts.types import FieldError


class DomainError(Exception):
    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """The request is well-formed but the current state refuses it (illegal transition, cycle...)."""

    status = 409


class StaleVersion(DomainError):
    status = 412

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"version {expected} is stale: the current version is {current}; "
            "reload, reapply your change and send If-Match with the current version"
        )
        self.current = current


class VersionRequired(DomainError):
    status = 428


class Invalid(DomainError):
    """A value refused by a rule the request model cannot express; ``errors`` name each field at fault."""

    status = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.errors = [FieldError(field=field, message=reason)]

    @property
    def field(self) -> str:
        return self.errors[0].field

    @property
    def message(self) -> str:
        return self.errors[0].message

    @classmethod
    def fields(cls, errors: list[FieldError], what: str = "invalid") -> "Invalid":
        """Several fields at fault at once (a document validated as a whole)."""
        refused = cls(errors[0].field, errors[0].message)
        refused.errors = list(errors)
        refused.reason = f"{what}: {', '.join(error.field for error in errors)}"
        refused.args = (refused.reason,)
        return refused


def check_version(current: int, if_match: int | None) -> None:
    """Optimistic concurrency: a write names the version it was based on (If-Match)."""
    if if_match is None:
        raise VersionRequired("send If-Match with the version (ETag) your change is based on")
    if if_match != current:
        raise StaleVersion(if_match, current)
