"""Vendor signature schemes and payload mappings, without a server."""

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from terrain_contracts.events.feedback import FeedbackKind, FeedbackSubmittedData, ReporterRole
from terrain_dev.fuzzing import budget
from terrain_feedback.domain.webhooks.payloads import MAPPERS, html_text, slugs, when
from terrain_feedback.domain.webhooks.signatures import VERIFIERS, SignedRequest, Unauthorized, hubspot_uri
from terrain_feedback.http.webhooks import Refused, to_contract

from .payload_fuzzing import json_values, mutated
from .signing import BASE_URL, FIXTURES, SECRETS, fixture, sign

pytestmark = pytest.mark.unit


def request(vendor: str, body: bytes, headers: dict[str, str]) -> SignedRequest:
    return SignedRequest(
        "POST", f"{BASE_URL}/v1/webhooks/{vendor}", {k.lower(): v for k, v in headers.items()}, body
    )


@pytest.mark.parametrize("vendor", list(SECRETS))
def test_each_scheme_accepts_its_own_signature_and_refuses_another_secret(vendor):
    body = json.dumps(fixture(vendor)).encode()
    verify = VERIFIERS[vendor]

    verify(request(vendor, body, sign(vendor, body)), SECRETS[vendor], time.time(), 300)
    with pytest.raises(Unauthorized):
        verify(request(vendor, body, sign(vendor, body)), ["whsec_c29tZXRoaW5nLWVsc2U="], time.time(), 300)


def test_the_second_secret_of_a_rotation_is_checked_too():
    body = b'{"ticket": {}}'
    headers = sign("zendesk", body, secret=SECRETS["zendesk"][1])

    VERIFIERS["zendesk"](request("zendesk", body, headers), SECRETS["zendesk"], time.time(), 300)


@pytest.mark.parametrize(
    "headers",
    [
        {
            "X-Zendesk-Webhook-Signature": "not base64 !",
            "X-Zendesk-Webhook-Signature-Timestamp": "2026-11-20T09:00:00Z",
        },
        {"X-Zendesk-Webhook-Signature": "AAAA", "X-Zendesk-Webhook-Signature-Timestamp": "yesterday"},
    ],
)
def test_malformed_signature_headers_are_unauthorized_not_errors(headers):
    with pytest.raises(Unauthorized):
        VERIFIERS["zendesk"](request("zendesk", b"{}", headers), SECRETS["zendesk"], time.time(), 300)


def test_hubspot_signs_the_uri_with_some_characters_decoded():
    assert hubspot_uri("https://x.io/hook?a=1%3A2%2Cb%40c%20d") == "https://x.io/hook?a=1:2,b@c%20d"


def test_hubspot_refuses_a_timestamp_older_than_five_minutes():
    body = b"{}"
    with pytest.raises(Unauthorized, match="window"):
        VERIFIERS["hubspot"](
            request("hubspot", body, sign("hubspot", body, age=301)), SECRETS["hubspot"], time.time(), 300
        )


@pytest.mark.parametrize("vendor", list(SECRETS))
def test_each_fixture_maps_to_a_valid_submission(vendor):
    data = FeedbackSubmittedData.model_validate(MAPPERS[vendor](fixture(vendor), vendor))

    assert data.text and data.external_id and data.occurred_at.tzinfo is not None


def test_salesforce_records_logged_by_a_rep_are_field_feedback_with_the_account():
    data = FeedbackSubmittedData.model_validate(MAPPERS["salesforce"](fixture("salesforce"), "salesforce"))

    assert data.kind is FeedbackKind.field and data.reporter.role is ReporterRole.sales_rep
    assert (
        data.reporter.email == "sam.rivera@ourcompany.com" and data.customer.account_id == "0015e00000AcmeAAA"
    )


def test_intercom_html_becomes_paragraphs_and_tags_become_slugs():
    data = FeedbackSubmittedData.model_validate(MAPPERS["intercom"](fixture("intercom"), "intercom"))

    assert (
        data.text == "Hello! Could you add a dark mode to the mobile app?\nMy whole team works night shifts."
    )
    assert data.tags == ["mobile-app"] and data.customer.email == "noor@globex.com"


def test_a_zendesk_ticket_event_maps_from_its_detail():
    payload = json.loads((FIXTURES / "zendesk_event.json").read_text())

    data = FeedbackSubmittedData.model_validate(MAPPERS["zendesk"](payload, "zendesk"))

    assert data.external_id == "35437" and data.text.startswith("Filters reset between projects")


def test_deliveries_without_feedback_map_to_nothing():
    assert MAPPERS["intercom"]({"topic": "ping"}, "intercom") is None
    assert MAPPERS["zendesk"]({"type": "zen:event-type:user.created"}, "zendesk") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T09:14:03.000+0000", "2026-11-20T09:14:03+00:00"),
        ("2026-11-20T09:14:03Z", "2026-11-20T09:14:03+00:00"),
        (1763629443, "2025-11-20T09:04:03+00:00"),
        ("1763629443000", "2025-11-20T09:04:03+00:00"),
    ],
)
def test_vendor_times_become_aware_datetimes(value, expected):
    assert when(value).isoformat() == expected


def test_odd_values_pass_through_for_the_contract_to_name():
    assert when("soon") == "soon" and when(10**30) == 10**30
    assert slugs("Billing, Mobile App  urgent") == ["billing", "mobile", "app", "urgent"]
    assert html_text(42) == 42


def test_a_source_configured_for_the_standard_endpoint_overrides_the_producers_own():
    assert MAPPERS["standard"](fixture("standard"), "gong-eu")["source"] == "gong-eu"
    assert MAPPERS["standard"](fixture("standard"), None)["source"] == "gong"


# Every vendor's parser on its own, many more examples than over HTTP: each real fixture (Zendesk has two
# shapes) with one field replaced, or any JSON at all, maps to a submission, is ignored, or is refused as
# the vendor's client error; never another exception (which the route would answer with a 500).
PARSED = [
    ("zendesk", "zendesk_trigger.json"),
    ("zendesk", "zendesk_event.json"),
    ("intercom", "intercom.json"),
    ("hubspot", "hubspot.json"),
    ("salesforce", "salesforce.json"),
    ("standard", "standard.json"),
]


@pytest.mark.thorough
@pytest.mark.parametrize(("vendor", "fixture_file"), PARSED)
@budget(150)
@given(data=st.data())
def test_any_payload_maps_is_ignored_or_is_a_client_error(vendor, fixture_file, data):
    real = json.loads((FIXTURES / fixture_file).read_text())
    payload = data.draw(mutated(real) | json_values)

    try:
        result = to_contract(vendor, payload, None if vendor == "standard" else vendor)
    except Refused as refused:
        assert 400 <= refused.status < 500 and refused.errors
    else:
        assert result is None or isinstance(result, FeedbackSubmittedData)


def test_the_parser_fuzzing_covers_every_vendor():
    assert {vendor for vendor, _ in PARSED} == set(VERIFIERS) == set(MAPPERS)
