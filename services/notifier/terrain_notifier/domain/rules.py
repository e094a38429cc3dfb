"""Routing rules as code: the YAML file and the API share this model, validated strictly on load.

    product_ops_members: [m-ops]          # Product Ops fallback, besides members with the product_ops role
    defaults: {channels: [inbox, email]}  # channels of members without preferences
    escalation_minutes: 30
    endpoints:
      billing-alerts: {channel: slack, url: "https://hooks.slack.com/services/T/B/X"}
      ops-hook: {channel: webhook, url: "https://ops.example.com/terrain", secret: "whsec_..."}
    routes:
      - name: billing-critical
        when: {product_areas: [billing], min_severity: critical}
        endpoints: [billing-alerts]
        members: [m-cfo]

Unknown fields, unknown channels, bad URLs, private-range targets (unless
allow-listed), bad secrets and references to undeclared endpoints are errors
naming the field.
"""

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from terrain_contracts.events.insight import Insight, InsightKind, Severity
from terrain_contracts.events.notification import Channel
from terrain_contracts.types import FieldError, Id, Slug, field_errors
from terrain_kit.documents import DocumentError, load_yaml
from terrain_kit.errors import Invalid

from .targets import SECRET_MASK, check_secret, literal_address, networks, refusal, split_url

SEVERITY_RANK = {Severity.info: 0, Severity.warning: 1, Severity.critical: 2}
MEMBER_CHANNELS = (Channel.inbox, Channel.email, Channel.slack, Channel.webhook)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EndpointChannel(StrEnum):
    slack = "slack"
    webhook = "webhook"


def checked_url(url: str, info: ValidationInfo) -> str:
    """Shape and, for IP literals, the SSRF rule; hostnames are resolved and checked by the caller."""
    _, host, _ = split_url(url)
    address = literal_address(host)
    if address is not None:
        allow = networks((info.context or {}).get("ssrf_allow", ()))
        reason = refusal(address, allow)
        if reason is not None:
            raise ValueError(f"refused target: {reason}")
    return url


Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class Endpoint(Strict):
    channel: EndpointChannel
    url: Url
    secret: str | None = Field(
        default=None, description="Standard Webhooks secret (whsec_...), webhooks only."
    )

    _url = field_validator("url")(checked_url)

    @field_validator("secret")
    @classmethod
    def _secret(cls, secret: str | None) -> str | None:
        return None if secret is None else check_secret(secret)

    @model_validator(mode="after")
    def _secret_for_webhooks(self) -> Self:
        if self.channel is EndpointChannel.webhook and self.secret is None:
            raise ValueError("a webhook endpoint needs a secret (whsec_...) to sign its messages")
        if self.channel is EndpointChannel.slack and self.secret is not None:
            raise ValueError("a Slack endpoint takes no secret")
        return self


class Match(Strict):
    """Which insights a route or subscription covers: each non-empty list must hold the insight's value."""

    product_areas: list[Slug] = Field(default_factory=list, max_length=200)
    themes: list[Slug] = Field(default_factory=list, max_length=200)
    kinds: list[InsightKind] = Field(default_factory=list)
    min_severity: Severity = Severity.info

    def matches(self, insight: Insight) -> bool:
        return (
            (not self.product_areas or insight.product_area in self.product_areas)
            and (not self.themes or insight.theme in self.themes)
            and (not self.kinds or insight.kind in self.kinds)
            and SEVERITY_RANK[insight.severity] >= SEVERITY_RANK[self.min_severity]
        )

    def describe(self) -> str:
        parts = [
            f"{name}={','.join(values)}"
            for name, values in (
                ("areas", self.product_areas),
                ("themes", self.themes),
                ("kinds", self.kinds),
            )
            if values
        ]
        return " ".join([*parts, f"severity>={self.min_severity.value}"])


