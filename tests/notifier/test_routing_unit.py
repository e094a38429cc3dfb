"""Routing rules as pure functions: owners, backups, Product Ops fallback, rules and subscriptions."""

from datetime import UTC, datetime, timedelta

import pytest
from terrain_contracts.events.insight import InsightKind, Severity
from terrain_contracts.events.team import MemberRole
from terrain_notifier.domain.members import Subscription
from terrain_notifier.domain.routing import Directory, route
from terrain_notifier.domain.rules import parse_rules

from .factories import insight, member, team

pytestmark = pytest.mark.unit

NOW = datetime.now(UTC)


def org(*extra) -> Directory:
    return Directory.of(
        [
            team(
                "t-billing",
                [member("pm-ann"), member("pm-bob"), member("eng-eve", MemberRole.engineer)],
                ["billing"],
            ),
            team("t-ops", [member("ops-olga", MemberRole.product_ops)], []),
            *extra,
        ]
    )


def who(recipients) -> dict[str, list[str]]:
    return {r.member_id or r.endpoint: r.reasons for r in recipients}


def test_the_owning_team_s_pms_receive_an_insight_of_their_area():
    assert who(route(insight(area="billing"), org(), parse_rules({}), [], NOW)) == {
        "pm-ann": ["PM of Team t-billing (t-billing), owner of area billing"],
        "pm-bob": ["PM of Team t-billing (t-billing), owner of area billing"],
    }


def test_the_insight_s_owning_team_wins_over_area_ownership():
    directory = org(team("t-growth", [member("pm-gus")], []))
    assert list(
        who(route(insight(area="billing", owning_team_id="t-growth"), directory, parse_rules({}), [], NOW))
    ) == ["pm-gus"]


def test_an_unowned_area_goes_to_product_ops():
    found = who(
        route(insight(area="reporting"), org(), parse_rules({"product_ops_members": ["ops-x"]}), [], NOW)
    )
    assert found == {
        "ops-olga": ["Product Ops fallback: nobody owns area reporting"],
        "ops-x": ["Product Ops fallback: nobody owns area reporting"],
    }


def test_a_team_without_pm_falls_back_to_product_ops():
    directory = Directory.of(
        [
            team("t-x", [member("eng-1", MemberRole.engineer)], ["exports"]),
            team("t-ops", [member("ops-olga", MemberRole.product_ops)], []),
        ]
    )
    assert who(route(insight(area="exports"), directory, parse_rules({}), [], NOW)) == {
        "ops-olga": ["Product Ops fallback: Team t-x (t-x) owns area exports but has no PM"]
    }


def test_an_away_member_is_replaced_by_the_first_available_backup_in_the_chain():
    directory = Directory.of(
        [
            team(
                "t-billing",
                [
                    member("pm-ann", away_days=2, backup="pm-bob"),
                    member("pm-bob", MemberRole.designer, away_days=1, backup="pm-cat"),
                    member("pm-cat", MemberRole.designer),
                ],
                ["billing"],
            )
        ]
    )
    [recipient] = route(insight(), directory, parse_rules({}), [], NOW)
    assert recipient.member_id == "pm-cat"
    assert "backup for pm-ann, away until" in recipient.reasons[0]
    # Whom the backup stands in for, and as what, in one reason (not two reasons glued together).
    assert recipient.reasons[0].endswith(", who is PM of Team t-billing (t-billing), owner of area billing")


def test_a_pm_standing_in_for_the_other_pm_of_their_team_reads_their_shared_duty_once():
    # The demo's Hugo: PM of the owning team, and backup of its other PM, who is away.
    directory = Directory.of(
        [
            team(
                "t-billing",
                [member("pm-hugo"), member("pm-julia", away_days=7, backup="pm-hugo")],
                ["billing"],
            )
        ]
    )
    [hugo] = route(insight(), directory, parse_rules({}), [], NOW)
    assert hugo.member_id == "pm-hugo"
    duty = "PM of Team t-billing (t-billing), owner of area billing"
    assert hugo.reasons[0] == duty
    assert hugo.reasons[1].startswith("backup for pm-julia, away until")
    assert duty not in hugo.reasons[1]


def test_an_away_member_without_backup_hands_over_to_product_ops():
    directory = org(team("t-pay", [member("pm-pat", away_days=1)], ["payments"]))
    found = who(route(insight(area="payments"), directory, parse_rules({}), [], NOW))
    assert list(found) == ["ops-olga"]
    assert found["ops-olga"][0].startswith("Product Ops fallback: pm-pat is away until")


def test_a_backup_cycle_does_not_loop_forever():
    directory = Directory.of(
        [
            team(
                "t",
                [
                    member("a", away_days=1, backup="b"),
                    member("b", MemberRole.designer, away_days=1, backup="a"),
                ],
                ["billing"],
            )
        ]
    )
    assert route(insight(), directory, parse_rules({}), [], NOW) == []  # and no Product Ops known


def test_members_back_from_leave_receive_again():
    directory = Directory.of([team("t", [member("pm-ann", backup="pm-bob")], ["billing"])])
    later = NOW + timedelta(days=30)
    assert [r.member_id for r in route(insight(), directory, parse_rules({}), [], later)] == ["pm-ann"]


def test_matching_rules_and_subscriptions_add_recipients_with_their_reason():
    rules = parse_rules(
        {
            "endpoints": {
                "billing-slack": {"channel": "slack", "url": "https://hooks.slack.com/services/T/B/X"}
            },
            "routes": [
                {
                    "name": "critical-billing",
                    "when": {"product_areas": ["billing"], "min_severity": "critical"},
                    "endpoints": ["billing-slack"],
                    "members": ["pm-ann"],
                },
                {"name": "churn", "when": {"kinds": ["churn_risk"]}, "members": ["dir-dan"]},
            ],
        }
    )
    subscriptions = [
        ("eng-eve", Subscription(subscription_id="s1", themes=["invoices"])),
        (
            "ops-olga",
            Subscription(subscription_id="s2", min_severity=Severity.critical, kinds=[InsightKind.spike]),
        ),
    ]
    found = who(route(insight(severity=Severity.critical), org(), rules, subscriptions, NOW))
    assert found["pm-ann"] == [
        "PM of Team t-billing (t-billing), owner of area billing",
        "rule critical-billing (areas=billing severity>=critical)",
    ]
    assert found["billing-slack"] == ["rule critical-billing (areas=billing severity>=critical)"]
    assert found["eng-eve"] == ["subscription s1 (themes=invoices severity>=info)"]
    assert found["ops-olga"] == ["subscription s2 (kinds=spike severity>=critical)"]
    assert "dir-dan" not in found

    quieter = who(route(insight(severity=Severity.warning), org(), rules, subscriptions, NOW))
    assert set(quieter) == {"pm-ann", "pm-bob", "eng-eve"}
