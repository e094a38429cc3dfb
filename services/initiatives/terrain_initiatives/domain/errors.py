"""Why a request is refused, independent of HTTP; the HTTP layer maps each to its status."""


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
    """A field's value is refused by a rule the request model cannot express."""

    status = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.message = reason
