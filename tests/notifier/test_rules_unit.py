"""Rules and targets validated on load: unknown fields, channels, URLs, secrets, SSRF ranges, references."""

import pytest
from terrain_notifier.domain.members import Preferences
from terrain_notifier.domain.rules import RulesError, parse_rules
from terrain_notifier.domain.targets import check_secret, networks, refusal

pytestmark = pytest.mark.unit

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def errors_of(data, allow=()) -> dict[str, str]:
    with pytest.raises(RulesError) as refused:
        parse_rules(data, allow)
    return {e.field: e.message for e in refused.value.errors}


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
        "192.0.2.10",
    ],
)
def test_non_global_addresses_are_refused(address):
    assert refusal(address, []) is not None


def test_public_addresses_pass_and_allow_listed_private_ones_too():
    assert refusal("93.184.216.34", []) is None
    assert refusal("127.0.0.1", networks(["127.0.0.1/32"])) is None
    assert (
        refusal("127.0.0.2", networks(["127.0.0.1/32"]))
        == "127.0.0.2 is a loopback address (not allow-listed)"
    )


def test_endpoint_urls_in_private_ranges_are_errors_unless_allow_listed():
    rules = {"endpoints": {"hook": {"channel": "slack", "url": "http://localhost:8080/x"}}}
    assert (
        errors_of(rules)["endpoints.hook.url"]
        == "refused target: 127.0.0.1 is a loopback address (not allow-listed)"
    )
    assert parse_rules(rules, ["127.0.0.0/8"]).endpoints["hook"].url == "http://localhost:8080/x"


def test_a_route_naming_an_undeclared_endpoint_or_nobody_is_an_error():
    found = errors_of({"routes": [{"name": "b"}]})
    assert found == {"routes.0": "a route names at least one endpoint or member"}
    found = errors_of({"routes": [{"name": "a", "endpoints": ["nope"]}]})
    assert found == {"(root)": "routes.0.endpoints: nope not declared under endpoints"}


def test_duplicate_route_names_and_bad_default_channels_are_errors():
    found = errors_of(
        {
            "routes": [{"name": "a", "members": ["m"]}, {"name": "a", "members": ["n"]}],
            "defaults": {"channels": ["pager"]},
        }
    )
    assert "defaults.channels.0" in found


def test_secrets_follow_the_standard_webhooks_format():
    assert check_secret(SECRET) == SECRET
    for bad, why in (
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with whsec_"),
        ("whsec_!!!", "must be whsec_ followed by base64"),
        ("whsec_c2hvcnQ=", "at least 24 bytes"),
    ):
        with pytest.raises(ValueError, match=why):
            check_secret(bad)


def test_preferences_need_a_target_for_each_chosen_channel_and_a_real_time_zone():
    with pytest.raises(ValueError, match="channel slack needs slack_url"):
        Preferences(channels=["slack"])
    with pytest.raises(ValueError, match="unknown time zone"):
        Preferences(timezone="Europe/Atlantis")
    with pytest.raises(ValueError, match="start and end must differ"):
        Preferences(quiet_hours={"start": "22:00", "end": "22:00"})


def test_an_escalation_delay_past_thirty_days_is_refused_naming_the_field():
    # Found by schemathesis: 1e308 minutes was stored, then now + timedelta(minutes=...) overflowed in
    # the consumer for every critical insight.
    assert parse_rules({"escalation_minutes": 30 * 24 * 60}).escalation_minutes == 43200
    assert "escalation_minutes" in errors_of({"escalation_minutes": 1e308})
