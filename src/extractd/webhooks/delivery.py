"""One delivery attempt over HTTP (httpx): signed, pinned to the checked address, no redirects followed.

The attempt as a whole is bounded (connect timeout and a total deadline), so a receiver that hangs or
trickles its answer costs only its own attempt.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from extractd.domain.errors import ExtractdError
from extractd.store.repositories.webhooks import AttemptOutcome
from extractd.webhooks.signing import signed_headers
from extractd.webhooks.ssrf import (
    IpAddress,
    WebhookUrl,
    addresses_from_getaddrinfo,
    checked_addresses,
    parse_url,
)

USER_AGENT = "extractd-webhooks/1"
MAX_ERROR_LENGTH = 500
MAX_RESPONSE_BYTES = 64 * 1024  # read (and drop) at most this much of an answer


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    connect_timeout_s: float
    total_timeout_s: float
    allow_private: bool


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    url: str
    secret: str
    body: dict[str, object]


async def _resolve(target: WebhookUrl) -> list[IpAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return addresses_from_getaddrinfo(list(infos))


def pinned_request(
    client: httpx.AsyncClient, target: WebhookUrl, address: IpAddress, headers: dict[str, str], body: bytes
) -> httpx.Request:
    """A POST to ``address`` itself, presenting the URL's host in ``Host`` and as the TLS server name."""
    url = httpx.URL(target.url)
    host_header = url.netloc.decode("ascii").rpartition("@")[2]
    return client.build_request(
        "POST",
        url.copy_with(host=str(address)),
        content=body,
        headers={
            **headers,
            "Host": host_header,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        },
        extensions={"sni_hostname": target.host},
    )


async def attempt(client: httpx.AsyncClient, message: Message, limits: DeliveryLimits) -> AttemptOutcome:
    """Send the message once; a 2xx answer is a success, anything else (3xx included) a failure."""
    started = time.monotonic()

    def outcome(succeeded: bool, status_code: int | None = None, error: str | None = None) -> AttemptOutcome:
        duration_ms = int((time.monotonic() - started) * 1000)
        return AttemptOutcome(succeeded, status_code, error and error[:MAX_ERROR_LENGTH], duration_ms)

    try:
        target = parse_url(message.url)
        addresses = checked_addresses(target, await _resolve(target), limits.allow_private)
    except ExtractdError as exc:
        return outcome(False, error=exc.message)
    body = json.dumps(message.body, separators=(",", ":"), ensure_ascii=False)
    headers = signed_headers(message.secret, message.id, datetime.now(UTC), body)
    try:
        async with asyncio.timeout(limits.total_timeout_s):
            response = await _send(client, target, addresses, headers, body.encode())
            try:
                received = 0
                async for chunk in response.aiter_raw():
                    received += len(chunk)
                    if received > MAX_RESPONSE_BYTES:
                        break
            finally:
                await response.aclose()
    except TimeoutError:
        return outcome(False, error=f"timed out after {limits.total_timeout_s:g} s")
    except httpx.HTTPError as exc:
        return outcome(False, error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if 200 <= response.status_code < 300:
        return outcome(True, response.status_code)
    if response.is_redirect:
        return outcome(False, response.status_code, "redirect not followed")
    return outcome(False, response.status_code, f"HTTP {response.status_code}")


async def _send(
    client: httpx.AsyncClient,
    target: WebhookUrl,
    addresses: list[IpAddress],
    headers: dict[str, str],
    body: bytes,
) -> httpx.Response:
    """POST to the checked addresses in turn, moving on only when a connection cannot be made."""
    for address in addresses[:-1]:
        try:
            return await client.send(pinned_request(client, target, address, headers, body), stream=True)
        except httpx.ConnectError:
            continue
    return await client.send(pinned_request(client, target, addresses[-1], headers, body), stream=True)


def make_client(limits: DeliveryLimits) -> httpx.AsyncClient:
    timeout = httpx.Timeout(limits.total_timeout_s, connect=limits.connect_timeout_s)
    # No proxies from the environment: the connection must go to the address that was checked.
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)
