"""The pure parts of webhooks: the retry schedule with jitter, the address classes the SSRF guard refuses,
Standard Webhooks signatures, and the schedule setting."""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from extractd.config import Settings
from extractd.domain.errors import ValidationFailed, WebhookUrlRefused
from extractd.webhooks.delivery import pinned_request
from extractd.webhooks.retry import next_attempt_at
from extractd.webhooks.signing import new_secret, signed_headers
from extractd.webhooks.ssrf import check_addresses, parse_url, refusal_reason

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
DEFAULT = Settings().webhook_retry_delays


def test_default_schedule_spans_more_than_a_day() -> None:
    assert DEFAULT == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert sum(DEFAULT) > 24 * 3600


def test_each_retry_waits_its_scheduled_delay_with_jitter_then_gives_up() -> None:
    rng = random.Random(7)
    for failed_attempt, delay in enumerate(DEFAULT, start=1):
        for _ in range(50):
            when = next_attempt_at(DEFAULT, failed_attempt, NOW, rng)
            assert when is not None
            assert timedelta(seconds=delay * 0.9) <= when - NOW <= timedelta(seconds=delay * 1.1)
    waits = {next_attempt_at(DEFAULT, 2, NOW, rng) for _ in range(20)}
    assert len(waits) > 1  # jittered, not one fixed instant
    assert next_attempt_at(DEFAULT, len(DEFAULT) + 1, NOW) is None


@pytest.mark.parametrize("value", ["5,x", "-1,5"])
def test_a_bad_schedule_is_refused_at_start(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(webhook_retry_schedule=value)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.31.255.1", "private"),
        ("192.168.0.1", "private"),
        ("fc00::1", "private"),
        ("169.254.0.5", "link-local"),
        ("fe80::5", "link-local"),
        ("100.64.0.1", "CGNAT"),
        ("100.127.255.254", "CGNAT"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
    ],
)
def test_refused_address_classes(address: str, reason: str) -> None:
    found = refusal_reason(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "100.128.0.1"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


def test_every_resolved_address_must_pass_and_the_first_is_used() -> None:
    target = parse_url("https://hooks.example.com/x")
    public, private = ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.0.0.1")
    assert check_addresses(target, [public], allow_private=False) == public
    with pytest.raises(WebhookUrlRefused):
        check_addresses(target, [public, private], allow_private=False)  # a rebinding-style answer
    assert check_addresses(target, [private, public], allow_private=True) == private
    with pytest.raises(WebhookUrlRefused):
        check_addresses(target, [], allow_private=True)


@pytest.mark.parametrize("url", ["ftp://x.example/", "http:///nohost", "http://u:p@x.example/", "x" * 10])
def test_url_shape(url: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_url(url)


def test_signed_headers_verify_with_the_reference_verifier() -> None:
    secret = new_secret()
    body = '{"id":"msg_1","type":"webhook.ping","data":{},"occurredAt":"2026-12-02T10:00:00.000Z"}'
    headers = signed_headers(secret, "msg_1", datetime.now(UTC), body)
    assert headers["webhook-id"] == headers["X-Webhook-Id"] == "msg_1"
    assert Webhook(secret).verify(body, headers)["type"] == "webhook.ping"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("ping", "pong"), headers)


@pytest.mark.parametrize(
    ("url", "address", "host_header"),
    [
        ("https://hooks.example.com:8443/in?x=1", "93.184.215.14", "hooks.example.com:8443"),
        ("https://hooks.example.com/in?x=1", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "hooks.example.com"),
    ],
)
def test_a_request_goes_to_the_checked_address_with_the_original_host(
    url: str, address: str, host_header: str
) -> None:
    """What defeats DNS rebinding: the connection goes to the address that was checked, not to a second
    lookup, while the server still sees its own name in Host and in the TLS server name."""
    client = httpx.AsyncClient()
    request = pinned_request(
        client, parse_url(url), ipaddress.ip_address(address), {"webhook-id": "m"}, b"{}"
    )
    assert request.url.host == address
    assert (request.url.port, request.url.raw_path) == (httpx.URL(url).port, b"/in?x=1")
    assert request.headers["host"] == host_header
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    assert request.headers["webhook-id"] == "m"
