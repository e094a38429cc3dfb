"""Events and contract objects the notifier's tests are built from."""

from datetime import UTC, date, datetime, timedelta

from terrain_contracts import Event
from terrain_contracts.events.dependency import DependencyRequestedData, InitiativeDependencyRequested
from terrain_contracts.events.feedback import (
    AccountSnapshot,
    FeedbackIngested,
    FeedbackIngestedData,
    FeedbackKind,
    IntakeChannel,
    Reporter,
    ReporterRole,
)
from terrain_contracts.events.initiative import (
    Briefing,
    FeedbackLinkedData,
    FeedbackUnlinkedData,
    InitiativeDropped,
    InitiativeDroppedData,
    InitiativeFeedbackLinked,
    InitiativeFeedbackUnlinked,
    InitiativeShipped,
    InitiativeShippedData,
    InitiativeStatus,
    InitiativeStatusChanged,
    InitiativeStatusChangedData,
    NeedSource,
    Size,
)
from terrain_contracts.events.insight import (
    Insight,
    InsightData,
    InsightDetected,
    InsightKind,
    InsightStatus,
    InsightUpdated,
    InsightUpdatedData,
    Severity,
)
from terrain_contracts.events.team import (
    Discipline,
    Member,
    MemberRole,
    ProductArea,
    TeamChangeData,
    TeamCreated,
    TeamKind,
    TeamState,
)

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def member(
    member_id: str,
    role: MemberRole = MemberRole.pm,
    away_days: float | None = None,
    backup: str | None = None,
) -> Member:
    away = datetime.now(UTC) + timedelta(days=away_days) if away_days else None
    return Member(
        member_id=member_id,
        name=member_id.replace("-", " ").title(),
        email=f"{member_id}@example.com",
        role=role,
        away_until=away,
        backup_member_id=backup,
    )


def team(team_id: str, members: list[Member], areas: list[str], version: int = 1) -> TeamState:
    return TeamState(
        team_id=team_id,
        name=f"Team {team_id}",
        kind=TeamKind.squad,
        members=members,
        product_areas=[ProductArea(area=a, name=a.title()) for a in areas],
        version=version,
    )


def team_created(state: TeamState) -> TeamCreated:
    return TeamCreated.create(TeamChangeData(team=state, changed_by="ops"), source="initiatives")


def insight(
    insight_id: str = "ins-1",
    area: str | None = "billing",
    severity: Severity = Severity.warning,
    version: int = 1,
    dedup_key: str | None = None,
    status: InsightStatus = InsightStatus.open,
    theme: str | None = "invoices",
    kind: InsightKind = InsightKind.spike,
    owning_team_id: str | None = None,
) -> Insight:
    return Insight(
        insight_id=insight_id,
        kind=kind,
        severity=severity,
        title=f"Spike in {area or 'somewhere'}",
        summary="42 items this week against 5 usually.",
        product_area=area,
        theme=theme,
        owning_team_id=owning_team_id,
        dedup_key=dedup_key or f"spike:{area}:{theme}",
        status=status,
        version=version,
        detected_at=NOW,
        updated_at=NOW,
    )


def detected(item: Insight) -> InsightDetected:
    return InsightDetected.create(InsightData(insight=item), source="insights")


def updated(item: Insight) -> InsightUpdated:
    return InsightUpdated.create(
        InsightUpdatedData(insight=item, changed_fields=["metrics"]), source="insights"
    )


def ingested(
    feedback_id: str, reporter: str, email: str | None, text: str, account: str = "Acme", revision: int = 1
) -> FeedbackIngested:
    return FeedbackIngested.create(
        FeedbackIngestedData(
            feedback_id=feedback_id,
            revision=revision,
            source="salesforce",
            external_id=f"ext-{feedback_id}",
            channel=IntakeChannel.event,
            kind=FeedbackKind.field,
            reporter=Reporter(name=reporter, email=email, role=ReporterRole.sales_rep),
            account=AccountSnapshot(account_id=f"acc-{account.lower()}", name=account),
            text=text,
            occurred_at=NOW,
            ingested_at=NOW,
        ),
        source="feedback",
    )


def briefing(
    initiative_id: str, status: InitiativeStatus = InitiativeStatus.shipped, team_id: str = "t-billing"
) -> Briefing:
    return Briefing(
        initiative_id=initiative_id,
        title="SAML single sign-on",
        problem="Enterprise needs SSO.",
        source=NeedSource.customer_feedback,
        size=Size.m,
        intention="Ship SAML SSO.",
        owner_team_id=team_id,
        quarter="2026-Q4",
        status=status,
        version=3,
    )