class Route(Strict):
    name: Slug
    when: Match = Match()
    endpoints: list[Slug] = Field(default_factory=list, max_length=50)
    members: list[Id] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _targets(self) -> Self:
        if not self.endpoints and not self.members:
            raise ValueError("a route names at least one endpoint or member")
        return self


class Defaults(Strict):
    channels: list[Literal["inbox", "email", "slack", "webhook"]] = Field(
        default=["inbox", "email"], min_length=1
    )


MAX_ESCALATION_MINUTES = 30 * 24 * 60


class Rules(Strict):
    product_ops_members: list[Id] = Field(default_factory=list, max_length=200)
    defaults: Defaults = Defaults()
    # Bounded: an escalation is due at now + this, and a huge one overflows the date in every consumer.
    escalation_minutes: float | None = Field(
        default=None, gt=0, le=MAX_ESCALATION_MINUTES, description="Overrides the service setting."
    )
    endpoints: dict[Slug, Endpoint] = Field(default_factory=dict, max_length=500)
    routes: list[Route] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _references(self) -> Self:
        names = [route.name for route in self.routes]
        if duplicated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"route names must be unique: {', '.join(duplicated)}")
        for i, route in enumerate(self.routes):
            unknown = [name for name in route.endpoints if name not in self.endpoints]
            if unknown:
                raise ValueError(f"routes.{i}.endpoints: {', '.join(unknown)} not declared under endpoints")
        return self

    def endpoint_urls(self) -> list[tuple[str, str]]:
        return [(f"endpoints.{name}.url", endpoint.url) for name, endpoint in self.endpoints.items()]


DOCUMENT = "(document)"  # the field named when the document as a whole is refused


class RulesError(Invalid):
    """Rules that do not validate; ``errors`` name each field (the API answers 422 with them)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].field, errors[0].message)
        self.errors = list(errors)
        self.reason = f"invalid: {', '.join(error.field for error in errors)}"
        # What a bad rules file stops the start-up with: every field and why.
        self.args = ("; ".join(f"{error.field}: {error.message}" for error in errors),)

    @classmethod
    def of(cls, field: str, message: str) -> "RulesError":
        return cls([FieldError(field=field[:300], message=message[:2000] or "invalid")])


def keep_secrets(data: Any, stored: Rules) -> Any:
    """Rules as sent, where a masked secret (what a read shows) is the stored secret of the same endpoint:
    what ``GET /v1/rules`` answers can be written back unchanged. A masked secret for an endpoint that
    holds none is refused naming it."""
    endpoints = data.get("endpoints") if isinstance(data, dict) else None
    if not isinstance(endpoints, dict):
        return data
    kept = dict(endpoints)
    for name, endpoint in endpoints.items():
        if not isinstance(endpoint, dict) or endpoint.get("secret") != SECRET_MASK:
            continue
        held = stored.endpoints.get(name)
        if held is None or held.secret is None:
            raise RulesError.of(
                f"endpoints.{name}.secret",
                f"{SECRET_MASK} stands for the stored secret of this endpoint, which has none: send one",
            )
        kept[name] = {**endpoint, "secret": held.secret}
    return {**data, "endpoints": kept}


def is_empty(rules: Rules) -> bool:
    """Nothing differs from no rules at all: no route, endpoint, Product Ops member or setting."""
    return rules == Rules()


def parse_rules(data: Any, ssrf_allow: Sequence[str] = ()) -> Rules:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError.of("(root)", "rules must be a mapping")
    try:
        return Rules.model_validate(data, context={"ssrf_allow": list(ssrf_allow)})
    except ValidationError as exc:
        raise RulesError(field_errors(exc.errors())) from None


def load_document(text: str) -> Any:
    """A YAML (or JSON: YAML is a superset) document as data, depth-bounded; a :class:`RulesError`
    naming the document (422) otherwise."""
    try:
        return load_yaml(text)
    except DocumentError as exc:
        raise RulesError.of(DOCUMENT, str(exc)) from None