def shipped(initiative_id: str, feedback_ids: list[str], team_id: str = "t-billing") -> InitiativeShipped:
    return InitiativeShipped.create(
        InitiativeShippedData(
            initiative=briefing(initiative_id, team_id=team_id),
            release_note="SAML SSO is available on every Enterprise plan.",
            linked_feedback_ids=feedback_ids,
            shipped_at=NOW,
            shipped_by="pm-1",
        ),
        source="initiatives",
    )


def reported(
    feedback_id: str,
    email: str | None,
    *,
    name: str = "Sam Rivera",
    role: ReporterRole = ReporterRole.sales_rep,
    source: str = "salesforce",
    member_id: str | None = None,
    text: str = "We need SSO",
    account: str = "Acme",
    customer_domain: str | None = None,
) -> FeedbackIngested:
    """Feedback as ingested, its reporter staff (a role from a Sales tool, or a member) or the customer."""
    event = ingested(feedback_id, name, email, text, account)
    customer = role is ReporterRole.customer
    data = event.data.model_copy(
        update={
            "source": source,
            "kind": FeedbackKind.customer if customer else FeedbackKind.field,
            "reporter": Reporter(name=name, email=email, role=role, member_id=member_id),
            "customer_email_domain": customer_domain,
        }
    )
    return event.model_copy(update={"data": data})


def moved(initiative_id: str, to: InitiativeStatus, before: InitiativeStatus) -> InitiativeStatusChanged:
    return InitiativeStatusChanged.create(
        InitiativeStatusChangedData(
            initiative=briefing(initiative_id, to), from_status=before, to_status=to, changed_by="pm-ann"
        ),
        source="initiatives",
    )


def dropped(initiative_id: str, reason: str) -> InitiativeDropped:
    return InitiativeDropped.create(
        InitiativeDroppedData(
            initiative=briefing(initiative_id, InitiativeStatus.dropped), reason=reason, dropped_by="pm-ann"
        ),
        source="initiatives",
    )


def linked(initiative_id: str, feedback_id: str, link: bool = True) -> Event:
    if link:
        return InitiativeFeedbackLinked.create(
            FeedbackLinkedData(
                initiative_id=initiative_id,
                owner_team_id="t-billing",
                feedback_id=feedback_id,
                linked_by="pm",
            ),
            source="initiatives",
        )
    return InitiativeFeedbackUnlinked.create(
        FeedbackUnlinkedData(
            initiative_id=initiative_id, owner_team_id="t-billing", feedback_id=feedback_id, unlinked_by="pm"
        ),
        source="initiatives",
    )


# -- planning rituals ---------------------------------------------------------------------------------


def director(member_id: str, discipline: Discipline) -> Member:
    return member(member_id, MemberRole.director).model_copy(update={"discipline": discipline})


def state(team_id: str, kind: TeamKind, members: list[Member], parent: str | None = None) -> TeamState:
    return TeamState(
        team_id=team_id, name=team_id.title(), kind=kind, parent_team_id=parent, members=members, version=1
    )


def requested() -> InitiativeDependencyRequested:
    data = DependencyRequestedData(
        dependency_id="dep-1",
        initiative_id="ini-a",
        requesting_team_id="squad-a",
        on_team_id="squad-b",
        description="An export API",
        answer_by=date(2026, 11, 27),
        requested_by="pm-ann",
        initiative_title="Exports",
    )
    return InitiativeDependencyRequested.create(data, source="initiatives")


def org_teams() -> list[TeamCreated]:
    """A tribe whose directors are the triforce, Product Ops, and two squads with their PMs."""
    tribe = [
        director("dir-pia", Discipline.product),
        director("dir-dan", Discipline.design),
        director("dir-eve", Discipline.engineering),
        member("ops-olga", MemberRole.product_ops),
    ]
    squads = [
        state("squad-a", TeamKind.squad, [member("pm-ann"), member("eng-al", MemberRole.engineer)], "tribe"),
        state("squad-b", TeamKind.squad, [member("pm-bob")], "tribe"),
    ]
    return [team_created(s) for s in [state("tribe", TeamKind.tribe, tribe), *squads]]
